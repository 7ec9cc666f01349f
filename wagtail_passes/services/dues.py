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
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..exceptions import CheckoutError
from ..models import Booking, BookingStatus, Order, OrderLine, OrderState
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


def pending_orders(bookings) -> dict[int, str]:
    """Booking id → the reference of the order awaiting payment that holds it."""
    lines = OrderLine.objects.filter(
        booking__in=[getattr(b, "pk", b) for b in bookings], order__state=OrderState.PENDING
    ).values_list("booking_id", "order__reference")
    return dict(lines)


def _booking_ids(bookings) -> list[int]:
    ids = set()
    for booking in bookings:
        pk = getattr(booking, "pk", booking)
        try:
            ids.add(int(str(pk).strip()))
        except (TypeError, ValueError):
            raise CheckoutError(_("This booking does not exist."), code="no_such_booking") from None
    if not ids:
        raise CheckoutError(_("Choose at least one amount to pay."), code="nothing_chosen")
    if len(ids) > MAX_DUES_LINES:
        raise CheckoutError(
            _("Pay at most %(max)d amounts at a time.") % {"max": MAX_DUES_LINES},
            code="too_many_lines",
        )
    return sorted(ids)


def _check_dues(member, ids: list[int], bookings: list[Booking]) -> DuesQuote:
    """Every rule on the chosen bookings (read under locks by ``place_dues_order``)."""
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
    if in_order := pending_orders(ids):
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
    if len(currencies) > 1:
        raise CheckoutError(
            _("These amounts are in different currencies: pay each currency in its own order."),
            code="mixed_currencies",
        )
    chosen = sorted(found.values(), key=lambda b: (b.session.start, b.pk))
    (currency,) = currencies
    total = Money(sum((b.amount_due for b in chosen), Decimal(0)), currency)
    return DuesQuote(bookings=tuple(chosen), total=total)


def _read(ids: list[int], *, lock: bool) -> list[Booking]:
    query = Booking.objects.filter(pk__in=ids).select_related("session__programme_class__programme")
    if lock:
        query = query.select_for_update(of=("self",))
    return list(query.order_by("pk"))


def quote_dues(member, bookings) -> DuesQuote:
    """What paying these amounts due costs ``member`` now, or the first reason they cannot.
    Read without locks, for the checkout page; ``place_dues_order`` decides again."""
    check_member(member, CheckoutError)
    ids = _booking_ids(bookings)
    return _check_dues(member, ids, _read(ids, lock=False))


def place_dues_order(
    member, bookings, *, seen_total=None, provider: str = MANUAL, token: str = "", now=None
) -> Order:
    """C6: an order paying ``bookings``' amounts due (the member's own, booked, owing),
    pending payment by ``provider``.

    Refusals (nothing written): ``no_such_booking`` (unknown or another member's),
    ``booking_cancelled``, ``nothing_due``, ``already_in_order`` (its
    ``details["reference"]`` the pending order holding it), ``mixed_currencies``,
    ``price_changed`` (``seen_total`` differs from today's amounts due; its
    ``details["total"]`` the new total), ``already_placed`` (the same ``token``).
    """
    check_member(member, CheckoutError)
    now = now or timezone.now()
    token = _check_token(token)
    ids = _booking_ids(bookings)
    with lock_waits.atomic():
        offer = _check_dues(member, ids, _read(ids, lock=True))
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
        log_action(
            order,
            "wagtail_passes.order.place",
            member,
            _("Order %(reference)s placed: %(total)s (amounts due)")
            % {"reference": order.reference, "total": offer.total},
        )
        email_on_commit("order_received", member, order=order)
    return order
