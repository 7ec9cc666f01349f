"""Staff and payments on attendance charges (L3, C6): waive a charge, give back a kept
entry, take a fee's payment at the desk or with a paid dues order.

Locks, in the project's order (docs/concepts/concurrency.md): the order (paying online),
the session, the booking, its charges, then the member pass. What a policy charges is
``services.charges``'.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..exceptions import BookingError
from ..models import (
    AttendanceCharge,
    Booking,
    BookingStatus,
    ChargeKind,
    ChargeState,
    LedgerEntry,
    LedgerKind,
    PaymentMethod,
)
from ..presentation import provider_text
from ..rules.money import Money
from . import lock_waits
from .charges import MAX_REASON, currency_of, current_charge, return_entry, waive_locked
from .locking import lock_session
from .permissions import MANAGE_BOOKINGS, require_staff


def _reason(reason) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise BookingError(_("Give a reason: the member sees it."), code="reason_required")
    if len(reason) > MAX_REASON:
        raise BookingError(
            _("Keep the reason under %(n)d characters.") % {"n": MAX_REASON},
            code="reason_too_long",
        )
    return reason


def _lock(charge: AttendanceCharge | int) -> tuple[Booking, AttendanceCharge]:
    """The charge's session, booking and charge, locked in that order."""
    pk = getattr(charge, "pk", charge)
    try:
        found = AttendanceCharge.objects.select_related("booking").get(pk=pk)
    except (AttendanceCharge.DoesNotExist, ValueError, TypeError):
        raise BookingError(_("This charge does not exist."), code="no_such_charge") from None
    lock_session(found.booking.session_id)
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("session__programme_class__programme", "member")
        .get(pk=found.booking_id)
    )
    locked = AttendanceCharge.objects.select_for_update(of=("self",)).get(pk=pk)
    locked.booking = booking
    return booking, locked


def waive_charge(charge: AttendanceCharge | int, by, reason: str) -> AttendanceCharge:
    """L3: staff waive a fee still due, or give back the entry a charge kept, with a
    ``reason`` the member sees (audited, S5; ``charge_waived`` on commit). Refused:
    ``reason_required``, ``not_allowed``, ``no_such_charge``, ``already_waived``,
    ``charge_paid`` (give the money back as a refund instead), ``nothing_to_waive``
    (it cost nothing)."""
    require_staff(by, MANAGE_BOOKINGS, BookingError)
    reason = _reason(reason)
    with lock_waits.atomic():
        booking, charge = _lock(charge)
        if charge.state == ChargeState.WAIVED:
            raise BookingError(_("This charge was waived already."), code="already_waived")
        if charge.state == ChargeState.PAID:
            raise BookingError(
                _("This charge is paid: refund the member instead of waiving it."),
                code="charge_paid",
            )
        if charge.state == ChargeState.FREE:
            raise BookingError(
                _("This cost nothing: there is nothing to waive."), code="nothing_to_waive"
            )
        if charge.state == ChargeState.KEPT:
            charge.entry_returned = return_entry(booking, by, reason)
            charge.save(update_fields=["entry_returned"])
        waive_locked(charge, by, reason)
    return charge


def give_back_entry(booking: Booking | int, by, reason: str) -> AttendanceCharge:
    """L3: staff give back the entry a no-show or late cancellation kept (at the default
    policy, where nothing was recorded, too), with a reason the member sees (audited).
    A fee charged as well stays due: ``waive_charge`` it. Refused: ``reason_required``,
    ``not_allowed``, ``nothing_kept`` (no pass entry is kept by this booking)."""
    require_staff(by, MANAGE_BOOKINGS, BookingError)
    reason = _reason(reason)
    pk = getattr(booking, "pk", booking)
    with lock_waits.atomic():
        try:
            found = Booking.objects.filter(pk=pk).values_list("session_id", flat=True).first()
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise BookingError(_("This booking does not exist."), code="no_such_booking")
        lock_session(found)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("session__programme_class__programme", "member")
            .get(pk=pk)
        )
        kind = {
            BookingStatus.NO_SHOW: ChargeKind.NO_SHOW,
            BookingStatus.CANCELLED: ChargeKind.LATE_CANCEL,
        }.get(booking.status)
        kept = (
            kind is not None
            and booking.member_pass_id is not None
            and LedgerEntry.objects.filter(
                booking=booking, kind=LedgerKind.REDEEM, reversal__isnull=True
            ).exists()
        )
        if not kept:
            raise BookingError(
                _("This booking keeps no entry: there is nothing to give back."),
                code="nothing_kept",
            )
        charge = current_charge(booking, kind)
        if charge is not None and charge.state == ChargeState.KEPT:
            charge.booking = booking
            charge.entry_returned = return_entry(booking, by, reason)
            charge.save(update_fields=["entry_returned"])
            waive_locked(charge, by, reason)
            return charge
        returned = return_entry(booking, by, reason)
        label = (
            _("No-show: entry kept")
            if kind == ChargeKind.NO_SHOW
            else _("Late cancellation: entry kept")
        )
        given = AttendanceCharge(
            booking=booking,
            kind=kind,
            state=ChargeState.WAIVED,
            currency=currency_of(booking),
            reason=label,
            entry_returned=returned,
        )
        given.save()
        waive_locked(given, by, reason)
    return given


def _mark_charge_paid(charge: AttendanceCharge, by, method: str, *, label: str, **data) -> None:
    charge.state = ChargeState.PAID
    charge.paid_at = timezone.now()
    charge.payment_method = method
    charge.payment_recorded_by = by if getattr(by, "is_authenticated", False) else None
    charge.save(update_fields=["state", "paid_at", "payment_method", "payment_recorded_by"])
    log_action(
        charge.booking,
        "wagtail_passes.booking.charge_paid",
        by,
        _("%(reason)s, %(amount)s, paid: %(method)s")
        % {"reason": charge.reason, "amount": charge.money, "method": label},
        charge=charge.pk,
        amount=str(charge.amount),
        method=method,
        **data,
    )


def record_charge_payment(
    charge: AttendanceCharge | int, by, method: str, note: str = ""
) -> AttendanceCharge:
    """C6 for a charge: staff record that the member paid it at the desk (``method``, a
    desk ``PaymentMethod``). Refused: ``invalid_method``, ``not_allowed``,
    ``no_such_charge``, ``nothing_due`` (paid, waived, or a charge of no money)."""
    require_staff(by, MANAGE_BOOKINGS, BookingError)
    if method not in PaymentMethod.values or method == PaymentMethod.ONLINE:
        raise BookingError(_("Choose how the member paid."), code="invalid_method")
    with lock_waits.atomic():
        _booking, charge = _lock(charge)
        if charge.state != ChargeState.DUE:
            raise BookingError(_("This charge owes nothing."), code="nothing_due")
        _mark_charge_paid(
            charge, by, method, label=PaymentMethod(method).label, note=(note or "").strip()
        )
    return charge


def lock_dues_sessions(lines) -> None:
    """Before a paid order pays its booking and charge lines: every session they name,
    locked by primary key at once, so the two passes never take sessions out of order."""
    booking_ids = [line.booking_id for line in lines if line.booking_id]
    charge_ids = [line.charge_id for line in lines if line.charge_id]
    if not charge_ids:  # amounts due alone: ``pay_booking_lines`` locks them in order
        return
    sessions = set(Booking.objects.filter(pk__in=booking_ids).values_list("session_id", flat=True))
    sessions |= set(
        AttendanceCharge.objects.filter(pk__in=charge_ids).values_list(
            "booking__session_id", flat=True
        )
    )
    for session_id in sorted(sessions):
        lock_session(session_id)


def pay_charge_lines(order, lines, *, provider: str) -> list[AttendanceCharge]:
    """C6 online: the paid ``order``'s charge lines pay their charges, under the order's
    lock; the charges' sessions, bookings and charges are locked in that order. A charge
    waived or paid another way since the order was placed keeps its state and the line is
    marked ``refund_needed`` (the paid order gives it back, as for amounts due)."""
    lines = sorted(lines, key=lambda line: line.charge_id)
    if not lines:
        return []
    ids = [line.charge_id for line in lines]
    rows = AttendanceCharge.objects.filter(pk__in=ids).values_list(
        "booking__session_id", "booking_id"
    )
    for session_id in sorted({session for session, _booking in rows}):
        lock_session(session_id)
    bookings = {
        b.pk: b
        for b in Booking.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted({booking for _session, booking in rows}))
        .select_related("session__programme_class__programme", "member")
        .order_by("pk")
    }
    charges = {
        c.pk: c
        for c in AttendanceCharge.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
    }
    paid = []
    for line in lines:
        charge = charges[line.charge_id]
        charge.booking = bookings[charge.booking_id]
        if charge.state != ChargeState.DUE or charge.amount != line.total:
            line.refund_needed = True
            line.save(update_fields=["refund_needed"])
            log_action(
                order,
                "wagtail_passes.order.refund_needed",
                None,
                _(
                    "Order %(reference)s paid %(amount)s for “%(title)s”, but the charge was "
                    "waived or paid another way: refund it to the member."
                )
                % {
                    "reference": order.reference,
                    "amount": Money(line.total, order.currency),
                    "title": line.title,
                },
                line=line.pk,
            )
            continue
        _mark_charge_paid(
            charge,
            None,
            PaymentMethod.ONLINE,
            label=_("online, order %(reference)s (%(provider)s)")
            % {"reference": order.reference, "provider": provider_text(provider)},
            order=order.reference,
            provider=provider,
        )
        paid.append(charge)
    return paid
