"""Stripe's URLs: the webhook, the return page (Checkout's success URL) and "Pay by card"
for an order awaiting payment. The return page and the webhook re-fetch the session from
Stripe: neither trusts what the browser or the payload says."""

from __future__ import annotations

import logging

import stripe
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from ..busy import is_busy
from ..checkout.orders import _own_orders
from ..checkout.paying import start_payment
from ..checkout.views import login_first, order_url, see_other
from ..exceptions import CheckoutError
from ..models import OrderState
from . import get_provider, pay_online_provider
from .customers import card_for_session
from .stripe import NAME, pending_payments
from .sync import apply_session
from .webhooks import BadEvent, handle, verify

logger = logging.getLogger("wagtail_passes.payments")

#: The latest sessions of an order the return page asks Stripe about.
RETURN_SESSIONS = 3


def _stripe():
    provider = get_provider(NAME)
    if provider is None or not provider.is_available():
        raise Http404("Stripe is not configured")
    return provider


@csrf_exempt
@transaction.non_atomic_requests  # refunds are asked of Stripe once their rows committed
@require_POST
def stripe_webhook(request):
    provider = _stripe()
    try:
        event = verify(request.body, request.headers.get("Stripe-Signature", ""))
        result = handle(event, provider)
    except BadEvent as error:
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest("bad event")
    except stripe.StripeError as error:  # cannot re-fetch now: Stripe delivers it again later
        logger.warning("Stripe webhook %s left for a retry: %r", event.get("id"), error)
        return HttpResponse("retry later", status=503)
    except CheckoutError as error:  # a fact the services refuse (it names another order)
        if is_busy(error):  # rows locked too long by others: Stripe delivers it again
            logger.warning("Stripe webhook %s left for a retry: busy", event.get("id"))
            return HttpResponse("retry later", status=503)
        logger.error("Stripe webhook %s refused: %s", event.get("id"), error.code)
        return HttpResponse("refused", content_type="text/plain")
    # 200 for every event processed, including the ones whose outcome needs a person
    # (refund_needed, refund_failed, refund_not_recorded): Stripe's answer to a refund it
    # refused will not change when asked again, and a non-2xx answer makes Stripe deliver
    # the event again for days. Staff were told instead (payments.staff), and the event is
    # stored with its outcome. Only "Stripe could not be asked" (503 above) is worth a retry.
    return HttpResponse(result, content_type="text/plain")


def _saved_card(session: dict, order, client):
    """The card the session saved for renewals (N1), if the order wanted one; a failure to
    ask never stops the order being paid: the webhook stores the card instead."""
    try:
        return card_for_session(session, order, client)
    except stripe.StripeError as error:
        logger.warning("Stripe: the saved card of order %s: %r", order.reference, error)
        return None


@require_safe
def stripe_return(request, reference: str):
    """Where Stripe sends the member after paying: the order's latest sessions are asked
    again; a paid one pays the order (once), else the member reads that it is pending."""
    if not request.user.is_authenticated:
        return login_first(request)
    order = _own_orders(request).filter(reference=reference).first()
    if order is None:
        raise Http404
    provider, problem = _stripe(), ""
    if order.state in (OrderState.PENDING, OrderState.EXPIRED):
        try:
            for payment in pending_payments(order).reverse()[:RETURN_SESSIONS]:
                client = provider.client()
                session = client.v1.checkout.sessions.retrieve(payment.provider_id).to_dict()
                outcome = apply_session(session, card=_saved_card(session, order, client))
                if outcome.result in ("fulfilled", "paid_already", "refunded", "refund_needed"):
                    break
        except stripe.StripeError as error:
            logger.warning("Stripe return page for %s: %r", order.reference, error)
            problem = _(
                "We could not check your payment with the card payment service just now. "
                "If you paid, your order is confirmed by email shortly."
            )
        except CheckoutError as error:  # busy: the webhook confirms it (Stripe retries)
            if not is_busy(error):
                raise
            problem = _(
                "Many people are paying right now, so we could not confirm your payment yet. "
                "If you paid, your order is confirmed by email shortly."
            )
        order.refresh_from_db()
    if order.paid_at is not None:
        return see_other(order_url(order))
    context = {"order": order, "problem": problem}
    return TemplateResponse(request, "wagtail_passes/orders/payment_pending.html", context)


@require_POST
def order_pay(request, reference: str):
    """ "Pay by card" for any of the member's orders awaiting payment (C2, C5): a card
    order resumed, a bank-transfer order (a renewal whose card needed the bank's
    confirmation, say) paid by card instead."""
    if not request.user.is_authenticated:
        return login_first(request)
    order = _own_orders(request).filter(reference=reference).first()
    if order is None:
        raise Http404
    provider = pay_online_provider(order)
    if not order.is_pending or provider is None:
        return see_other(order_url(order))
    return start_payment(request, order, provider) or see_other(order_url(order))
