"""A series' dates in words (T1), for its page, the admin and its emails: one row per
date and person with its state and what it means (the pass that paid, the amount due,
when booking opens, why it was refused)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..models import BookingStatus, SeriesDate, SeriesDateState, WaitlistStatus
from ..presentation import format_moment, format_time
from ..rules.dates import format_weekday
from ..rules.money import Money


@dataclass(frozen=True)
class SeriesRow:
    item: SeriesDate
    day: str
    time: str
    person: str
    state: str  # SeriesDateState, or "promoted" (booked from the waiting list)
    label: str
    detail: str
    cancellable: bool


def series_rows(dates) -> list[SeriesRow]:
    return [series_row(item) for item in dates]


def series_row(item: SeriesDate) -> SeriesRow:
    state, label, detail = item.state, item.get_state_display(), ""
    booking = item.booking
    if state == SeriesDateState.BOOKED and booking is not None:
        if booking.status == BookingStatus.CANCELLED:
            state, label = SeriesDateState.CANCELLED, _("Cancelled")
        else:
            detail = paid_words(booking)
    elif state == SeriesDateState.WAITING and item.waitlist_entry is not None:
        entry = item.waitlist_entry
        if entry.status == WaitlistStatus.BOOKED and entry.booking is not None:
            state, label = "promoted", _("Booked from the waiting list")
            detail = paid_words(entry.booking)
        elif entry.status != WaitlistStatus.WAITING:
            state, label = SeriesDateState.CANCELLED, entry.get_status_display()
        else:
            detail = _("You are booked and emailed when a place frees.")
    elif state == SeriesDateState.HELD:
        if item.code == "busy":
            detail = item.message
        else:
            detail = _("Booking opens on %(when)s: we book it then and email you.") % {
                "when": format_moment(item.opens_at)
            }
    elif state in (SeriesDateState.REFUSED, SeriesDateState.NO_SESSION):
        detail = item.message
    session = item.session
    return SeriesRow(
        item=item,
        day=format_weekday(item.day),
        time=format_time(session.start) if session is not None else "",
        person=item.person.display_name,
        state=state,
        label=label,
        detail=detail,
        cancellable=_cancellable(state, session),
    )


def _cancellable(state: str, session) -> bool:
    """Whether a member may cancel the date now (P6 for a booked one)."""
    if state in (SeriesDateState.HELD, SeriesDateState.WAITING):
        return True
    if state in (SeriesDateState.BOOKED, "promoted"):
        return session.member_may_cancel()
    return False


def paid_words(booking) -> str:
    if booking.member_pass_id is not None:
        return _("Paid with %(pass)s") % {"pass": booking.member_pass.title}
    if booking.amount_due > 0:
        due = Money(booking.amount_due, booking.currency or booking.session.programme.currency)
        return _("%(amount)s due") % {"amount": due}
    if booking.price > 0:
        return _("Paid")
    return _("Free")


__all__ = ["SeriesRow", "paid_words", "series_row", "series_rows"]
