"""Links into the front desk, for every screen that names a member."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html


def profile_url(member_id: int) -> str:
    """The member profile (``admin/desk/profile.py``)."""
    return reverse("wagtail_passes_desk:member", args=[member_id])


def member_link(member, text=None) -> str:
    """The member's name as a link to their profile; plain text for no member."""
    if member is None:
        return ""
    return format_html('<a href="{}">{}</a>', profile_url(member.pk), text or member)
