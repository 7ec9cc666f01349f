"""Emails to members, rendered from templates the host site can override, enqueued as
a task (``wagtail_passes.tasks.send_member_email``) only once the transaction that
caused them has committed.

Each email ``name`` has three templates under ``wagtail_passes/emails/``:
``<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from ..conf import passes_settings
from ..presentation import local

logger = logging.getLogger(__name__)

BOOKING_CONFIRMED = "booking_confirmed"
BOOKING_CANCELLED = "booking_cancelled"
WAITLIST_PROMOTED = "waitlist_promoted"
SESSION_CANCELLED = "session_cancelled"
SESSION_MOVED = "session_moved"


def render_and_send(name: str, member, context: dict) -> bool:
    """Render and send one email now. Returns False (and logs) when it cannot be sent,
    so a mail server hiccup never undoes a booking."""
    if not getattr(member, "email", ""):
        logger.info("Not sending %s: member %s has no email address", name, member.pk)
        return False
    context = {"member": member, "site_name": _site_name(), **context}
    if context.get("booking") is not None:
        context.setdefault("session", context["booking"].session)
    if context.get("session") is not None:
        context["cancel_until"] = cancel_until(context["session"])
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


def cancel_until(session) -> str | None:
    """P6 for emails: the deadline in words while a member can still cancel online, else
    None (the template then says it can no longer be cancelled online). The deadline is
    the session's one ``cancellation_deadline``."""
    deadline = session.cancellation_deadline
    if timezone.now() > deadline:
        return None
    return date_format(local(deadline), "l j F Y, H:i")


def email_on_commit(
    name: str, member, *, booking=None, session=None, returned=False, **extra
) -> None:
    """Enqueue the email once the current transaction commits (never if it rolls back).
    ``extra`` are plain (JSON) values for the template."""
    from ..tasks import send_member_email

    args = {
        "name": name,
        "member_id": member.pk,
        "booking_id": booking.pk if booking is not None else None,
        "session_id": session.pk if session is not None else None,
        "returned": returned,
        "extra": extra,
    }
    transaction.on_commit(lambda: send_member_email.enqueue(**args))


def _site_name() -> str:
    from django.conf import settings

    return getattr(settings, "WAGTAIL_SITE_NAME", "")
