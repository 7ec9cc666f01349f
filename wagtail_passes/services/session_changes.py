"""Staff changing a session that members may have booked: cancelling it (P8), moving
it, or changing its capacity (P7).

Both lock the session first, like every booking write, so a change and a booking
never overlap: a capacity cannot drop below the places booked a moment earlier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import signals
from ..audit import log_action
from ..bounds import FIRST_YEAR, LAST_YEAR, MAX_CAPACITY
from ..exceptions import BookingError
from ..models import Booking, BookingStatus, Session, WaitlistStatus
from ..presentation import format_moment, local_day
from . import lock_waits, notifications
from .booking_core import mark_cancelled, places_taken, release
from .locking import lock_member_passes, lock_session
from .permissions import MANAGE_SESSIONS, require_staff
from .waitlist import lock_waiting_passes, promote_locked

#: Leave a session field as it is (``update_session``).
UNCHANGED = object()
MAX_SESSION_LENGTH = dt.timedelta(hours=24)


def cancel_session(session: Session, by) -> list[Booking]:
    """P8: cancel a session, cancel every booking on it, return every entry, clear its
    waiting list, tell everyone. Cancelling it again changes nothing."""
    require_staff(by, MANAGE_SESSIONS, BookingError)
    with lock_waits.atomic():
        session = lock_session(session)
        already = session.is_cancelled
        if not already:
            session.is_cancelled, session.cancelled_at = True, timezone.now()
            session.save(update_fields=["is_cancelled", "cancelled_at"])
        bookings = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(session=session, status=BookingStatus.BOOKED)
            .select_related("member", "member_pass")
            .order_by("pk")
        )
        # Passes in primary-key order, all locked before any is written.
        lock_member_passes({b.member_pass_id for b in bookings} - {None})
        for booking in bookings:
            release(booking, by, give_back=True)
            mark_cancelled(booking, by)
        session.waitlist.filter(status=WaitlistStatus.WAITING).update(
            status=WaitlistStatus.CANCELLED, closed_at=timezone.now(), closed_by=by
        )
        if not already:
            log_action(
                session,
                "wagtail_passes.session.cancel",
                by,
                ngettext(
                    "Cancelled with %(n)d booking",
                    "Cancelled with %(n)d bookings",
                    len(bookings),
                )
                % {"n": len(bookings)},
                bookings=[b.pk for b in bookings],
            )
    for booking in bookings:
        notifications.email_on_commit(
            notifications.SESSION_CANCELLED, booking.member, booking=booking, session=session
        )
    if not already:
        signals.send_on_commit(
            signals.session_cancelled, Session, session=session, bookings=bookings, by=by
        )
    return bookings


@dataclass
class SessionChange:
    """What ``update_session`` did."""

    session: Session
    moved: bool = False
    capacity_changed: bool = False
    emailed: list = field(default_factory=list)  # bookings whose members were told
    promoted: list = field(default_factory=list)  # bookings made from the waiting list


def _check_values(start, end, capacity) -> None:
    """What a host's code can hand in: aware datetimes within the years staff may enter,
    a capacity from 1 to the maximum (None: the class's)."""
    for moment in (start, end):
        if moment is UNCHANGED:
            continue
        if not isinstance(moment, dt.datetime) or timezone.is_naive(moment):
            raise BookingError(
                _("Enter the start and end as dates with times."), code="invalid_times"
            )
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise BookingError(
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
                code="invalid_times",
            )
    if capacity is UNCHANGED or capacity is None:
        return
    if type(capacity) is not int or not 1 <= capacity <= MAX_CAPACITY:
        raise BookingError(
            _("Enter a capacity from 1 to %(max)d, or none to use the class's.")
            % {"max": MAX_CAPACITY},
            code="invalid_capacity",
        )


def _check_times(start: dt.datetime, end: dt.datetime) -> None:
    if end <= start:
        raise BookingError(_("The end must be after the start."), code="invalid_times")
    if end - start > MAX_SESSION_LENGTH:
        raise BookingError(_("A session cannot last longer than 24 hours."), code="invalid_times")


def update_session(
    session: Session,
    by,
    *,
    start=UNCHANGED,
    end=UNCHANGED,
    capacity=UNCHANGED,
    allow_past: bool = False,
) -> SessionChange:
    """Move a session and/or change its capacity (``None`` = the class's).

    - The capacity never drops below the places already booked (``capacity_below_booked``);
      a larger one goes to the waiting list first (P7).
    - A session with bookings moves only within its day (validity and limits were
      judged on that day, V5); to move it to another day, cancel it and add a new one
      (``moved_to_other_day``). Its booked members are emailed the new time.
    - Moving the start into the past needs ``allow_past`` (``session_in_past``).
    - A cancelled session stays as it is (``session_cancelled``).
    """
    require_staff(by, MANAGE_SESSIONS, BookingError)
    _check_values(start, end, capacity)
    with lock_waits.atomic():
        locked = lock_session(session)
        old_start, old_end = locked.start, locked.end
        new_start = old_start if start is UNCHANGED else start
        new_end = old_end if end is UNCHANGED else end
        new_capacity = locked.capacity if capacity is UNCHANGED else capacity
        moved = (new_start, new_end) != (old_start, old_end)
        change = SessionChange(
            locked, moved=moved, capacity_changed=new_capacity != locked.capacity
        )
        if not moved and not change.capacity_changed:
            return change
        if locked.is_cancelled:
            raise BookingError(
                _("This session is cancelled; it cannot be changed."), code="session_cancelled"
            )
        _check_times(new_start, new_end)
        booked = list(locked.bookings.filter(status=BookingStatus.BOOKED).select_related("member"))
        if moved:
            _check_move(locked, new_start, booked, allow_past)
        old_capacity = locked.effective_capacity
        locked.capacity = new_capacity
        taken = places_taken(locked)
        if locked.effective_capacity < taken:
            raise BookingError(
                ngettext(
                    "%(taken)d place is booked; the capacity cannot be lower.",
                    "%(taken)d places are booked; the capacity cannot be lower.",
                    taken,
                )
                % {"taken": taken},
                code="capacity_below_booked",
                places_taken=taken,
            )
        locked.start, locked.end = new_start, new_end
        locked.changed_by_hand = locked.schedule_id is not None  # the schedule leaves it be
        locked.save(update_fields=["start", "end", "capacity", "changed_by_hand"])
        log_action(locked, "wagtail_passes.session.change", by, _describe(change, old_start))
        if moved:
            change.emailed = booked
            for booking in booked:
                notifications.email_on_commit(
                    notifications.SESSION_MOVED,
                    booking.member,
                    booking=booking,
                    # A moment, not words: the email puts it in the member's language.
                    previous_start=old_start.isoformat(),
                )
        if locked.effective_capacity > old_capacity:
            lock_waiting_passes(locked)
            change.promoted = promote_locked(locked)
    signals.send_on_commit(signals.session_changed, Session, session=locked, by=by, moved=moved)
    return change


def _check_move(session: Session, new_start, booked, allow_past: bool) -> None:
    if new_start < timezone.now() and not allow_past:
        raise BookingError(
            _("The new start is in the past; confirm that you mean it."), code="session_in_past"
        )
    moved_day = format_moment(new_start)
    same_day = local_day(new_start) == session.local_date
    if booked and not same_day:
        raise BookingError(
            ngettext(
                "%(n)d member is booked. A booked session can only move within its day "
                "(%(moved)s is another day): to move it, cancel it (entries go back and "
                "members are told) and add a new session.",
                "%(n)d members are booked. A booked session can only move within its day "
                "(%(moved)s is another day): to move it, cancel it (entries go back and "
                "members are told) and add a new session.",
                len(booked),
            )
            % {"n": len(booked), "moved": moved_day},
            code="moved_to_other_day",
        )


def _describe(change: SessionChange, old_start) -> str:
    session = change.session
    parts = []
    if change.moved:
        parts.append(
            _("moved from %(old)s to %(new)s")
            % {"old": format_moment(old_start), "new": format_moment(session.start)}
        )
    if change.capacity_changed:
        parts.append(_("capacity %(n)d") % {"n": session.effective_capacity})
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]
