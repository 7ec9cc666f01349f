"""Cancelling and paying a series (T2).

Cancelling goes date by date, each in its own transaction, under P6 as a single booking
would (``services.cancel_booking``): a booked date is cancelled while members may still
cancel it (after the cutoff only staff can, choosing ``return_entry``; for a member the
date is reported refused with the reason and stays booked). A held date is cancelled: it
will not be booked. A waiting date leaves the waiting list (or, when the person was booked
from it meanwhile, that booking is cancelled): whoever cancels a series does not want to be
promoted into one of its dates later.

Paying: the amounts due of the series' bookings in one order (C6, ``services.dues``); a
pass bought for it pays them by itself (R2, when the pass is issued).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..audit import log_action
from ..exceptions import BookingError, CheckoutError
from ..models import (
    Booking,
    BookingStatus,
    Series,
    SeriesDate,
    SeriesDateState,
    WaitlistStatus,
)
from . import lock_waits
from .booking import cancel_booking
from .booking_core import is_staff_action
from .dues import pending_orders, place_dues_order
from .locking import lock_session
from .orders import MANUAL
from .permissions import MANAGE_BOOKINGS, require_member_or_staff
from .waitlist import leave_waitlist


@dataclass
class SeriesCancellation:
    series: Series
    cancelled: list[SeriesDate] = field(default_factory=list)
    refused: list[tuple[SeriesDate, BookingError]] = field(default_factory=list)


def cancel_series(series: Series, by=None, *, return_entry: bool | None = None):
    """T2: cancel every date of ``series`` that can be, each under P6 in its own
    transaction; the series is marked cancelled, so no held date is booked later.
    Returns a ``SeriesCancellation`` (the dates cancelled, and those refused with why).
    Cancelling a cancelled series again changes nothing."""
    require_member_or_staff(series.member, by, MANAGE_BOOKINGS, BookingError)
    outcome = SeriesCancellation(series=series)
    if series.cancelled_at is None:
        # First, so the held-dates job books none of them from now on.
        Series.objects.filter(pk=series.pk, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now(), cancelled_by=by or series.member
        )
        series.refresh_from_db(fields=["cancelled_at", "cancelled_by"])
        if is_staff_action(series.member, by):
            log_action(
                series,
                "wagtail_passes.series.cancel",
                by,
                _("Series of %(class)s cancelled") % {"class": series.programme_class.name},
            )
    for item in series.dates.exclude(state__in=FINAL).order_by("day", "pk"):
        try:
            outcome.cancelled.append(_cancel(item, by, return_entry))
        except BookingError as refusal:
            outcome.refused.append((item, refusal))
    if outcome.cancelled or outcome.refused:
        signals.send_on_commit(
            signals.series_cancelled,
            Series,
            series=series,
            dates=outcome.cancelled,
            refused=outcome.refused,
            by=by,
        )
    return outcome


#: States with nothing to cancel.
FINAL = (SeriesDateState.REFUSED, SeriesDateState.CANCELLED, SeriesDateState.NO_SESSION)


def cancel_series_date(item: SeriesDate, by=None, *, return_entry: bool | None = None):
    """T2: cancel one date of a series under P6 (see the module). Refusals are the
    booking service's (``cancellation_closed`` for a member after the cutoff, ...).
    A date with nothing to cancel is returned as it is."""
    series = item.series
    require_member_or_staff(series.member, by, MANAGE_BOOKINGS, BookingError)
    if item.state in FINAL:
        return item
    cancelled = _cancel(item, by, return_entry)
    signals.send_on_commit(
        signals.series_cancelled, Series, series=series, dates=[cancelled], refused=[], by=by
    )
    return cancelled


def _cancel(item: SeriesDate, by, return_entry) -> SeriesDate:
    with lock_waits.atomic():
        booking = _booking_of(item)
        if booking is not None:
            # Locks what cancelling locks (its paying order, the session, the booking ...).
            cancel_booking(booking, by, return_entry=return_entry)
        else:
            lock_session(item.session_id)
        item = SeriesDate.objects.select_for_update(of=("self",)).get(pk=item.pk)
        if item.state == SeriesDateState.WAITING and item.waitlist_entry_id is not None:
            entry = item.waitlist_entry
            if entry.status == WaitlistStatus.WAITING:
                leave_waitlist(entry, by)
        if item.state not in FINAL:
            item.state = SeriesDateState.CANCELLED
            item.save(update_fields=["state", "updated_at"])
    return item


def _booking_of(item: SeriesDate) -> Booking | None:
    """The active booking of a date: its own, or the one its waiting entry became."""
    booking = item.booking
    if booking is None and item.waitlist_entry_id is not None:
        booking = item.waitlist_entry.booking
    if booking is None or booking.status != BookingStatus.BOOKED:
        return None
    return booking


# ---- paying (T2, C6) ----------------------------------------------------------------


def series_bookings(series: Series):
    """The active bookings of a series' dates (its own, and those its waiting entries
    became)."""
    return Booking.objects.active().filter(
        pk__in=list(series.dates.filter(booking__isnull=False).values_list("booking_id", flat=True))
        + list(
            series.dates.filter(waitlist_entry__booking__isnull=False).values_list(
                "waitlist_entry__booking_id", flat=True
            )
        )
    )


def series_dues(series: Series) -> list[Booking]:
    """The series' bookings that owe an amount and are in no order awaiting payment,
    oldest session first."""
    owing = list(
        series_bookings(series)
        .filter(amount_due__gt=0, member_pass__isnull=True)
        .select_related("session__programme_class__programme")
        .order_by("session__start", "pk")
    )
    in_order = pending_orders(owing)
    return [booking for booking in owing if booking.pk not in in_order]


def place_series_dues_order(
    series: Series, *, seen_total=None, provider: str = MANUAL, token: str = "", now=None
):
    """T2: one order paying every amount due of ``series`` (``services.place_dues_order``,
    whose refusals it shares); ``nothing_due`` when the series owes nothing (or all it owes
    is already in an order awaiting payment)."""
    bookings = series_dues(series)
    if not bookings:
        raise CheckoutError(_("This series owes nothing."), code="nothing_due")
    return place_dues_order(
        series.member, bookings, seen_total=seen_total, provider=provider, token=token, now=now
    )


__all__ = [
    "SeriesCancellation",
    "cancel_series",
    "cancel_series_date",
    "place_series_dues_order",
    "series_bookings",
    "series_dues",
]
