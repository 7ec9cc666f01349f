"""Starting an order's online payment (after checkout, or "Pay by card" on the order page):
the provider's redirect, or a clear message when it cannot start (the order stays pending)."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ..busy import answer_busy, is_busy
from ..exceptions import CheckoutError
from ..payments.base import PaymentUnavailable


def start_payment(request, order, provider):
    """The provider's response (a redirect to pay), None when there is nothing to do online,
    or a page saying the payment could not start."""
    try:
        return provider.start(order, request)
    except PaymentUnavailable:
        message = _(
            "The card payment could not be started just now. Your order %(reference)s is "
            "saved and awaiting payment: try again in a moment."
        ) % {"reference": order.reference}
        return _problem(request, order, message, can_retry=order.is_pending)
    except CheckoutError as refusal:  # C5: its hold ran out and its stock or code went since
        problem = _problem(request, order, refusal.message, can_retry=is_busy(refusal))
        return answer_busy(problem, refusal)


def _problem(request, order, message: str, *, can_retry: bool):
    context = {"order": order, "message": message, "can_retry": can_retry}
    return TemplateResponse(
        request, "wagtail_passes/orders/payment_problem.html", context, status=200
    )
