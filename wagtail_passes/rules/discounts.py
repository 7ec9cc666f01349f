"""Discount codes (SPEC A4): what a code takes off one order line.

Pure: the caller says which code applies to which line (chosen products, dates, use limit
are the services' business); this module only does the money (A6):

- a percentage code takes that share of the line's total, rounded half-up to the
  currency's minor unit, never more than the line's total;
- a fixed-amount code takes its amount, never more than the line's total, and only from
  a line in its own currency (a 10 EUR code takes nothing off a GBP line: ``None``).
"""

from __future__ import annotations

from decimal import Decimal

from .money import Money, quantize

PERCENTAGE = "percentage"
FIXED = "fixed"
KINDS = (PERCENTAGE, FIXED)

HUNDRED = Decimal(100)


def line_discount(kind: str, value: Decimal, currency: str, line_total: Money) -> Money | None:
    """The discount a code of ``kind`` and ``value`` gives on a line of ``line_total``.

    ``currency`` is the code's own currency, used by fixed-amount codes only. ``None`` when
    the code cannot apply to this line (a fixed amount in another currency).
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"discount values must be Decimal, not {type(value).__name__}")
    if value < 0:
        raise ValueError("a discount is never negative")
    if kind == PERCENTAGE:
        share = min(value, HUNDRED)
        amount = quantize(line_total.amount * share / HUNDRED, line_total.currency)
    elif kind == FIXED:
        if currency != line_total.currency:
            return None
        amount = value
    else:
        raise ValueError(f"unknown discount kind {kind!r}")
    return Money(min(amount, line_total.amount), line_total.currency)
