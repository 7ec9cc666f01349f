"""Taking stock, and a late payment re-claiming what its order's hold let go (A1, A4, C5).

Stock taken and discount code uses are counted afresh from the orders that hold them at that
moment (``models.holds``): an unpaid order stops counting the instant its hold runs out,
whether or not the tidy job has expired it yet. So a payment arriving after the hold ran out
(an expired order, or one still awaiting payment past its hold) must take its stock and its
code use again, under the same locks as a new order, in the one lock order: the order row
(the caller's), then the stock rows by product id, then the discount code's row. When another
order took the last unit or the last use meanwhile it is refused, ``stock_gone`` or
``code_gone``, and the caller gives the money back: an order is never discounted beyond its
code's use limit, nor sold beyond its product's stock.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import CheckoutError
from ..models import DiscountRedemption, Order, OrderState, ProductMixin, ProductStock
from ..models.holds import hold_lapsed, units_taken
from . import lock_waits
from .discounts import lock_code
from .lock_waits import LockBusy, bound_waits, locked_row, locked_rows, refusing_busy


def lock_stock(product: ProductMixin) -> ProductStock:
    """The product's stock row, created the first time, locked until the transaction ends."""
    rows = ProductStock.objects.select_for_update().filter(product_id=product.pk)
    locked = locked_rows(rows)
    if not locked:  # the first sale: orders placed at once meet on the unique index
        bound_waits(rows.db)
        with refusing_busy():
            ProductStock.objects.get_or_create(product_id=product.pk)
        locked = locked_rows(rows)
    return locked[0]


def take_stock(
    product: ProductMixin, quantity: int, now: dt.datetime, *, excluding: Order | None = None
) -> bool:
    """A1: take ``quantity`` of the product under its stock row's lock, counting what the
    orders hold at ``now`` (``excluding`` one, re-claiming its own); refused ``sold_out``
    when not enough is left. False (nothing to take) for a product without a stock limit."""
    if product.stock_limit is None:
        return False
    lock_stock(product)
    taken = units_taken([product.pk], now, excluding=excluding).get(product.pk, 0)
    if taken + quantity > product.stock_limit:
        raise CheckoutError(
            _("Sold out: no more “%(title)s” left.") % {"title": product.title}, code="sold_out"
        )
    return True


def reclaim_lapsed_hold(order: Order, now: dt.datetime) -> None:
    """C5: a payment arrives for ``order`` (its row locked by the caller). When its hold
    ran out, it takes its stock again (``stock_gone`` when sold out since) and its discount
    code use (``code_gone`` when used up since). An order still holding has nothing to do."""
    if not hold_lapsed(order, now):
        return
    _retake_stock(order, now)
    _reclaim_code(order, now)


def extend_hold(order, until: dt.datetime, now: dt.datetime | None = None) -> Order:
    """C5: the member resumes paying an unpaid order (a new card session that ends at
    ``until``): its hold runs at least until then. An order whose hold already ran out takes
    back its stock and its code use first (``stock_gone``, ``code_gone`` when it cannot:
    nothing is taken, nothing charged). Any other state is returned unchanged."""
    now = now or timezone.now()
    with lock_waits.atomic():
        order = locked_row(Order.objects.select_for_update(), pk=getattr(order, "pk", order))
        if order.state != OrderState.PENDING:
            return order
        reclaim_lapsed_hold(order, now)
        if order.expires_at is not None and order.expires_at < until:
            order.expires_at = until
            order.save(update_fields=["expires_at"])
    return order


def _retake_stock(order: Order, now: dt.datetime) -> None:
    lines = [line for line in order.lines.select_related("product") if line.product_id]
    for line in sorted(lines, key=lambda line: line.product_id):
        product = line.product.specific
        try:
            holds_stock = take_stock(product, line.quantity, now, excluding=order)
        except LockBusy:
            raise
        except CheckoutError:
            raise CheckoutError(
                _("The hold on this order ran out and “%(title)s” has sold out since.")
                % {"title": line.title},
                code="stock_gone",
            ) from None
        if line.holds_stock != holds_stock:
            line.holds_stock = holds_stock
            line.save(update_fields=["holds_stock"])


def _reclaim_code(order: Order, now: dt.datetime) -> None:
    """A4: the discount the order was placed with counts again only if its code has a use
    left. Only the limit is decided again: the member was shown this price while the code
    was valid, and the order keeps it."""
    redemption = DiscountRedemption.objects.filter(order=order).select_related("code").first()
    if redemption is None:
        return
    code = lock_code(redemption.code)
    if code.max_uses is not None and code.uses(now, excluding=order) >= code.max_uses:
        raise CheckoutError(
            _(
                "The hold on this order ran out and its discount code “%(code)s” has been "
                "used up since."
            )
            % {"code": code.code},
            code="code_gone",
        )


def schedule_hold_end(order: Order) -> None:
    """Once the placing transaction commits, enqueue the task that expires ``order`` when
    its hold ends (``tasks.expire_order_at_hold_end``), when the Tasks backend can defer a
    task (``supports_defer``: django-tasks-db can, the Immediate backend cannot). Nothing
    depends on it: stock and code uses stop counting when the hold ends anyway, and the
    tidy job expires what this missed; it only sends the "expired" email on time."""
    if order.expires_at is None:
        return
    from ..tasks import expire_order_at_hold_end

    if not getattr(expire_order_at_hold_end.get_backend(), "supports_defer", False):
        return
    deferred = expire_order_at_hold_end.using(run_after=order.expires_at)
    # robust: a queue that is down must not fail the order already committed.
    transaction.on_commit(lambda: deferred.enqueue(order.pk), robust=True)


__all__ = ["extend_hold", "lock_stock", "reclaim_lapsed_hold", "schedule_hold_end", "take_stock"]
