"""Emails to members, rendered from templates the host site can override, enqueued as
a task (``wagtail_passes.tasks.send_member_email``) only once the transaction that
caused them has committed.

Each email ``name`` has three templates under ``wagtail_passes/emails/``:
``<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``.

Every email is rendered in the member's language (``member_language``) and in the site's
time zone (``WAGTAIL_PASSES_TIME_ZONE``), whoever or whatever caused it: a request in
another language, a task worker with Django's ``TIME_ZONE``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from ..conf import passes_settings

logger = logging.getLogger(__name__)

BOOKING_CONFIRMED = "booking_confirmed"
BOOKING_CANCELLED = "booking_cancelled"
WAITLIST_PROMOTED = "waitlist_promoted"
SESSION_CANCELLED = "session_cancelled"
SESSION_MOVED = "session_moved"
EXPIRY_REMINDER = "expiry_reminder"  # N3: built by services.reminder_email


def render_and_send(name: str, member, context: dict) -> bool:
    """Render and send one email now. Returns False (and logs) when it cannot be sent,
    so a mail server hiccup never undoes a booking."""
    if not getattr(member, "email", ""):
        logger.info("Not sending %s: member %s has no email address", name, member.pk)
        return False
    with translation.override(member_language(member)), timezone.override(passes_settings.tzinfo):
        if name == EXPIRY_REMINDER:  # its words are built here, in the member's language
            from .reminder_email import reminder_context

            context = reminder_context(member, context)
            if context is None:
                return False
        subject, text, html = _render(name, member, context)
    message = EmailMultiAlternatives(subject, text, passes_settings.from_email, [member.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # a failing mail server must not break the caller
        logger.exception("Sending %s to member %s failed", name, member.pk)
        return False
    return True


def _render(name: str, member, context: dict) -> tuple[str, str, str]:
    context = {"member": member, "site_name": _site_name(), **context}
    if context.get("booking") is not None:
        context.setdefault("session", context["booking"].session)
    if context.get("session") is not None:
        context["cancel_until"] = cancel_until(context["session"])
    if context.get("order") is not None:
        context["payment_instructions"] = passes_settings.BANK_TRANSFER_INSTRUCTIONS
        context.setdefault("order_url", order_url(context["order"]))
    if isinstance(context.get("previous_start"), str):  # a moved session's old start, as JSON
        context["previous_start"] = dt.datetime.fromisoformat(context["previous_start"])
    subject = " ".join(
        render_to_string(f"wagtail_passes/emails/{name}_subject.txt", context).split()
    )
    text = render_to_string(f"wagtail_passes/emails/{name}.txt", context)
    html = render_to_string(f"wagtail_passes/emails/{name}.html", context)
    return subject, text, html


def order_url(order) -> str:
    """The member's page of ``order`` as an absolute URL, from the Wagtail default site's
    root URL; "" when there is no default site or the app's URLs are not included."""
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return ""
    try:
        path = reverse("wagtail_passes:order", kwargs={"reference": order.reference})
    except NoReverseMatch:
        return ""
    return site.root_url + path


def member_language(member) -> str:
    """The language a member's emails are written in: the one they chose in Wagtail
    (``wagtail.users`` profile, "Preferred language"), else the site's LANGUAGE_CODE."""
    if apps.is_installed("wagtail.users"):
        from wagtail.users.models import UserProfile

        preferred = (
            UserProfile.objects.filter(user_id=member.pk)
            .values_list("preferred_language", flat=True)
            .first()
        )
        if preferred:
            return preferred
    return settings.LANGUAGE_CODE


def cancel_until(session) -> str | None:
    """P6 for emails: the deadline in words while a member can still cancel online, else
    None (the template then says it can no longer be cancelled online). Decided by
    ``services.cancel_terms``, the function that enforces P6 and words the pages."""
    from .cancel_terms import cancel_terms

    terms = cancel_terms(session)
    return terms.until if terms.open else None


def email_on_commit(
    name: str, member, *, booking=None, session=None, order=None, returned=False, **extra
) -> None:
    """Enqueue the email once the current transaction commits (never if it rolls back).
    ``extra`` are plain (JSON) values for the template."""
    from ..tasks import send_member_email

    args = {
        "name": name,
        "member_id": member.pk,
        "booking_id": booking.pk if booking is not None else None,
        "session_id": session.pk if session is not None else None,
        "order_id": order.pk if order is not None else None,
        "returned": returned,
        "extra": extra,
    }
    transaction.on_commit(lambda: send_member_email.enqueue(**args))


def _site_name() -> str:
    return getattr(settings, "WAGTAIL_SITE_NAME", "")
