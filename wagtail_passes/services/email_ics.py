"""The calendar invitation attached to the booking emails (issue 19: emails a member can
act on), so a calendar app adds, moves or removes the member's booking.

The event is the member feed's own (``feeds.ical.booking_event``): same UID
(``booking-<pk>@wagtail-passes.invalid``), times on the site's wall clock with their
VTIMEZONE, SUMMARY, LOCATION and DESCRIPTION. The invitation adds what iTIP (RFC 5546)
asks of one:

- ``METHOD:REQUEST`` while the booking stands (booked, promoted from the waiting list,
  moved), ``METHOD:CANCEL`` with ``STATUS:CANCELLED`` once the booking or its session is
  cancelled. The method follows the booking as it is when the email is rendered, so an
  email rendered late never re-adds a cancelled booking.
- ``SEQUENCE``: whole seconds from 2020-01-01 UTC to the change that caused the email
  (recorded when it was enqueued), so each later change of the same booking carries a
  higher number and a resent email the same one. It stays below 2**31 until 2088.
- ``ORGANIZER`` the sender (``WAGTAIL_PASSES_FROM_EMAIL``, else ``DEFAULT_FROM_EMAIL``)
  and ``ATTENDEE`` the member, already accepted (no RSVP asked).
"""

from __future__ import annotations

import datetime as dt
import email.message
from email.mime.text import MIMEText
from email.utils import parseaddr

import django
from django.utils import timezone
from icalendar import Calendar

from ..conf import passes_settings
from ..feeds import ical
from ..models import BookingStatus

REQUEST = "REQUEST"
CANCEL = "CANCEL"
FILENAME = "booking.ics"
PRODID = "-//wagtail_passes//Booking email//EN"
SEQUENCE_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def method_for(booking) -> str:
    """CANCEL once the booking or its session is cancelled, else REQUEST."""
    if booking.status == BookingStatus.CANCELLED or booking.session.is_cancelled:
        return CANCEL
    return REQUEST


def sequence_at(moment: dt.datetime) -> int:
    """SEQUENCE of a change made at ``moment``: later changes, higher numbers."""
    return max(0, int((moment - SEQUENCE_EPOCH).total_seconds()))


def changed_at(booking) -> dt.datetime:
    """When the booking last changed, from what the rows record: its cancellation, its
    session's, else its creation. For emails enqueued without the moment of their cause."""
    moments = [booking.created_at, booking.cancelled_at, booking.session.cancelled_at]
    return max(m for m in moments if m is not None)


def _address(value: str) -> tuple[str, str]:
    name, address = parseaddr(value or "")
    return name, address


def invitation(
    booking, member, *, url: str = "", at: dt.datetime | None = None, site_name: str = ""
) -> tuple[str, bytes]:
    """(method, iCalendar document) for ``booking``, changed at ``at``; the booking with
    ``select_related("session__programme_class__programme")``."""
    method = method_for(booking)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = ical.booking_event(booking, stamp=timezone.now(), url=url)
    event.add("sequence", sequence_at(at or changed_at(booking)))
    sender_name, sender = _address(passes_settings.from_email)
    if sender:
        event.add("organizer", f"mailto:{sender}", parameters={"CN": sender_name or site_name})
    if getattr(member, "email", ""):
        attendee = {"CN": member.get_full_name() or member.get_username(), "RSVP": "FALSE"}
        if method == REQUEST:
            attendee |= {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED"}
        event.add("attendee", f"mailto:{member.email}", parameters=attendee)
    calendar.add_component(event)
    session = booking.session
    return method, ical.finish(calendar, session.start, session.end)


def attachment(method: str, document: bytes):
    """The invitation as a MIME part, ``text/calendar; method=...; charset=utf-8``,
    named ``booking.ics``, its bytes (and CRLF line ends, RFC 5545) kept as they are:
    Django 6 takes an ``email.message.MIMEPart`` (its MIMEBase attachments are
    deprecated), Django 5.2 only a ``MIMEBase``."""
    if django.VERSION >= (6, 0):
        part = email.message.MIMEPart()
        part.set_content(
            document,
            maintype="text",
            subtype="calendar",
            disposition="attachment",
            filename=FILENAME,
            params={"method": method, "charset": "utf-8"},
        )
        return part
    part = MIMEText(document.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=FILENAME)
    return part


__all__ = ["CANCEL", "FILENAME", "REQUEST", "attachment", "invitation", "method_for"]
