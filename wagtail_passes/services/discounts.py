"""Discount codes at checkout (A4): is a typed code usable on a product, and how much it
takes off. ``services.orders`` asks here twice: once without locks for the quote, once
under the code row's lock when placing the order (``claim``).

The use limit is a fresh count of the redemptions of orders that hold the code at that
moment (``models.holds``: paid, or awaiting payment with the hold still running, like
stock): counted under the code row's lock, so two members cannot both take the last use. A
cancelled or expired order, or one whose hold ran out, stops counting at once; a late
payment re-claims its use or is refused (``services.holds``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..exceptions import CheckoutError
from ..models import DiscountCode, DiscountRedemption, Order, ProductMixin, normalise_code
from ..models.discounts import CODE_PATTERN
from ..presentation import format_short_moment
from ..rules.discounts import line_discount
from ..rules.money import Money
from .lock_waits import locked_rows


@dataclass(frozen=True)
class AppliedDiscount:
    """A code and what it takes off one line."""

    code: DiscountCode
    amount: Money


def find_code(given) -> DiscountCode | None:
    """The code a member typed (any case, spaces around it), ``None`` when they typed none;
    refused with ``unknown_code`` when there is no such code."""
    text = normalise_code(given)
    if not text:
        return None
    if not re.fullmatch(CODE_PATTERN, text):
        raise CheckoutError(
            _("A discount code is 3 to 32 letters, digits and hyphens: check the code."),
            code="unknown_code",
        )
    code = DiscountCode.objects.filter(code=text).first()
    if code is None:
        raise CheckoutError(
            _("There is no discount code “%(code)s”.") % {"code": text}, code="unknown_code"
        )
    return code


def apply_code(code: DiscountCode, product: ProductMixin, gross: Money, now) -> AppliedDiscount:
    """What ``code`` takes off a line of ``product`` worth ``gross``, or the first reason
    it cannot: not active (switched off, not yet, over), not for this product (or its
    currency), used up."""
    (amount,) = apply_to_lines(code, [(product, gross)], now)
    return AppliedDiscount(code=code, amount=amount)


def apply_to_lines(code: DiscountCode, lines, now) -> list[Money | None]:
    """What ``code`` takes off each of ``lines`` (pairs of product and the line's worth):
    ``None`` for a line whose product it does not cover. Refused like ``apply_code`` when it
    covers none of them; a code is used once per order, whatever it covers."""
    _check_active(code, now)
    amounts = [
        line_discount(code.kind, code.value, code.currency, gross) if code.covers(product) else None
        for product, gross in lines
    ]
    if not any(amount is not None for amount in amounts):
        covered_elsewhere = [product for product, _gross in lines if code.covers(product)]
        if covered_elsewhere:  # covered, but a fixed amount in another currency
            raise CheckoutError(
                _("The discount code “%(code)s” is for prices in %(currency)s.")
                % {"code": code.code, "currency": code.currency},
                code="code_not_for_product",
            )
        if len(lines) == 1:
            message = _("The discount code “%(code)s” does not apply to “%(title)s”.") % {
                "code": code.code,
                "title": lines[0][0].title,
            }
        else:
            message = _(
                "The discount code “%(code)s” does not apply to anything in this order."
            ) % {"code": code.code}
        raise CheckoutError(message, code="code_not_for_product")
    if code.max_uses is not None and code.uses(now) >= code.max_uses:
        raise CheckoutError(
            _("The discount code “%(code)s” has been used up.") % {"code": code.code},
            code="code_used_up",
        )
    return amounts


def _check_active(code: DiscountCode, now) -> None:
    if not code.is_active:
        message = _("The discount code “%(code)s” is no longer valid.") % {"code": code.code}
    elif code.valid_from is not None and now < code.valid_from:
        message = _("The discount code “%(code)s” can be used from %(start)s.") % {
            "code": code.code,
            "start": format_short_moment(code.valid_from),
        }
    elif code.valid_until is not None and now >= code.valid_until:
        message = _("The discount code “%(code)s” ended on %(end)s.") % {
            "code": code.code,
            "end": format_short_moment(code.valid_until),
        }
    else:
        return
    raise CheckoutError(message, code="code_not_active")


def lock_code(code: DiscountCode) -> DiscountCode:
    """Inside the order's transaction: the code's row, locked, to decide again (staff may
    have changed the code, other orders may have taken its last use since the quote)."""
    locked = locked_rows(DiscountCode.objects.select_for_update().filter(pk=code.pk))
    if not locked:
        raise CheckoutError(
            _("There is no discount code “%(code)s”.") % {"code": code.code},
            code="unknown_code",
        )
    return locked[0]


def redeem(order: Order, code: DiscountCode, amount: Money) -> DiscountRedemption:
    """Record that ``order`` used ``code``, taking ``amount`` off in all (it counts while
    the order holds it)."""
    return DiscountRedemption.objects.create(order=order, code=code, amount=amount.amount)
