"""Selling at the front desk (C2, C6, K6): an order staff make for a member standing there.

A desk sale is an ``Order`` like any other, written by the order internals of
``services.orders`` (the same lines, stock, terms acceptance and fulfilment), with three
differences:

- **the price staff confirm.** Each line is prefilled with the product's price now (the
  price checkout would charge, A3); staff may charge another, and must then say why. The
  line keeps the list price and the reason (``OrderLine.list_price``, ``price_reason``) and
  the audit entry names both;
- **no expiry.** The order is placed with the manual provider, ``sold_by`` the seller and
  no ``expires_at``: it holds its stock until it is paid or cancelled, and the tidy job never
  expires it (``models.holds``);
- **paid now, or owed.** Paid now, it is fulfilled at once through ``services.mark_paid``,
  the same path as the admin's "Mark paid": the payment records how it was taken (cash,
  card terminal, bank transfer, other) and who took it, and the member passes are issued
  paid (C3). Not paid, the order stays awaiting payment and its member passes are issued
  at once, unpaid, linked to their line — as for a bank transfer under P4 — so the member
  leaves with them; whether an unpaid pass pays for a booking is the programme's P4 rule.
  The order is money owed: it shows in Outstanding payments (``services.outstanding``) and
  "Mark paid" later makes its passes paid, once.

Refused, writing nothing, for what online checkout refuses: an unknown or unpublished
product (``no_such_product``), one off sale or sold out (the availability codes, and
``sold_out`` under the stock lock), a member the product's buyer rules exclude (U5), a
quantity out of bounds (``invalid_quantity``), the same product twice
(``duplicate_product``), lines in different currencies (``mixed_currencies``), terms not
accepted (``terms_not_accepted``, A5); and for the desk's own inputs: a price that is not a
number, negative, too large or finer than the currency's minor unit (``invalid_price``), in
another currency than the product's (``currency_mismatch``), a changed price without a
reason (``reason_required``), a payment method that is not a desk method
(``invalid_method``). Staff decide who gets a private offer: page privacy (A2) and access
codes (U6) are not asked for at the desk.

Locks, in the one order (docs/concepts/concurrency.md): the stock rows of the products by
product id; then the new order (no other transaction can see it yet) and, through the pass
services, the sessions and member passes settling earlier bookings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..bounds import MAX_PRICE
from ..exceptions import CheckoutError
from ..models import Order, ProductMixin
from ..models.holds import units_taken
from ..presentation import local_day, person
from ..products.registry import product_models
from ..rules.money import Money, has_valid_precision, minor_unit_digits, quantize
from . import lock_waits
from .attendees import attendee
from .buyers import check_buyer
from .gateway import FREE, MANUAL
from .holds import take_stock
from .notifications import email_on_commit
from .order_passes import issue_line_passes
from .orders import (
    Quote,
    _check_lines_agree,
    _check_quantity,
    _check_terms,
    _check_token,
    _create_order,
    _live_product,
    _write_line,
    check_payment_method,
    fulfil_order,
    mark_paid,
    terms_text,
)
from .permissions import MANAGE_ORDERS, SELL_AT_DESK, require_staff

#: The longest reason kept for a changed price (``OrderLine.price_reason``).
REASON_MAX_LENGTH = 255
#: The longest note kept with a sale (and with its payment).
NOTE_MAX_LENGTH = 500


@dataclass(frozen=True)
class DeskLine:
    """One product sold at the desk: how many, the unit price staff confirmed (None: the
    list price) and why it differs from the list price."""

    product: object
    quantity: object = 1
    unit_price: object = None
    reason: str = ""


@dataclass(frozen=True)
class DeskQuote:
    """A desk line as it would be written now."""

    product: ProductMixin
    quantity: int
    list_price: Money  # the product's price now (A3)
    unit_price: Money  # what staff charge each
    reason: str  # why it differs ("" when it does not)
    terms: str

    @property
    def changed(self) -> bool:
        return self.unit_price.amount != self.list_price.amount

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity

    def as_quote(self) -> Quote:
        """The line as ``services.orders`` writes it."""
        return Quote(
            product=self.product,
            quantity=self.quantity,
            unit_price=self.unit_price,
            total=self.total,
            terms=self.terms,
        )


# ---- what can be sold, and at what price -------------------------------------------------


def list_price(product: ProductMixin, now: dt.datetime | None = None) -> Money:
    """The product's price now: what checkout would charge (A3's pro-rata included)."""
    return product.price_today(local_day(now or timezone.now()))


def desk_products(now: dt.datetime | None = None) -> list[ProductMixin]:
    """The live products that can be sold now, by title: not archived, on sale, not sold
    out; code-only offers included (staff decide who gets them). One query per product
    type, one for the stock of those with a limit."""
    now = now or timezone.now()
    candidates = []
    for model in product_models():
        candidates += list(model.objects.live().filter(is_archived=False))
    taken = units_taken([p.pk for p in candidates if p.stock_limit is not None], now)
    on_sale = [p for p in candidates if p.availability(now, sold=taken.get(p.pk, 0)).can_buy]
    return sorted(on_sale, key=lambda p: (p.title.casefold(), p.pk))


def _price_error(message: str) -> CheckoutError:
    return CheckoutError(message, code="invalid_price")


def confirmed_price(value, listed: Money) -> Money:
    """The unit price staff typed (a ``Decimal``, its text or a ``Money``), checked: None or
    "" is the list price."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return listed
    if isinstance(value, Money):
        if value.currency != listed.currency:
            raise CheckoutError(
                _("This product is priced in %(currency)s; enter the price in %(currency)s.")
                % {"currency": listed.currency},
                code="currency_mismatch",
            )
        value = value.amount
    if isinstance(value, bool | float):  # never a float near money
        raise _price_error(_("Enter the price as a number, for example 90.00."))
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _price_error(_("Enter the price as a number, for example 90.00.")) from None
    if not amount.is_finite():
        raise _price_error(_("Enter the price as a number, for example 90.00."))
    if amount < 0:
        raise _price_error(_("A price cannot be negative."))
    if amount > MAX_PRICE:
        raise _price_error(
            _("A price is at most %(max)s.") % {"max": Money(MAX_PRICE, listed.currency)}
        )
    if not has_valid_precision(amount, listed.currency):
        raise _price_error(
            _("%(currency)s prices have at most %(digits)d decimals.")
            % {"currency": listed.currency, "digits": minor_unit_digits(listed.currency)}
        )
    return Money(quantize(amount, listed.currency), listed.currency)


def _check_reason(reason, unit: Money, listed: Money) -> str:
    reason = str(reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise CheckoutError(
            _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH},
            code="reason_too_long",
        )
    if unit.amount == listed.amount:
        return ""
    if not reason:
        raise CheckoutError(
            _("Say why the price differs from the list price of %(price)s.") % {"price": listed},
            code="reason_required",
        )
    return reason


def quote_desk_sale(
    member, lines: Sequence[DeskLine], *, now: dt.datetime | None = None
) -> tuple[DeskQuote, ...]:
    """The desk lines priced as they would be sold now, or the first reason they cannot be
    (see the module). Read without locks; ``sell_at_desk`` decides again under them.
    ``member`` is a user (themself) or a ``Person`` of their household (F3)."""
    person = attendee(member, CheckoutError)
    now = now or timezone.now()
    if not lines:
        raise CheckoutError(_("There is nothing to buy in this order."), code="empty_order")
    quotes = []
    for line in lines:
        product = _live_product(line.product)
        quantity = _check_quantity(line.quantity)
        availability = product.availability(now)
        if not availability.can_buy and availability.code != "code_required":
            raise CheckoutError(availability.message, code=availability.code)
        check_buyer(person, product)
        listed = list_price(product, now)
        unit = confirmed_price(line.unit_price, listed)
        quotes.append(
            DeskQuote(
                product=product,
                quantity=quantity,
                list_price=listed,
                unit_price=unit,
                reason=_check_reason(line.reason, unit, listed),
                terms=terms_text(product),
            )
        )
    _check_lines_agree([(q.product, q.quantity, q.unit_price) for q in quotes])
    return tuple(quotes)


# ---- selling ------------------------------------------------------------------------------


def sell_at_desk(
    member,
    lines: Sequence[DeskLine],
    by,
    *,
    paid: bool,
    method: str = "",
    note: str = "",
    accepted_terms: bool = False,
    token: str = "",
    now: dt.datetime | None = None,
) -> Order:
    """Sell ``lines`` to ``member`` at the desk (see the module): an order ``sold_by`` ``by``
    that never expires, paid now by ``method`` (``paid=True``) or owed (``paid=False``).

    ``note`` (a receipt number, say) is kept with the payment and in the audit entry;
    ``accepted_terms`` says the member accepted the terms of every product that has some
    (A5); ``token`` is the desk form's one-time token: a second sale with it is refused with
    ``already_placed`` (``details["reference"]``: the order's). An order of 0.00 is paid at
    once (free). ``by`` needs ``sell_at_desk`` or ``change_order`` (or is None, the system).
    The returned order's ``fulfilled_now`` says whether it was paid now.
    """
    require_staff(by, SELL_AT_DESK, CheckoutError, MANAGE_ORDERS)
    if not isinstance(paid, bool):
        raise CheckoutError(_("Say whether the member paid now."), code="invalid_method")
    method = check_payment_method(method, required=paid)
    note = str(note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise CheckoutError(
            _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX_LENGTH},
            code="note_too_long",
        )
    now = now or timezone.now()
    token = _check_token(token)
    person = attendee(member, CheckoutError)  # F3: the passes are this person's
    member = person.account  # who pays
    quotes = quote_desk_sale(person, lines, now=now)
    for offer in quotes:
        _check_terms(offer.as_quote(), accepted_terms)
    total = sum((q.total for q in quotes), Money(Decimal(0), quotes[0].total.currency))
    provider = FREE if total.is_zero else MANUAL
    seller = by if getattr(by, "is_authenticated", False) else None
    with lock_waits.atomic():
        holds_stock = {
            offer.product.pk: take_stock(offer.product, offer.quantity, now)
            for offer in sorted(quotes, key=lambda offer: offer.product.pk)
        }
        order = _create_order(member, provider, total, now, token)
        order.expires_at, order.sold_by = None, seller  # owed, it never expires
        order.save(update_fields=["expires_at", "sold_by"])
        for offer in quotes:
            line = _write_line(
                order, offer.as_quote(), holds_stock[offer.product.pk], person=person
            )
            if offer.changed:
                line.list_price, line.price_reason = offer.list_price.amount, offer.reason
                line.save(update_fields=["list_price", "price_reason"])
            if provider == MANUAL and not paid:  # the member leaves with them, unpaid
                issue_line_passes(order, line, paid=False)
        log_action(
            order,
            "wagtail_passes.order.desk_sale",
            by,
            sale_message(order, quotes, paid=paid or provider == FREE, note=note),
            paid=paid,
            method=method,
            note=note,
            price_changes=[
                {
                    "product": offer.product.pk,
                    "list_price": str(offer.list_price.amount),
                    "unit_price": str(offer.unit_price.amount),
                    "reason": offer.reason,
                }
                for offer in quotes
                if offer.changed
            ],
        )
        if provider == FREE:
            return fulfil_order(order, provider=FREE, amount=Decimal(0), by=by, now=now)
        if paid:
            return mark_paid(order, by, method=method, reference=note)
        email_on_commit("order_received", member, order=order)
    order.fulfilled_now = False
    return order


def sale_message(order: Order, quotes: Sequence[DeskQuote], *, paid: bool, note: str) -> str:
    """The audit entry's sentence: what was sold, for how much, whether paid, and each price
    changed with its reason."""
    params = {
        "reference": order.reference,
        "member": person(order.member),
        "total": order.total_money,
    }
    if paid:
        message = _("Order %(reference)s sold at the desk to %(member)s: %(total)s.") % params
    else:
        message = (
            _("Order %(reference)s sold at the desk to %(member)s: %(total)s, not paid yet.")
            % params
        )
    for offer in quotes:
        if offer.changed:
            message += " " + _(
                "“%(title)s” at %(price)s instead of %(list_price)s: %(reason)s."
            ) % {
                "title": offer.product.title,
                "price": offer.unit_price,
                "list_price": offer.list_price,
                "reason": offer.reason,
            }
    if note:
        message += " " + _("Note: %(note)s") % {"note": note}
    return message


__all__ = [
    "DeskLine",
    "DeskQuote",
    "confirmed_price",
    "desk_products",
    "list_price",
    "quote_desk_sale",
    "sell_at_desk",
]
