"""Links into the front desk, for every screen that names a member."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from ..return_to import NEXT


def profile_url(member_id: int) -> str:
    """The member profile (``admin/desk/profile.py``)."""
    return reverse("wagtail_passes_desk:member", args=[member_id])


def member_link(member, text=None) -> str:
    """The member's name as a link to their profile; plain text for no member."""
    if member is None:
        return ""
    return format_html('<a href="{}">{}</a>', profile_url(member.pk), text or member)


def sell_url(member=None, product=None, session=None, next_url: str = "", person=None) -> str:
    """The desk sale form (``admin/desk/sales.py``) filled in: for the profile, the
    check-in screen's walk-ins, a report; ``person``: the member's dependant it is for."""
    params = {
        "member": getattr(member, "pk", member),
        "person": getattr(person, "pk", person),
        "product": getattr(product, "pk", product),
        "session": getattr(session, "pk", session),
        NEXT: next_url,
    }
    query = urlencode({key: value for key, value in params.items() if value})
    url = reverse("wagtail_passes_desk:sell")
    return f"{url}?{query}" if query else url
