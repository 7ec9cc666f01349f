"""Which orders hold their stock and their discount code at a given moment (A1, A4, C5).

One definition, read at the moment asked, so a hold stops counting the instant it runs out,
not when a job gets round to expiring the order. An order holds when it is:

- paid, or partially refunded: what it bought stays sold (a line refunded in full stops
  counting through its ``holds_stock``);
- awaiting payment and its hold still runs (``expires_at`` empty, or later than now);
- awaiting payment past its hold while one of its unpaid passes pays for a session (P4): the
  member owes such an order and it never expires (``services.order_passes``), so it keeps
  what it holds.

Stock taken of a product is the units of its lines marked ``holds_stock`` in orders that
hold; a discount code's uses are the redemptions of orders that hold. Both are counted
afresh from the orders, never cached. Whoever takes stock or a code use counts under the
product's ``ProductStock`` row lock, then the code's row lock (``services.holds``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, Sum

from .member_passes import LedgerEntry, LedgerKind, PassStatus
from .orders import Order, OrderLine, OrderState

#: States whose orders hold whatever the clock says: they were paid.
SOLD_STATES = (OrderState.PAID, OrderState.PARTIALLY_REFUNDED)


def holding(now: dt.datetime, *, through: str = "") -> Q:
    """The orders that hold their stock and discount code at ``now``, as a filter on
    ``Order`` (or, with ``through="order"``, on a model pointing at its order)."""

    def field(name: str) -> str:
        return f"{through}__{name}" if through else name

    hold_runs = Q(**{field("expires_at__isnull"): True}) | Q(**{field("expires_at__gt"): now})
    return Q(**{field("state__in"): SOLD_STATES}) | (
        Q(**{field("state"): OrderState.PENDING}) & (hold_runs | _owed_under_p4(through))
    )


def _owed_under_p4(through: str) -> Exists:
    """An unpaid pass of the order pays for a session (a redemption not given back): the
    order stays owed (the rule ``services.order_passes.release_unpaid_passes`` enforces)."""
    return Exists(
        LedgerEntry.objects.filter(
            kind=LedgerKind.REDEEM,
            reversal__isnull=True,
            member_pass__is_paid=False,
            member_pass__order_line__order=OuterRef(through or "pk"),
        ).exclude(member_pass__status=PassStatus.CANCELLED)
    )


def order_holds(order: Order, now: dt.datetime) -> bool:
    """Whether ``order`` holds its stock and discount code at ``now`` (read afresh)."""
    return Order.objects.filter(pk=order.pk).filter(holding(now)).exists()


def hold_lapsed(order: Order, now: dt.datetime) -> bool:
    """The order was placed to hold its stock and code, and no longer does at ``now``: it
    expired, or it awaits payment past its hold (the tidy job has not expired it yet)."""
    if order.state == OrderState.EXPIRED:
        return True
    return (
        order.state == OrderState.PENDING
        and order.expires_at is not None
        and order.expires_at <= now
        and not order_holds(order, now)
    )


def units_taken(
    product_ids: Iterable[int], now: dt.datetime, *, excluding: Order | None = None
) -> dict[int, int]:
    """Units of each product that orders hold at ``now`` (A1), in one query; products
    with none are left out. ``excluding`` leaves one order out (its own late payment)."""
    ids = list(product_ids)
    if not ids:
        return {}
    lines = OrderLine.objects.filter(product_id__in=ids, holds_stock=True).filter(
        holding(now, through="order")
    )
    if excluding is not None:
        lines = lines.exclude(order_id=excluding.pk)
    per_product = lines.order_by().values("product_id").annotate(units=Sum("quantity"))
    return {row["product_id"]: row["units"] for row in per_product}


__all__ = ["SOLD_STATES", "hold_lapsed", "holding", "order_holds", "units_taken"]
