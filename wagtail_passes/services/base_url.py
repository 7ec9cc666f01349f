"""The absolute address that emails link to (issue 19: links a member can follow).

One rule, in this order:

1. the request that caused the email, when there is one: a view wrapped in
   ``links_from_request`` records ``scheme://host`` of its request for the emails its
   services enqueue (``notifications.email_on_commit`` puts it in the task's arguments as
   a plain string, since the email may be sent later by a worker);
2. ``WAGTAIL_PASSES_BASE_URL``;
3. ``WAGTAILADMIN_BASE_URL`` (the address Wagtail's own emails use);
4. as a last resort, the root URL of Wagtail's default Site (**Settings → Sites**). A local
   demo leaves that at ``localhost`` while it is served at ``127.0.0.1``, so members would
   arrive signed out: set one of the settings rather than rely on it.

The addresses built here have no trailing slash; ``reverse()`` supplies the path.
"""

from __future__ import annotations

import contextvars
import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import NoReverseMatch, reverse

from ..conf import passes_settings

#: The base URL of the request being answered, "" outside one (a task, a command).
_request_base: contextvars.ContextVar[str] = contextvars.ContextVar(
    "wagtail_passes_request_base_url", default=""
)


def base_url_problem(value) -> str | None:
    """Why ``value`` cannot be a base URL (``scheme://host[:port]``), or None."""
    if not isinstance(value, str) or not value:
        return f"must be an address such as 'https://studio.example.com', not {value!r}"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{value!r} must start with http:// or https:// and name a host"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return (
            f"{value!r} must be the site's address only (scheme, host and port), without a "
            "path, query or fragment: the app adds its own paths"
        )
    return None


def _clean(value) -> str:
    return value.rstrip("/") if isinstance(value, str) and not base_url_problem(value) else ""


def request_base_url(request) -> str:
    """``scheme://host[:port]`` of ``request``; "" when its host is not allowed."""
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return ""


def current_request_base_url() -> str:
    """The base URL recorded by ``links_from_request`` for the request being answered."""
    return _request_base.get()


def configured_base_url() -> str:
    """The base URL without a request: ``WAGTAIL_PASSES_BASE_URL``, else
    ``WAGTAILADMIN_BASE_URL``, else the default Site's root URL, else ""."""
    for value in (passes_settings.BASE_URL, getattr(settings, "WAGTAILADMIN_BASE_URL", None)):
        if _clean(value):
            return _clean(value)
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    return site.root_url.rstrip("/") if site is not None else ""


def base_url(from_request: str = "") -> str:
    """``from_request`` (a base URL recorded from the request that caused an email) when
    given, else the configured one."""
    return _clean(from_request) or configured_base_url()


def absolute_url(viewname: str, *, base: str = "", **kwargs) -> str:
    """``viewname`` (an app URL name) as an absolute URL under ``base_url(base)``; "" when
    the app's URLs are not included or there is no base URL at all."""
    try:
        path = reverse(viewname, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
    root = base_url(base)
    return root + path if root else ""


def page_url(page, *, base: str = "") -> str:
    """A Wagtail page's absolute URL. A page of the default Site (the one the settings'
    address serves) is put under ``base_url(base)``, so it does not carry the Site's
    hostname; a page of another Site keeps that Site's own address."""
    parts = page.get_url_parts()
    if parts is None:
        return ""
    site_id, root_url, path = parts
    from wagtail.models import Site

    default = Site.objects.filter(is_default_site=True).values_list("pk", flat=True).first()
    root = base_url(base)
    if site_id == default and root:
        return root + path
    return page.get_full_url() or ""


def links_from_request(view):
    """Wrap a view whose services send emails, so those emails link to the address the
    member is using (``request_base_url``) rather than a configured one."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        token = _request_base.set(request_base_url(request))
        try:
            return view(request, *args, **kwargs)
        finally:
            _request_base.reset(token)

    return wrapped


__all__ = [
    "absolute_url",
    "base_url",
    "base_url_problem",
    "configured_base_url",
    "current_request_base_url",
    "links_from_request",
    "page_url",
    "request_base_url",
]
