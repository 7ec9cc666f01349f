"""iCalendar documents of sessions and bookings, written with ``icalendar`` (RFC 5545).

Pure building: the views fetch the rows (in a constant number of queries) and hand them
here. Every event carries:

- ``UID``: ``session-<pk>@wagtail-passes.invalid`` (programme feed) or
  ``booking-<pk>@wagtail-passes.invalid`` (member feed). A fixed suffix, never the request's
  host, so an event keeps its UID whichever address the feed was fetched from.
- ``DTSTART``/``DTEND`` on the site's wall clock (``WAGTAIL_PASSES_TIME_ZONE``) with its
  ``VTIMEZONE``, so a 09:00 class stays at 09:00 across a daylight-saving change.
- ``SUMMARY`` (the class), ``LOCATION``, ``DESCRIPTION`` (programme, instructor, price),
  ``STATUS`` (``CONFIRMED`` or ``CANCELLED``), and ``LAST-MODIFIED`` when the event was
  cancelled (the one change the models date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from ..conf import passes_settings
from ..models import BookingStatus
from ..rules.money import Money

UID_DOMAIN = "wagtail-passes.invalid"
PRODID = "-//wagtail_passes//Calendar feed//EN"
#: How often calendars are asked to fetch the feed again.
REFRESH = dt.timedelta(hours=1)  # also X-PUBLISHED-TTL below, for Outlook


def session_uid(session) -> str:
    return f"session-{session.pk}@{UID_DOMAIN}"


def booking_uid(booking) -> str:
    return f"booking-{booking.pk}@{UID_DOMAIN}"


def new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", passes_settings.time_zone_name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _site_time(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(passes_settings.tzinfo).replace(microsecond=0)


def _description(session, price: Money | None, extra: Iterable[str] = ()) -> str:
    programme_class = session.programme_class
    lines = [programme_class.programme.name]
    if programme_class.instructor:
        lines.append(_("Instructor: %(name)s") % {"name": programme_class.instructor})
    if price is not None and not price.is_zero:
        lines.append(_("Price: %(price)s") % {"price": price})
    lines.extend(extra)
    if session.is_cancelled:
        lines.append(_("This session is cancelled."))
    return "\n".join(lines)


def session_event(
    session,
    *,
    uid: str,
    stamp: dt.datetime,
    cancelled: bool,
    cancelled_at: dt.datetime | None = None,
    price: Money | None = None,
    extra: Iterable[str] = (),
    url: str = "",
) -> Event:
    """One VEVENT for ``session``; ``select_related("programme_class__programme")``."""
    programme_class = session.programme_class
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _site_time(session.start))
    event.add("dtend", _site_time(session.end))
    event.add("summary", programme_class.name)
    if programme_class.location:
        event.add("location", programme_class.location)
    event.add("description", _description(session, price, extra))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if cancelled and cancelled_at is not None:
        event.add("last-modified", _utc(cancelled_at))
    if url:
        event.add("url", url)
    return event


def booking_extra(booking) -> list[str]:
    """The lines a booking adds to its session's description: places, amount due."""
    lines = []
    if booking.attendees > 1:
        lines.append(_("Places: %(count)d") % {"count": booking.attendees})
    currency = booking.currency or booking.session.programme_class.programme.currency
    if booking.amount_due:
        lines.append(_("Amount due: %(amount)s") % {"amount": Money(booking.amount_due, currency)})
    return lines


def booking_event(booking, *, stamp: dt.datetime, url: str = "") -> Event:
    """The one VEVENT of a member's booking, for the member feed and for the booking
    emails' attachment alike (``services.email_ics``), so both describe the same event
    under the same UID; ``select_related("session__programme_class__programme")``."""
    session = booking.session
    currency = booking.currency or session.programme_class.programme.currency
    return session_event(
        session,
        uid=booking_uid(booking),
        stamp=stamp,
        cancelled=booking.status == BookingStatus.CANCELLED or session.is_cancelled,
        cancelled_at=booking.cancelled_at or session.cancelled_at,
        price=Money(booking.price, currency),
        extra=booking_extra(booking),
        url=url,
    )


def finish(calendar: Calendar, first: dt.datetime, last: dt.datetime) -> bytes:
    """The document, with the VTIMEZONE of the site's zone for the dates ``first``..``last``."""
    tz = passes_settings.tzinfo
    calendar.add_missing_timezones(
        first_date=(first.astimezone(tz) - dt.timedelta(days=1)).date(),
        last_date=(last.astimezone(tz) + dt.timedelta(days=1)).date(),
    )
    return calendar.to_ical()


def now() -> dt.datetime:
    return timezone.now()
