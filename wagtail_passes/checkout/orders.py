"""The member's own orders: "My orders", one order (with its receipt), and cancelling an
order awaiting payment. Only the member's own orders exist here: any other reference is a
404, for staff too (they see orders in the admin)."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ..busy import answer_busy
from ..conf import passes_settings
from ..exceptions import CheckoutError
from ..models import MemberPass, Order, OrderLine, OrderState, Renewal
from ..payments import pay_online_provider
from ..services.base_url import links_from_request
from ..services.booking_after_payment import is_booked
from ..services.gateway import FREE, MANUAL
from ..services.orders import cancel_order, cancel_refusal
from ..services.payment_state import payment_notices, payment_processing
from .views import login_first, order_url, see_other

ORDERS_PER_PAGE = 25


def _own_orders(request):
    return Order.objects.filter(member=request.user)


@require_safe
def order_list(request):
    if not request.user.is_authenticated:
        return login_first(request)
    orders = _own_orders(request).prefetch_related("lines")
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request, "wagtail_passes/orders/order_list.html", {"orders": page, "page_obj": page}
    )


def _order(request, reference: str) -> Order:
    lines = OrderLine.objects.prefetch_related(
        Prefetch("member_passes", queryset=MemberPass.objects.order_by("pk"))
    )
    return get_object_or_404(
        _own_orders(request)
        .select_related("registration__programme", "book_session__programme_class")
        .prefetch_related(Prefetch("lines", queryset=lines)),
        reference=reference,
    )


def _order_context(order: Order) -> dict:
    pending_manual = order.state == OrderState.PENDING and order.provider == MANUAL
    lines = list(order.lines.all())
    payments = list(order.payments.all())
    return {
        "order": order,
        "lines": lines,
        "unpaid_passes": [
            member_pass
            for line in lines
            for member_pass in line.member_passes.all()
            if not member_pass.is_paid and member_pass.status != "cancelled"
        ]
        if pending_manual
        else [],
        "is_pending": order.state == OrderState.PENDING,
        "is_paid": order.paid_at is not None,
        "payment_instructions": passes_settings.BANK_TRANSFER_INSTRUCTIONS
        if pending_manual
        else "",
        "pay_at_venue": pending_manual and not passes_settings.BANK_TRANSFER_INSTRUCTIONS,
        "can_pay_online": _can_pay_online(order, payments),
        "chose_online": order.provider not in (MANUAL, FREE, ""),
        "payment_notices": payment_notices(order, payments),
        "site_name": getattr(settings, "WAGTAIL_SITE_NAME", ""),
        "book_session": order.book_session,
        "booked_on_session": is_booked(order),
    }


def _can_pay_online(order: Order, payments) -> bool:
    """C2: any order of the member awaiting payment can be paid online when the site takes
    online payments, whatever method it was placed with (a renewal order placed for a bank
    transfer, say), unless a payment of it is already on its way."""
    if order.state != OrderState.PENDING or payment_processing(order, payments):
        return False
    return pay_online_provider(order) is not None


def _cancelling(order: Order, member) -> dict:
    """The "Cancel order" button and its confirmation, from the decision ``cancel_order``
    takes (``cancel_refusal``): offered only when the member may cancel; otherwise why not.
    Cancelling a renewal order is stopping that renewal (N1), and the words say so."""
    if order.state != OrderState.PENDING:
        return {"can_cancel": False, "cancel_refusal": "", "cancel_consequence": ""}
    refusal = cancel_refusal(order, member)
    renewal = Renewal.objects.filter(order=order).select_related("member_pass").first()
    if renewal is not None:
        consequence = _(
            "The order will be cancelled and “%(title)s” will not renew: nothing will be owed "
            "for it. This cannot be undone."
        ) % {"title": renewal.member_pass.title}
    else:
        consequence = _(
            "The order will be cancelled and nothing will be owed for it. This cannot be "
            "undone: to buy again, place a new order."
        )
    return {
        "can_cancel": refusal is None,
        "cancel_refusal": refusal.message if refusal is not None else "",
        "cancel_consequence": consequence if refusal is None else "",
    }


@require_safe
def order_detail(request, reference: str):
    if not request.user.is_authenticated:
        return login_first(request)
    order = _order(request, reference)
    context = {**_order_context(order), **_cancelling(order, request.user)}
    return TemplateResponse(request, "wagtail_passes/orders/order_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@links_from_request
def order_cancel(request, reference: str):
    """GET asks to confirm; POST cancels (the member's own order, awaiting payment)."""
    if not request.user.is_authenticated:
        return login_first(request)
    order = _order(request, reference)
    error, refusal = "", None
    if request.method == "POST":
        try:
            cancel_order(order, request.user)
        except CheckoutError as refused:
            error, refusal = refused.message, refused
        else:
            return see_other(order_url(order))
    context = {**_order_context(order), **_cancelling(order, request.user), "error": error}
    page = TemplateResponse(request, "wagtail_passes/orders/order_cancel.html", context)
    return answer_busy(page, refusal)
