"""Booking and cancelling sessions (P1-P8, R1, U3), without overbooking or
double-spending whatever the concurrency.

Every write follows the same steps (see docs/concepts/concurrency.md):

1. ``transaction.atomic()`` (``lock_waits.atomic``: a lock not granted in time is
   refused ``busy``);
2. lock the rows decided on, always in this order: the session, then the booking,
   then member passes by primary key;
3. re-check every rule under the locks;
4. write (ledger movements through ``services.ledger``), promote the waiting list
   into a freed place, and log staff actions in the audit log;
5. emails and signals with ``transaction.on_commit``.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..audit import log_action
from ..exceptions import BookingError
from ..models import Booking, BookingStatus, Session
from ..presentation import format_moment
from ..rules import attendance_policy as policies
from . import charges, lock_waits, notifications
from .attendees import attendee
from .booking_core import (
    book_locked,
    is_staff_action,
    mark_cancelled,
    places_left,
    places_taken,
    release,
)
from .cancel_terms import cancel_terms
from .inputs import check_attendees, check_token
from .locking import lock_session
from .orders import lock_order
from .paid_cancellations import give_money_back, paying_line
from .permissions import MANAGE_BOOKINGS, require_member_or_staff
from .waitlist import lock_waiting_passes, promote_locked

__all__ = ["book", "cancel_booking", "places_left", "places_taken"]


def book(
    member,
    session: Session | int,
    attendees: int = 1,
    member_pass=None,
    by=None,
    *,
    token: str | None = None,
) -> Booking:
    """Book ``attendees`` places on ``session`` (a Session or its primary key) for
    ``member``: a user (themself) or a ``Person`` of a household (F1), who then attends
    while their account holder pays, manages and receives the emails.

    A member pass pays when one can (R1 order, or ``member_pass`` if given and
    eligible); otherwise the booking owes the effective unit price × attendees (P1),
    unless the programme requires a valid pass (P3: ``no_valid_pass``, with
    ``error.details["products"]`` listing products that would pay and
    ``error.details["reasons"]`` why each pass the member holds cannot). Staff (``by``)
    may book outside the booking window, never beyond capacity. ``by`` must be the
    member (the account holder), staff or None (the member themself); anyone else is
    refused (``not_allowed``). Every rule judged per member (P2, U1, R1) is judged for the
    attending person.


    ``token`` (at most 64 characters, unique per form) makes the call idempotent: called
    again with the same token, even after that booking was cancelled, it returns the
    booking the first call made, with ``booking.replayed`` True, and writes nothing.
    """
    check_attendees(attendees)
    check_token(token)
    person = attendee(member)
    member = person.account
    require_member_or_staff(member, by, MANAGE_BOOKINGS, BookingError)
    with lock_waits.atomic():
        try:
            session = lock_session(session)
        except Session.DoesNotExist as exc:
            raise BookingError(_("This session does not exist."), code="unknown_session") from exc
        booking = book_and_log(person, session, attendees, member_pass, by, token=token)
        if booking.replayed:
            return booking
        notifications.email_on_commit(notifications.BOOKING_CONFIRMED, member, booking=booking)
    signals.send_on_commit(signals.booking_created, Booking, booking=booking, by=by)
    return booking


def book_and_log(person, session: Session, attendees, member_pass, by, *, token=None) -> Booking:
    """``book`` inside the caller's transaction, which holds the session's lock: the
    booking, and the audit entry when staff made it. No email and no signal: the caller
    sends them (a series sends one email for all its dates, ``services.series``)."""
    booking = book_locked(person, session, attendees, member_pass, by, token=token)
    if not booking.replayed and is_staff_action(person.account, by):
        log_action(
            booking,
            "wagtail_passes.booking.create",
            by,
            _("Booked %(member)s for %(n)d place(s)")
            % {"member": person.display_name, "n": attendees},
            attendees=attendees,
            member_pass=booking.member_pass_id,
            amount_due=str(booking.amount_due),
        )
    return booking


def cancel_booking(booking: Booking, by=None, *, return_entry: bool | None = None) -> Booking:
    """P6: cancel a booking. ``by`` None means the member themself.

    Members may cancel until the programme's cutoff; the entry, credit or money goes
    back to the pass it came from as a ledger movement and the amount due becomes 0.
    After the cutoff the programme's late cancellation policy applies (L1,
    ``rules.attendance_policy``): at its default only staff can cancel, the entry kept;
    under ``forfeit``, ``fee`` or ``free`` the member may cancel too (until the start,
    else ``session_started``), the entry kept or given back and a fee (or the kept price)
    recorded as a charge. Staff may choose instead with ``return_entry`` (no charge).
    Cancelling a cancelled booking is a no-op. The freed place goes, in the same
    transaction, to the first waiting member who can be booked (P7). The returned
    booking's ``entry_returned`` says whether a return movement was written, and
    ``promoted`` lists the bookings made from the waiting list.
    """
    require_member_or_staff(booking.member, by, MANAGE_BOOKINGS, BookingError)
    with lock_waits.atomic():
        # C6: the order that paid its amount due online, locked before the session.
        paid_by = paying_line(booking)
        if paid_by is not None:
            lock_order(paid_by.order_id)
        session = lock_session(booking.session_id)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("member")
            .get(pk=booking.pk)
        )
        booking.promoted = []
        booking.money_back = ""
        if booking.status == BookingStatus.CANCELLED:
            booking.entry_returned = False
            return booking
        if booking.status != BookingStatus.BOOKED:
            finished = {
                BookingStatus.ATTENDED: _("This booking is already marked as attended."),
                BookingStatus.NO_SHOW: _("This booking is already marked as a no-show."),
            }
            raise BookingError(
                finished.get(booking.status, _("This booking can no longer be cancelled.")),
                code="booking_finished",
            )
        booking.session = session
        staff = is_staff_action(booking.member, by)
        in_time = cancel_terms(session).open  # P6: what the pages said before booking
        # L1: after the cutoff the programme's policy says what cancelling costs, unless
        # staff chose with ``return_entry``.
        late = None
        if not in_time and return_entry is None:
            late = charges.late_cancel_outcome(booking)
        if not in_time and not staff:
            if late is None or late.policy == policies.KEEP_ENTRY:
                raise BookingError(
                    _(
                        "Bookings can be cancelled online until %(when)s; please contact "
                        "the studio."
                    )
                    % {"when": format_moment(session.cancellation_deadline)},
                    code="cancellation_closed",
                )
            if session.start <= timezone.now():
                raise BookingError(
                    _("This session has started: it can no longer be cancelled online."),
                    code="session_started",
                )
        give_back = in_time if return_entry is None else return_entry
        if late is not None:
            give_back = late.return_entry
        pass_id = booking.member_pass_id if give_back else None
        lock_waiting_passes(session, [pass_id], exclude_person=booking.person_id)
        returned = release(booking, by or booking.member, give_back)
        mark_cancelled(booking, by or booking.member)
        if late is not None:
            charges.apply_late_cancel_locked(booking, late, by or booking.member)
        money_back = ""
        if give_back and paid_by is not None:
            paid_by.refresh_from_db()
            money_back = give_money_back(booking, paid_by, by or booking.member)
        if staff:
            log_action(
                booking,
                "wagtail_passes.booking.cancel",
                by,
                _("Cancelled; entry returned") if returned else _("Cancelled"),
                entry_returned=returned,
            )
        booking.promoted = promote_locked(session, exclude_person=booking.person_id)
    booking.entry_returned = returned  # whether a ledger return was written
    booking.money_back = money_back  # "refund", "credit" or ""
    notifications.email_on_commit(
        notifications.BOOKING_CANCELLED,
        booking.member,
        booking=booking,
        returned=returned,
        money_back=money_back,
    )
    signals.send_on_commit(
        signals.booking_cancelled, Booking, booking=booking, by=by, returned=returned
    )
    return booking
