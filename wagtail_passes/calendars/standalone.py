"""A calendar block rendered without a request (``{{ page.body }}``) still works (CAL1, CAL2).

Wagtail renders a StreamField written as ``{{ page.body }}`` without the page's template
context: the block gets its id and nothing else, so it cannot know the visitor nor read the
page's query string. Such a block then renders the first period for an unknown visitor, and

- its links carry their own state: they point at the app's URL ``calendars/<token>/``, whose
  signed token holds the block's settings (its ``CalendarConfig``); that page shows the same
  calendar with the request, so navigation and the member's standing work without JavaScript;
- its wrapper names that URL (``data-wp-calendar-src``): calendar.js fetches the calendar's
  fragment from it with the member's cookies and swaps it in, so a member sees their standing
  on the host page itself;
- its Book links lead to the booking page, which asks an unknown visitor to sign in first and
  checks everything with the request.

The token is signed (no expiry: a cached page's links keep working) and says only what the
editor chose; the page shows nothing the block would not.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.http import QueryDict
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from .render import CalendarConfig, build_calendar
from .words import Links

SALT = "wagtail_passes.calendars.standalone"
#: calendar.js asks for the calendar alone (no page around it) with this header.
FRAGMENT_HEADER = "X-Wagtail-Passes-Fragment"
#: A token longer than this was not made here (a block's is about 100 characters).
MAX_TOKEN = 600
#: The page the visitor came from, kept in the calendar's links ("Back to the page").
BACK = "back"

_DEFAULTS = CalendarConfig(key="")
_FIELDS = {f.name: f for f in dataclasses.fields(CalendarConfig)}


def encode(config: CalendarConfig) -> str:
    """The config as a short signed token: only the settings that differ from the defaults,
    so a future default (a new view) reaches the links already out there."""
    data = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in dataclasses.asdict(config).items()
        if name == "key" or value != getattr(_DEFAULTS, name)
    }
    return signing.Signer(salt=SALT).sign_object(data, compress=True)


def decode(token: str) -> CalendarConfig | None:
    """The config a token carries; None for anything not signed here or not well formed."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    values = {}
    for name, value in data.items():
        if name not in _FIELDS:
            continue  # a setting of another version: the default stands
        default = getattr(_DEFAULTS, name)
        if isinstance(default, tuple):
            kind = _item_type(name)
            if not isinstance(value, list) or not all(_plain(item, kind) for item in value):
                return None
            value = tuple(value)
        elif not _plain(value, type(default)):
            return None
        values[name] = value
    if not isinstance(values.get("key"), str) or not values["key"].isalnum():
        return None
    return CalendarConfig(**values)


def _item_type(name: str) -> type:
    """What a tuple setting holds, from its annotation ("tuple[int, ...]"): ids or codes."""
    return str if "str" in str(_FIELDS[name].type) else int


def _plain(value, kind) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18
    if kind is str:
        return isinstance(value, str) and len(value) <= 40
    return isinstance(value, kind)


def calendar_url(config: CalendarConfig) -> str:
    """The app's page of this calendar; "" when the host did not include the app's URLs."""
    try:
        return reverse("wagtail_passes:calendar", args=[encode(config)])
    except NoReverseMatch:
        return ""


class UnknownVisitorLinks(Links):
    """Rendered for nobody in particular, "Log in to book" leads to the booking page itself:
    it sends a visitor to sign in first and a signed-in member straight to booking (a login
    page would ask a member to sign in again)."""

    def login(self, session) -> str:
        return self.book(session)


def without_request(config: CalendarConfig) -> dict:
    """The block's context when its template context has no request."""
    src = calendar_url(config)
    if not src:
        return {"calendar": build_calendar(None, config)}
    return {
        "calendar": build_calendar(None, config, path=src, links_for=UnknownVisitorLinks),
        "calendar_src": src,
        "calendar_hint": settings.DEBUG,
    }


def _back(request) -> str:
    """The page that showed the calendar: ``?back=`` (calendar.js, or kept by the calendar's
    links), else the Referer when it is another page of this site."""
    hosts = {request.get_host()}
    secure = request.is_secure()
    back = request.GET.get(BACK, "")
    if back:
        return back if _local(back, hosts, secure) else ""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(referer, hosts, require_https=secure):
        return ""
    parts = urlsplit(referer)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    own_pages = request.path.rsplit("/", 2)[0] + "/"  # "/passes/calendars/"
    if not path.startswith("/") or path.startswith(own_pages):
        return ""  # another period of this calendar is no way back
    return path


def _local(url: str, hosts, secure) -> bool:
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, hosts, require_https=secure)


@require_safe
def standalone_calendar(request, token):
    """The block's calendar on the app's own page, with the request (the visitor, the
    period asked for); with ``FRAGMENT_HEADER`` only the calendar, for calendar.js."""
    config = decode(token)
    if config is None:
        response = TemplateResponse(
            request, "wagtail_passes/calendars/standalone_invalid.html", {}, status=404
        )
        response["X-Robots-Tag"] = "noindex"
        return response
    back = _back(request)
    if back and BACK not in request.GET:
        # Kept in the calendar's links, which keep every parameter but their own.
        query = request.GET.copy()
        query[BACK] = back
        request.GET = QueryDict(query.urlencode())
    fragment = request.headers.get(FRAGMENT_HEADER) == "1"
    if fragment and back:
        # Shown on the host page: booking leads back there.
        calendar = build_calendar(request, config, links_for=lambda here: Links(back=back))
    else:
        calendar = build_calendar(request, config)
    template = "fragment" if fragment else "standalone"
    response = TemplateResponse(
        request,
        f"wagtail_passes/calendars/{template}.html",
        {"calendar": calendar, "back": back},
    )
    # What it shows depends on who asks and how: never one visitor's page for another.
    patch_vary_headers(response, ("Cookie", FRAGMENT_HEADER))
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex"  # the host page is the one to index
    return response
