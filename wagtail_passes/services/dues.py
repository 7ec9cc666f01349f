"""Paying what is owed online (C6): an order whose lines are the member's amounts due.

A booking that no pass paid for owes its amount due (P1). The member can put one or more of
them in an order and pay it like any other (bank transfer, card, C2); when the order is paid
each booking is paid as a desk payment would pay it (``services.attendance``), under the
order's lock, then the bookings' sessions', then the bookings' (C3). The amount of a line is
the booking's amount due when the order is placed, never today's price: it is what is owed.

A booking is in at most one order awaiting payment at a time: placing locks the bookings by
primary key and refuses one already in a pending order (``already_in_order``). Cancelling or
expiring the order frees them for another. A booking paid another way before the order is
paid (a new pass settled it, R2; the desk took the money; it was cancelled) keeps that
state, and the order's line is marked ``refund_needed`` for staff.

A due charge (L1-L3: a late cancellation or no-show fee, ``services.charges``) is paid the
same way: an order line points at a booking's amount due or at a charge, and ``charges``
are chosen beside ``bookings``. Placing locks the charges after the bookings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..exceptions import CheckoutError
from ..models import (
    AttendanceCharge,
    Booking,
    BookingStatus,
    ChargeState,
    Order,
    OrderLine,
    OrderState,
)
from ..presentation import format_session_time
from ..rules.money import Money
from . import lock_waits
from .gateway import require_can_settle
from .inputs import check_member
from .notifications import email_on_commit
from .orders import MANUAL, _check_token, _create_order, _decimal

#: Amounts due in one order, at most (a form can send no more).
MAX_DUES_LINES = 100


@dataclass(frozen=True)
class DuesQuote:
    """The member's chosen amounts due as an order would carry them now."""

    bookings: tuple[Booking, ...]
    total: Money
    charges: tuple[AttendanceCharge, ...] = ()


def booking_currency(booking: Booking) -> str:
    return booking.currency or booking.session.programme_class.programme.currency


def payable_dues(member):
    """The member's bookings that owe an amount, oldest session first, with their sessions
    (for the "Amounts due" page). Bookings in an order awaiting payment are included:
    ``pending_orders`` says which."""
    return (
        Booking.objects.unpaid()
        .filter(member=member, member_pass__isnull=True)
        .select_related("session__programme_class__programme")
        .order_by("session__start", "pk")
    )


def payable_charges(member):
    """The member's charges still due (L1-L3), oldest first, with their bookings'
    sessions (for the "Amounts due" page)."""
    return (
        AttendanceCharge.objects.due()
        .filter(booking__member=member)
        .select_related("booking__session__programme_class__programme")
        .order_by("created_at", "pk")
    )


def pending_charge_orders(charges) -> dict[int, str]:
    """Charge id → the reference of the order awaiting payment that holds it."""
    lines = OrderLine.objects.filter(
        charge__in=[getattr(c, "pk", c) for c in charges], order__state=OrderState.PENDING
    ).values_list("charge_id", "order__reference")
    return dict(lines)


def charge_title(charge: AttendanceCharge) -> str:
    return f"{charge.reason}: {format_session_time(charge.booking.session)}"


def pending_orders(bookings) -> dict[int, str]:
    """Booking id → the reference of the order awaiting payment that holds it."""
    lines = OrderLine.objects.filter(
        booking__in=[getattr(b, "pk", b) for b in bookings], order__state=OrderState.PENDING
    ).values_list("booking_id", "order__reference")
    return dict(lines)


def _ids(chosen, missing: str, code: str) -> list[int]:
    ids = set()
    for item in chosen:
        pk = getattr(item, "pk", item)
        try:
            ids.add(int(str(pk).strip()))
        except (TypeError, ValueError):
            raise CheckoutError(missing, code=code) from None
    return sorted(ids)


def _booking_ids(bookings, charges=()) -> tuple[list[int], list[int]]:
    ids = _ids(bookings, _("This booking does not exist."), "no_such_booking")
    charge_ids = _ids(charges, _("This charge does not exist."), "no_such_charge")
    if not ids and not charge_ids:
        raise CheckoutError(_("Choose at least one amount to pay."), code="nothing_chosen")
    if len(ids) + len(charge_ids) > MAX_DUES_LINES:
        raise CheckoutError(
            _("Pay at most %(max)d amounts at a time.") % {"max": MAX_DUES_LINES},
            code="too_many_lines",
        )
    return ids, charge_ids


def _check_charges(member, ids: list[int], charges: list[AttendanceCharge]) -> None:
    if not ids:
        return
    found = {charge.pk: charge for charge in charges if charge.booking.member_id == member.pk}
    if set(found) != set(ids):  # unknown, or another member's: the same answer
        raise CheckoutError(_("This charge does not exist."), code="no_such_charge")
    for charge in found.values():
        if charge.state != ChargeState.DUE:
            raise CheckoutError(
                _("“%(reason)s” owes nothing.") % {"reason": charge.reason}, code="nothing_due"
            )
    if in_order := pending_charge_orders(ids):
        reference = next(iter(in_order.values()))
        raise CheckoutError(
            _(
                "An amount you chose is already in order %(reference)s, awaiting payment: pay "
                "or cancel that order first."
            )
            % {"reference": reference},
            code="already_in_order",
            reference=reference,
        )


def _check_dues(
    member, ids: list[int], bookings: list[Booking], charge_ids=(), charges=()
) -> DuesQuote:
    """Every rule on the chosen bookings and charges (read under locks by
    ``place_dues_order``)."""
    _check_charges(member, list(charge_ids), list(charges))
    found = {booking.pk: booking for booking in bookings if booking.member_id == member.pk}
    if set(found) != set(ids):  # unknown, or another member's: the same answer
        raise CheckoutError(_("This booking does not exist."), code="no_such_booking")
    for booking in found.values():
        if booking.status == BookingStatus.CANCELLED:
            raise CheckoutError(
                _("The booking for %(session)s is cancelled; it owes nothing.")
                % {"session": format_session_time(booking.session)},
                code="booking_cancelled",
            )
        if booking.amount_due <= 0 or booking.member_pass_id is not None:
            raise CheckoutError(
                _("The booking for %(session)s owes nothing.")
                % {"session": format_session_time(booking.session)},
                code="nothing_due",
            )
    if ids and (in_order := pending_orders(ids)):
        reference = next(iter(in_order.values()))
        raise CheckoutError(
            _(
                "An amount you chose is already in order %(reference)s, awaiting payment: pay "
                "or cancel that order first."
            )
            % {"reference": reference},
            code="already_in_order",
            reference=reference,
        )
    currencies = {booking_currency(booking) for booking in found.values()}
    currencies |= {charge.currency for charge in charges}
    if len(currencies) > 1:
        raise CheckoutError(
            _("These amounts are in different currencies: pay each currency in its own order."),
            code="mixed_currencies",
        )
    chosen = sorted(found.values(), key=lambda b: (b.session.start, b.pk))
    (currency,) = currencies
    owed = sum((b.amount_due for b in chosen), Decimal(0))
    owed += sum((c.amount for c in charges), Decimal(0))
    return DuesQuote(bookings=tuple(chosen), total=Money(owed, currency), charges=tuple(charges))


def _read(ids: list[int], *, lock: bool) -> list[Booking]:
    query = Booking.objects.filter(pk__in=ids).select_related("session__programme_class__programme")
    if lock:
        query = query.select_for_update(of=("self",))
    return list(query.order_by("pk"))


def _read_charges(ids: list[int], *, lock: bool) -> list[AttendanceCharge]:
    if not ids:
        return []
    query = AttendanceCharge.objects.filter(pk__in=ids).select_related(
        "booking__session__programme_class__programme"
    )
    if lock:
        query = query.select_for_update(of=("self",))
    return list(query.order_by("pk"))


def quote_dues(member, bookings, charges=()) -> DuesQuote:
    """What paying these amounts due (and due ``charges``) costs ``member`` now, or the
    first reason they cannot. Read without locks, for the checkout page;
    ``place_dues_order`` decides again."""
    check_member(member, CheckoutError)
    ids, charge_ids = _booking_ids(bookings, charges)
    return _check_dues(
        member, ids, _read(ids, lock=False), charge_ids, _read_charges(charge_ids, lock=False)
    )


def place_dues_order(
    member,
    bookings,
    *,
    charges=(),
    seen_total=None,
    provider: str = MANUAL,
    token: str = "",
    now=None,
) -> Order:
    """C6: an order paying ``bookings``' amounts due (the member's own, booked, owing),
    pending payment by ``provider``; ``charges``: due charges of the member's bookings
    (L1-L3) paid in the same order.

    Refusals (nothing written): ``no_such_booking`` (unknown or another member's),
    ``booking_cancelled``, ``nothing_due``, ``no_such_charge``, ``already_in_order`` (its
    ``details["reference"]`` the pending order holding it), ``mixed_currencies``,
    ``price_changed`` (``seen_total`` differs from today's amounts due; its
    ``details["total"]`` the new total), ``already_placed`` (the same ``token``).
    """
    check_member(member, CheckoutError)
    now = now or timezone.now()
    token = _check_token(token)
    ids, charge_ids = _booking_ids(bookings, charges)
    with lock_waits.atomic():
        booked = _read(ids, lock=True)  # the bookings, then their charges (lock order)
        offer = _check_dues(member, ids, booked, charge_ids, _read_charges(charge_ids, lock=True))
        if seen_total is not None:
            seen = Money(_decimal(seen_total), offer.total.currency)
            if seen != offer.total:
                raise CheckoutError(
                    _("The total changed to %(total)s. Check it and confirm again.")
                    % {"total": offer.total},
                    code="price_changed",
                    total=offer.total,
                )
        order = _create_order(member, provider, offer.total, now, token)
        require_can_settle(provider, order)  # C2: never a priced order "paid for free"
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                booking=booking,
                title=format_session_time(booking.session)[:255],
                quantity=1,
                unit_price=booking.amount_due,
                total=booking.amount_due,
            )
            for booking in offer.bookings
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                charge=charge,
                title=charge_title(charge)[:255],
                quantity=1,
                unit_price=charge.amount,
                total=charge.amount,
            )
            for charge in offer.charges
        )
        log_action(
            order,
            "wagtail_passes.order.place",
            member,
            _("Order %(reference)s placed: %(total)s (amounts due)")
            % {"reference": order.reference, "total": offer.total},
        )
        email_on_commit("order_received", member, order=order)
    return order
