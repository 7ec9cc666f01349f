"""At the desk: attendance (S3) and amounts due paid there (C6)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import signals
from ..audit import log_action
from ..exceptions import BookingError
from ..models import Booking, BookingStatus, PaymentMethod, Session
from ..presentation import format_short_moment, provider_text
from ..rules.money import Money
from . import charges, lock_waits
from .locking import lock_session
from .permissions import MANAGE_BOOKINGS, require_staff

logger = logging.getLogger(__name__)

ATTENDANCE = {
    True: BookingStatus.ATTENDED,
    False: BookingStatus.NO_SHOW,
    None: BookingStatus.BOOKED,
}


#: The attendance marks (``BookingStatus`` values): checked in, no-show, and "clear"
#: (back to booked, not marked).
ATTENDED, NO_SHOW, CLEAR = BookingStatus.ATTENDED, BookingStatus.NO_SHOW, BookingStatus.BOOKED


def checkin_opens_at(session: Session) -> dt.datetime:
    """S3: the moment the front desk can check members in: the programme's
    ``checkin_opens_minutes`` before the start (a class has no override)."""
    minutes = session.programme_class.programme.checkin_opens_minutes
    return session.start - dt.timedelta(minutes=minutes)


def attendance_marks_open(target: Booking | Session, now=None) -> tuple[str, ...]:
    """S3, the one rule for when attendance can be marked, which the register, the
    check-in screen and ``mark_attendance`` all follow.

    - "attended" (checked in) from ``checkin_opens_at(session)`` on;
    - "no-show" once the session has started;
    - clearing a mark (back to "booked") whenever a mark exists.

    For a session: the marks its booked bookings can take now (none when it is
    cancelled). For a booking: the marks it can change to now (never the one it has;
    none when it or its session is cancelled). ``now`` defaults to the present.
    """
    if isinstance(target, Booking):
        booking, session = target, target.session
        if booking.status == BookingStatus.CANCELLED:
            return ()
    else:
        booking, session = None, target
    if session.is_cancelled:
        return ()
    now = now or timezone.now()
    marks = []
    if checkin_opens_at(session) <= now:
        marks.append(ATTENDED)
    if session.start <= now:
        marks.append(NO_SHOW)
    if booking is None:
        return tuple(marks)
    if booking.status in (ATTENDED, NO_SHOW):
        marks.append(CLEAR)
    return tuple(mark for mark in marks if mark != booking.status)


def mark_refusal(session: Session, status: str) -> BookingError:
    """Why a booking of ``session`` cannot be marked ``status`` now, when
    ``attendance_marks_open`` said it cannot (the booking itself is not cancelled)."""
    if session.is_cancelled:
        return BookingError(
            _("This session is cancelled: it has no attendance."), code="session_cancelled"
        )
    if status == ATTENDED:
        minutes = session.programme_class.programme.checkin_opens_minutes
        opens_at = checkin_opens_at(session)
        return BookingError(
            ngettext(
                "Check-in opens %(n)d minute before the start, at %(when)s.",
                "Check-in opens %(n)d minutes before the start, at %(when)s.",
                minutes,
            )
            % {"n": minutes, "when": format_short_moment(opens_at)},
            code="checkin_not_open",
            opens_at=opens_at,
        )
    return BookingError(
        _("The session has not started yet: a no-show can be marked once it has."),
        code="session_not_started",
    )


def set_attendance(booking: Booking, status: str, by, now) -> None:
    """Write the mark on ``booking``, audited (S5). The caller holds the session's and
    the booking's locks and has asked ``attendance_marks_open``."""
    booking.status = status
    booking.attendance_marked_at = now
    booking.attendance_marked_by = by if getattr(by, "is_authenticated", False) else None
    booking.save(update_fields=["status", "attendance_marked_at", "attendance_marked_by"])
    log_action(
        booking,
        "wagtail_passes.booking.attendance",
        by,
        _("Marked %(status)s") % {"status": booking.get_status_display().lower()},
        status=status,
    )


def mark_attendance(booking: Booking, attended: bool | None, by) -> Booking:
    """S3: mark a booking attended (True), no-show (False), or back to booked (None).

    When each mark may be set is ``attendance_marks_open``'s rule: checked in from the
    programme's check-in opening time (``checkin_not_open`` before), no-show once the
    session has started (``session_not_started`` before), cleared whenever marked. Setting
    the mark it already has changes nothing. Who marked it, and when, is recorded on the
    booking and in the audit log.
    """
    if attended is not None and type(attended) is not bool:
        raise BookingError(_("Mark attended, no-show or not marked."), code="invalid_mark")
    require_staff(by, MANAGE_BOOKINGS, BookingError)
    status = ATTENDANCE[attended]
    with lock_waits.atomic():
        lock_session(booking.session_id)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("session__programme_class__programme", "member")
            .get(pk=booking.pk)
        )
        if booking.status == BookingStatus.CANCELLED:
            raise BookingError(
                _("A cancelled booking has no attendance."), code="booking_cancelled"
            )
        if booking.status == status:
            return booking
        now = timezone.now()
        if status not in attendance_marks_open(booking, now):
            raise mark_refusal(booking.session, status)
        was = booking.status
        set_attendance(booking, status, by, now)
        # L2: the programme's no-show policy, once; a no-show marked back undoes it.
        if status == NO_SHOW:
            charges.apply_no_show_locked(booking, by)
        elif was == NO_SHOW:
            charges.undo_no_show_locked(booking, by)
    signals.send_on_commit(signals.attendance_marked, Booking, booking=booking, by=by)
    return booking


def record_desk_payment(booking: Booking, by, method: str, note: str = "") -> Booking:
    """C6: staff record that the member paid the booking's amount due at the desk.

    The amount due becomes 0 and the booking shows as paid (how, when, by whom); the
    booking's price is unchanged. Refused for a cancelled booking or one that owes
    nothing.
    """
    require_staff(by, MANAGE_BOOKINGS, BookingError)
    if method not in PaymentMethod.values or method == PaymentMethod.ONLINE:
        raise BookingError(_("Choose how the member paid."), code="invalid_method")
    with lock_waits.atomic():
        lock_session(booking.session_id)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("session__programme_class__programme", "member")
            .get(pk=booking.pk)
        )
        if booking.status == BookingStatus.CANCELLED:
            raise BookingError(
                _("This booking is cancelled; it owes nothing."), code="booking_cancelled"
            )
        if booking.amount_due <= 0:
            raise BookingError(_("This booking owes nothing."), code="nothing_due")
        _mark_paid(
            booking,
            by,
            method,
            action="wagtail_passes.booking.paid_at_desk",
            label=PaymentMethod(method).label,
            note=(note or "").strip(),
        )
    signals.send_on_commit(signals.booking_paid, Booking, booking=booking, by=by)
    return booking


def _mark_paid(booking: Booking, by, method: str, *, action: str, label: str, **data) -> Decimal:
    """The locked ``booking``'s amount due is paid (at the desk or online, C6): it becomes
    0, and how, when and who are recorded on it and in its audit log. Returns what it owed.
    The caller sends ``booking_paid`` once the transaction has committed."""
    paid = booking.amount_due
    booking.amount_paid += paid
    booking.amount_due = Decimal(0)
    booking.payment_method = method
    booking.amount_paid_at = timezone.now()
    booking.payment_recorded_by = by if getattr(by, "is_authenticated", False) else None
    booking.save(
        update_fields=[
            "amount_paid",
            "amount_due",
            "payment_method",
            "amount_paid_at",
            "payment_recorded_by",
        ]
    )
    log_action(
        booking,
        action,
        by,
        _("%(amount)s paid: %(method)s")
        % {
            "amount": Money(paid, booking.currency or booking.session.programme.currency),
            "method": label,
        },
        amount=str(paid),
        method=method,
        **data,
    )
    return paid


def pay_booking_lines(order, lines, *, provider: str) -> list[Booking]:
    """C3, C6: the paid ``order``'s booking lines pay their bookings' amounts due, as a
    desk payment would (method "online"). Called under the order's lock; locks the
    bookings' sessions by primary key, then the bookings.

    A booking paid another way since the order was placed (a pass settled it, R2, or the
    desk took the money) or cancelled since keeps its state: the line is marked
    ``refund_needed``, and the order's history and the error log say so, for staff to give
    the money back. Returns the bookings this payment paid.
    """
    lines = sorted(lines, key=lambda line: line.booking_id)
    if not lines:
        return []
    session_ids = Booking.objects.filter(pk__in=[line.booking_id for line in lines]).values_list(
        "session_id", flat=True
    )
    for session_id in sorted(set(session_ids)):
        lock_session(session_id)
    bookings = {
        booking.pk: booking
        for booking in Booking.objects.select_for_update(of=("self",))
        .filter(pk__in=[line.booking_id for line in lines])
        .select_related("session__programme_class__programme", "member")
        .order_by("pk")
    }
    paid = []
    for line in lines:
        booking = bookings[line.booking_id]
        owes_it = (
            booking.status != BookingStatus.CANCELLED
            and booking.member_pass_id is None
            and booking.amount_due == line.total
        )
        if not owes_it:
            _refund_needed(order, line, booking)
            continue
        _mark_paid(
            booking,
            None,
            PaymentMethod.ONLINE,
            action="wagtail_passes.booking.paid_online",
            label=_("online, order %(reference)s (%(provider)s)")
            % {"reference": order.reference, "provider": provider_text(provider)},
            order=order.reference,
            provider=provider,
        )
        signals.send_on_commit(signals.booking_paid, Booking, booking=booking, by=None)
        paid.append(booking)
    return paid


def _refund_needed(order, line, booking: Booking) -> None:
    line.refund_needed = True
    line.save(update_fields=["refund_needed"])
    why = (
        _("the booking was cancelled")
        if booking.status == BookingStatus.CANCELLED
        else _("the booking was paid another way")
    )
    message = _(
        "Order %(reference)s paid %(amount)s for “%(title)s”, but %(why)s: refund it to the member."
    ) % {
        "reference": order.reference,
        "amount": Money(line.total, order.currency),
        "title": line.title,
        "why": why,
    }
    log_action(order, "wagtail_passes.order.refund_needed", None, message, line=line.pk)
    logger.error(
        "wagtail_passes: order %s line %s paid booking %s, which no longer owes it: refund needed",
        order.reference,
        line.pk,
        booking.pk,
    )


def booking_tools_open(booking: Booking, now=None) -> tuple[str, ...]:
    """What staff can still do to a booking (S3): mark attendance while
    ``attendance_marks_open`` allows a mark, record a desk payment while something is
    due, cancel it while booked. A cancelled booking or session takes none."""
    if booking.status == BookingStatus.CANCELLED or booking.session.is_cancelled:
        return ()
    tools = []
    if attendance_marks_open(booking, now):
        tools.append("attendance")
    if booking.amount_due > 0:
        tools.append("desk_payment")
    if booking.status == BookingStatus.BOOKED:
        tools.append("cancel")
    return tuple(tools)
