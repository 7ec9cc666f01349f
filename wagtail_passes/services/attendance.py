"""At the desk: attendance (S3) and amounts due paid there (C6)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..audit import log_action
from ..exceptions import BookingError
from ..models import Booking, BookingStatus, PaymentMethod
from ..rules.money import Money
from .locking import lock_session
from .permissions import MANAGE_BOOKINGS, require_staff

ATTENDANCE = {
    True: BookingStatus.ATTENDED,
    False: BookingStatus.NO_SHOW,
    None: BookingStatus.BOOKED,
}


def mark_attendance(booking: Booking, attended: bool | None, by) -> Booking:
    """S3: mark a booking attended (True), no-show (False), or back to booked (None).

    Only once the session has started — a no-show can be marked any time after it. Who
    marked it, and when, is recorded on the booking and in the audit log.
    """
    if attended is not None and type(attended) is not bool:
        raise BookingError(_("Mark attended, no-show or not marked."), code="invalid_mark")
    require_staff(by, MANAGE_BOOKINGS, BookingError)
    status = ATTENDANCE[attended]
    with transaction.atomic():
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
        if attended is not None and booking.session.start > timezone.now():
            raise BookingError(
                _("The session has not started yet: attendance can be marked once it has."),
                code="session_not_started",
            )
        if booking.status == status:
            return booking
        booking.status = status
        booking.attendance_marked_at = timezone.now()
        booking.attendance_marked_by = by
        booking.save(update_fields=["status", "attendance_marked_at", "attendance_marked_by"])
        log_action(
            booking,
            "wagtail_passes.booking.attendance",
            by,
            _("Marked %(status)s") % {"status": booking.get_status_display().lower()},
            status=status,
        )
    signals.send_on_commit(signals.attendance_marked, Booking, booking=booking, by=by)
    return booking


def record_desk_payment(booking: Booking, by, method: str, note: str = "") -> Booking:
    """C6: staff record that the member paid the booking's amount due at the desk.

    The amount due becomes 0 and the booking shows as paid (how, when, by whom); the
    booking's price is unchanged. Refused for a cancelled booking or one that owes
    nothing.
    """
    require_staff(by, MANAGE_BOOKINGS, BookingError)
    if method not in PaymentMethod.values:
        raise BookingError(_("Choose how the member paid."), code="invalid_method")
    with transaction.atomic():
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
        paid = booking.amount_due
        booking.amount_paid += paid
        booking.amount_due = Decimal(0)
        booking.payment_method = method
        booking.amount_paid_at = timezone.now()
        booking.payment_recorded_by = by
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
            "wagtail_passes.booking.paid_at_desk",
            by,
            _("%(amount)s paid: %(method)s")
            % {
                "amount": Money(paid, booking.currency or booking.session.programme.currency),
                "method": PaymentMethod(method).label,
            },
            amount=str(paid),
            method=method,
            note=(note or "").strip(),
        )
    signals.send_on_commit(signals.booking_paid, Booking, booking=booking, by=by)
    return booking


def booking_tools_open(booking: Booking, now=None) -> tuple[str, ...]:
    """What staff can still do to a booking (S3): mark attendance once its session has
    started, record a desk payment while something is due, cancel it while booked. A
    cancelled booking or session takes none."""
    if booking.status == BookingStatus.CANCELLED or booking.session.is_cancelled:
        return ()
    tools = []
    if booking.session.start <= (now or timezone.now()):
        tools.append("attendance")
    if booking.amount_due > 0:
        tools.append("desk_payment")
    if booking.status == BookingStatus.BOOKED:
        tools.append("cancel")
    return tuple(tools)
