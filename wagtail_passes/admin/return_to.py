"""Where a staff action returns to when a report (or another admin page) sent staff
there: ``?next=<path>``, carried through the form as a hidden field, and only ever a
path of this site."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

NEXT = "next"


def safe_next_url(request) -> str:
    """The ``next`` of the POST (or GET) when it is a safe address on this site, else ""."""
    url = request.POST.get(NEXT) or request.GET.get(NEXT) or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""
