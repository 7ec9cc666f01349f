"""What a product costs to buy (A3) and what a booking costs a pass (K1-K5).

Only ``Decimal`` and ``Money``: a float never enters, so a price never drifts by a cent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .money import Money
from .types import CREDITS, DAYS, ENTRIES, MONEY, UNLIMITED, PassTerms, SessionFacts


def pro_rata_price(
    full: Money,
    *,
    fixed_start: date,
    fixed_end: date,
    pro_rata_from: date,
    minimum: Money,
    today: date,
) -> Money:
    """The price of a fixed-dates product bought on ``today`` (A3).

    Full price before ``pro_rata_from``; from then on, full x days left / days in the
    season, both counted inclusively (today and the last day are both days the member gets).
    Never below ``minimum`` and never above ``full``; if an editor set a minimum above the
    full price, the full price wins, because a discount rule must never raise a price.
    Rounded half-up to the currency's minor unit by ``Money``.
    """
    if full.currency != minimum.currency:
        raise ValueError(f"cannot combine {full.currency} with {minimum.currency}")
    if fixed_end < fixed_start:
        raise ValueError("fixed_end cannot be before fixed_start")
    if today < pro_rata_from:
        return full
    total_days = (fixed_end - fixed_start).days + 1
    days_left = min(total_days, max(0, (fixed_end - today).days + 1))
    share = Money(full.amount * days_left / total_days, full.currency)
    if share < minimum:
        share = minimum
    return share if share <= full else full


def redemption_cost(
    terms: PassTerms,
    session: SessionFacts,
    attendees: int,
    *,
    day_already_used: bool,
    price: Money | None = None,
) -> Decimal:
    """Units the booking takes from the balance, in the pass's own unit.

    K1 one entry per attendee; K2 nothing; K3 one day per distinct session day, whatever the
    number of sessions or attendees that day (the pass sells days of access); K4 the class's
    credit cost per attendee; K5 the effective unit price per attendee, in money — or
    ``price``, the whole amount an existing booking owes, when it is given (R2).
    """
    if attendees < 1:
        raise ValueError("a booking has at least one attendee")
    kind = terms.kind
    if kind == ENTRIES:
        return Decimal(attendees)
    if kind == UNLIMITED:
        return Decimal(0)
    if kind == DAYS:
        return Decimal(0 if day_already_used else 1)
    if kind == CREDITS:
        return Decimal(session.credit_cost * attendees)
    assert kind == MONEY
    if price is None:
        price = session.unit_price * attendees
    if price.currency != terms.currency:
        raise ValueError(f"a {terms.currency} balance cannot pay a {price.currency} price")
    return price.amount
