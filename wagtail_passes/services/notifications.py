"""Emails to members, rendered from templates the host site can override, sent only
once the transaction that caused them has committed.

Each email ``name`` has three templates under ``wagtail_passes/emails/``:
``<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from ..conf import passes_settings

logger = logging.getLogger(__name__)

BOOKING_CONFIRMED = "booking_confirmed"
BOOKING_CANCELLED = "booking_cancelled"
WAITLIST_PROMOTED = "waitlist_promoted"
SESSION_CANCELLED = "session_cancelled"


def send_member_email(name: str, member, context: dict) -> bool:
    """Render and send one email now. Returns False (and logs) when it cannot be sent,
    so a mail server hiccup never undoes a booking."""
    if not getattr(member, "email", ""):
        logger.info("Not sending %s: member %s has no email address", name, member.pk)
        return False
    context = {"member": member, "site_name": _site_name(), **context}
    if "booking" in context:
        context.setdefault("session", context["booking"].session)
    subject = " ".join(
        render_to_string(f"wagtail_passes/emails/{name}_subject.txt", context).split()
    )
    text = render_to_string(f"wagtail_passes/emails/{name}.txt", context)
    html = render_to_string(f"wagtail_passes/emails/{name}.html", context)
    message = EmailMultiAlternatives(subject, text, passes_settings.from_email, [member.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # a failing mail server must not break the caller
        logger.exception("Sending %s to member %s failed", name, member.pk)
        return False
    return True


def email_on_commit(name: str, member, **context) -> None:
    transaction.on_commit(lambda: send_member_email(name, member, context))


def _site_name() -> str:
    from django.conf import settings

    return getattr(settings, "WAGTAIL_SITE_NAME", "")
