"""What a product costs per session, for comparing the products that would pay (P3's
"Get a pass" page). Pure: plain values in, ``Money`` out.

A pass of ``quantity`` units pays for ``quantity / units per session`` sessions, so one
session costs ``price × units per session / quantity``, rounded half-up to the currency's
minor unit (``Money`` does it, A6):

- entries (K1): one entry a session;
- credits (K4): the class's credit cost (``SessionFacts.credit_cost``);
- prepaid money (K5): the session's unit price out of the money it holds;
- days (K3): one day, whatever the sessions that day — the cost of a day is the most one
  session costs;
- unlimited (K2): no number; the page says what it gives instead ("unlimited classes for
  30 days").
"""

from __future__ import annotations

from decimal import Decimal

from .money import Money
from .types import CREDITS, DAYS, ENTRIES, MONEY, UNLIMITED


def units_per_session(kind: str, *, credit_cost: int, unit_price: Money) -> Decimal | None:
    """How much of a pass of ``kind`` one session uses (None: unlimited)."""
    if kind in (ENTRIES, DAYS):
        return Decimal(1)
    if kind == CREDITS:
        return Decimal(credit_cost)
    if kind == MONEY:
        return unit_price.amount
    if kind == UNLIMITED:
        return None
    raise ValueError(f"unknown kind: {kind!r}")


def pays_one(kind: str, quantity: Decimal | None, *, credit_cost: int, unit_price: Money) -> bool:
    """Whether a new pass of ``kind`` holding ``quantity`` can pay for one session at all
    (20 EUR of credit cannot pay a 25 EUR class, K5; 2 credits not a 3-credit class)."""
    used = units_per_session(kind, credit_cost=credit_cost, unit_price=unit_price)
    return used is None or (quantity is not None and quantity >= used)


def per_session_cost(
    *, kind: str, quantity: Decimal | None, price: Money, credit_cost: int, unit_price: Money
) -> Money | None:
    """One session's share of ``price``; None for an unlimited pass (or a pass that holds
    nothing, which no session could use)."""
    used = units_per_session(kind, credit_cost=credit_cost, unit_price=unit_price)
    if used is None or quantity is None or quantity <= 0:
        return None
    if not isinstance(quantity, Decimal):
        raise TypeError(f"quantity must be a Decimal, not {type(quantity).__name__}")
    return Money(price.amount * used / quantity, price.currency)


def cheapest_first_key(per_session: Money | None, price: Money, title: str) -> tuple:
    """Sort key: products with a per-session cost first, cheapest first; then those
    without one (unlimited), cheapest first; then by title."""
    if per_session is None:
        return (1, price.amount, title)
    return (0, per_session.amount, title)
