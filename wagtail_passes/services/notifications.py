"""Emails to members, rendered from templates the host site can override, enqueued as
a task (``wagtail_passes.tasks.send_member_email``) only once the transaction that
caused them has committed.

Each email ``name`` has three templates under ``wagtail_passes/emails/``:
``<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``.

Every email is rendered in the member's language (``member_language``) and in the site's
time zone (``WAGTAIL_PASSES_TIME_ZONE``), whoever or whatever caused it: a request in
another language, a task worker with Django's ``TIME_ZONE``.

Links are absolute URLs under ``services.base_url``: the address of the request that
caused the email (recorded when it was enqueued), else ``WAGTAIL_PASSES_BASE_URL``, else
``WAGTAILADMIN_BASE_URL``. The booking emails (``BOOKING_EMAILS``) link to the booking's
own page, where the member can cancel it, and carry the booking as a calendar invitation
(``services.email_ics``: REQUEST, or CANCEL once it is cancelled).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..conf import passes_settings
from . import email_ics
from .base_url import absolute_url, base_url, current_request_base_url

logger = logging.getLogger(__name__)

BOOKING_CONFIRMED = "booking_confirmed"
BOOKING_CANCELLED = "booking_cancelled"
WAITLIST_PROMOTED = "waitlist_promoted"
SESSION_CANCELLED = "session_cancelled"
SESSION_MOVED = "session_moved"
EXPIRY_REMINDER = "expiry_reminder"  # N3: built by services.reminder_email
ATTENDANCE_CHARGE = "attendance_charge"  # L2: a no-show fee charged
#: T1: a series booked, and its held dates booked once booking opened (services.series).
SERIES_EMAILS = frozenset({"series_booked", "series_held_booked"})
#: The emails about one booking: a link to manage it and the booking.ics invitation.
BOOKING_EMAILS = frozenset(
    {BOOKING_CONFIRMED, BOOKING_CANCELLED, WAITLIST_PROMOTED, SESSION_CANCELLED, SESSION_MOVED}
)


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
        elif name in SERIES_EMAILS:  # T1: the series' dates, read when the email is sent
            from .series_email import series_context

            context = series_context(member, context)
            if context is None:
                return False
        subject, text, html, context = _render(name, member, context)
        invitation = _invitation(name, member, context)
    message = EmailMultiAlternatives(subject, text, passes_settings.from_email, [member.email])
    message.attach_alternative(html, "text/html")
    if invitation is not None:
        message.attach(email_ics.attachment(*invitation))
    try:
        message.send()
    except Exception:  # a failing mail server must not break the caller
        logger.exception("Sending %s to member %s failed", name, member.pk)
        return False
    return True


def _render(name: str, member, context: dict) -> tuple[str, str, str, dict]:
    context = {"member": member, "site_name": _site_name(), **context}
    # The request's address when one caused the email, else the configured one.
    context["base_url"] = base = base_url(context.get("base_url") or "")
    booking = context.get("booking")
    if booking is not None:
        context.setdefault("session", booking.session)
        # L1-L3: what a late cancellation or no-show cost, in the member's language.
        context.setdefault("charges", booking_charges(booking))
        context.setdefault("manage_url", booking_url(booking, base))
        context.setdefault("bookings_url", absolute_url("wagtail_passes:my_bookings", base=base))
    if context.get("session") is not None:
        context["cancel_until"] = cancel_until(context["session"])
    if context.get("order") is not None:
        context["payment_instructions"] = passes_settings.BANK_TRANSFER_INSTRUCTIONS
        context.setdefault("order_url", order_url(context["order"], base))
    for key in ("previous_start", "changed_at"):  # moments, enqueued as JSON strings
        if isinstance(context.get(key), str):
            context[key] = dt.datetime.fromisoformat(context[key]) if context[key] else None
    subject = " ".join(
        render_to_string(f"wagtail_passes/emails/{name}_subject.txt", context).split()
    )
    text = render_to_string(f"wagtail_passes/emails/{name}.txt", context)
    html = render_to_string(f"wagtail_passes/emails/{name}.html", context)
    return subject, text, html, context


def _invitation(name: str, member, context: dict) -> tuple[str, bytes] | None:
    """(method, document) of the booking.ics a booking email carries, else None."""
    booking = context.get("booking")
    if name not in BOOKING_EMAILS or booking is None:
        return None
    return email_ics.invitation(
        booking,
        member,
        url=context.get("manage_url", ""),
        at=context.get("changed_at"),
        site_name=context.get("site_name", ""),
    )


def booking_charges(booking) -> list[str]:
    """The booking's charges in words (``services.charges.charge_words``), for its emails."""
    from .charges import charge_words

    return [charge_words(charge) for charge in booking.charges.order_by("pk")]


def order_url(order, base: str = "") -> str:
    """The member's page of ``order`` as an absolute URL under ``base_url(base)``; ""
    when the app's URLs are not included or there is no base URL."""
    return absolute_url("wagtail_passes:order", base=base, reference=order.reference)


def booking_url(booking, base: str = "") -> str:
    """The booking's own page (what it is, what cancelling does, the Cancel button) as an
    absolute URL: a member who is signed out signs in and lands there."""
    return absolute_url("wagtail_passes:cancel_booking", base=base, pk=booking.pk)


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
    ``extra`` are plain (JSON) values for the template. The task also gets, as strings,
    the address of the request being answered (``base_url.links_from_request``; "" in a
    task or command) and the moment of the change (the invitation's SEQUENCE)."""
    from ..tasks import send_member_email

    args = {
        "name": name,
        "member_id": member.pk,
        "booking_id": booking.pk if booking is not None else None,
        "session_id": session.pk if session is not None else None,
        "order_id": order.pk if order is not None else None,
        "returned": returned,
        "extra": extra,
        "base_url": current_request_base_url(),
        "changed_at": timezone.now().isoformat(),
    }
    enqueue_with_transaction(send_member_email, args)


#: Tasks backends that keep their queue in a table of the default database.
DATABASE_QUEUES = ("django_tasks_db", "django_tasks.backends.database")


def enqueue_with_transaction(task, kwargs: dict) -> None:
    """Enqueue ``task`` so it runs only if the current transaction commits.

    A queue kept in this database (django-tasks-db) gets the task's row inside the
    transaction: it commits or rolls back with the booking, at no extra commit, and the
    worker cannot see it before. Any other backend (a broker, the Immediate backend) is
    sent the task once the transaction has committed."""
    backend = task.get_backend()
    in_queue_table = (
        type(backend).__module__.startswith(DATABASE_QUEUES)
        and not settings.DATABASE_ROUTERS  # a router may put the queue in another database
        and transaction.get_connection().in_atomic_block
    )
    if in_queue_table:
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


def _site_name() -> str:
    return getattr(settings, "WAGTAIL_SITE_NAME", "")
