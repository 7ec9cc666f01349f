"""Who may act on orders, and orders in words, for the admin screens.

The list, an order's page and its history need ``view_order`` (or ``change_order``);
"Mark paid" needs ``sell_at_desk`` (the front desk takes payments) or ``change_order``;
"Cancel order" and "Refund" need ``change_order`` (``services.permissions``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..models import Order, OrderState
from ..models.orders import PAID_STATES
from ..presentation import EMPTY, format_short_moment
from ..rules.money import Money
from ..services.orders import cancel_refusal
from ..services.permissions import can_manage_orders, can_sell_at_desk, can_view_orders
from .display import ReadOnlyPermissionHelper


class OrderPermissionHelper(ReadOnlyPermissionHelper):
    """View (or change) to see; the desk (or change) to mark paid; change to cancel and
    refund. Orders are never created, edited or deleted through a generic form,
    superusers included."""

    can_view = staticmethod(can_view_orders)

    def user_can_manage(self, user):
        """Cancel an unpaid order, refund a paid one (C4, C5)."""
        return can_manage_orders(user)

    def user_can_mark_paid(self, user):
        """Record a payment taken by hand (C2, C6): the front desk too."""
        return can_sell_at_desk(user)


def money_text(amount, currency: str) -> str:
    return str(Money(amount, currency))


def state_text(order: Order) -> str:
    return OrderState(order.state).label


def may_mark_paid(order: Order) -> bool:
    """Offered while unpaid: pending, or expired (a late transfer is honoured when stock
    allows, C5). Cancelled orders stay cancelled."""
    return order.state in (OrderState.PENDING, OrderState.EXPIRED)


def may_cancel(order: Order) -> bool:
    return order.state == OrderState.PENDING


def cancel_offered(order: Order, user) -> bool:
    """S4: "Cancel order" is offered on the order's page when ``cancel_order`` would not
    refuse ``user`` (``services.orders.cancel_refusal``: awaiting payment, and no pass it
    issued unpaid pays for a session)."""
    return may_cancel(order) and cancel_refusal(order, user) is None


def may_refund(order: Order) -> bool:
    """C4: offered for a paid or partially refunded order (one with something to refund:
    a free order has none)."""
    return order.state in (OrderState.PAID, OrderState.PARTIALLY_REFUNDED) and order.total > 0


def held_or_paid_text(order: Order) -> str:
    """The list's last column: when an unpaid order's hold ends, or when it was paid."""
    if order.state in PAID_STATES and order.paid_at:
        return _("Paid %(when)s") % {"when": format_short_moment(order.paid_at)}
    if order.state == OrderState.PENDING and order.expires_at:
        return _("Held until %(when)s") % {"when": format_short_moment(order.expires_at)}
    if order.state == OrderState.PENDING:  # a desk sale not paid yet: it never expires
        return _("Owed, does not expire")
    if order.closed_at:
        return format_short_moment(order.closed_at)
    return EMPTY
