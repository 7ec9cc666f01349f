"""Card payments through Stripe's hosted Checkout (C2).

Paying an order is one Checkout Session per attempt; each is stored as a pending ``Payment``
whose ``provider_id`` is the session's id. The member pays on Stripe's page, comes back to
the return page, and Stripe tells the webhook; both re-fetch the session from Stripe and
only then fulfil the order (``sync.apply_session``).

``expires_at``: the session lasts as long as the order's hold (C5), but Stripe accepts only
30 minutes to 24 hours from now. A shorter hold (the default 30 minutes is already "less
than 30 minutes" a moment later) is lengthened to 31 minutes from now, and the order's own
hold with it, so that both end together; a longer hold than 24 hours keeps its length and
the session ends after 24 hours (the member can resume paying with a new session). An order
whose hold ran out takes back its stock and discount code use first
(``services.holds.extend_hold``), or no session is made and the member is told why.
"""

from __future__ import annotations

import datetime as dt
import logging

import stripe
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from ..conf import passes_settings
from ..models import Payment, PaymentState
from ..rules.money import to_minor_units
from ..services.holds import extend_hold
from .base import PaymentProvider, PaymentUnavailable
from .customers import ensure_customer, replace_customer, wants_saved_card

logger = logging.getLogger("wagtail_passes.payments")

NAME = "stripe"
#: Stripe refuses an ``expires_at`` under 30 minutes from the session's creation: a minute
#: more absorbs the time the request takes.
SHORTEST_SESSION = dt.timedelta(minutes=31)
LONGEST_SESSION = dt.timedelta(hours=24)


class StripeProvider(PaymentProvider):
    name = NAME
    #: A ``stripe.HTTPClient`` to talk through; None: stripe-python's default. Tests set
    #: a recording one (OPTIONS {"http_client": ...} does the same per entry).
    http_client = None
    #: Where Stripe's API is ("http://127.0.0.1:12111", say, for a local fake Stripe
    #: server in tests); None: Stripe's own. OPTIONS {"api_base": ...} does the same.
    api_base = None

    def is_available(self) -> bool:
        return bool(passes_settings.STRIPE_SECRET_KEY and passes_settings.STRIPE_WEBHOOK_SECRET)

    def client(self) -> stripe.StripeClient:
        api_base = self.options.get("api_base") or self.api_base
        return stripe.StripeClient(
            passes_settings.STRIPE_SECRET_KEY,
            http_client=self.options.get("http_client") or self.http_client,
            **({"base_addresses": {"api": api_base}} if api_base else {}),
        )

    def start(self, order, request):
        """Send the member to Stripe: the open session of this order when there is one,
        else a new one (a new attempt). ``PaymentUnavailable`` when Stripe refuses or
        cannot be reached; the order stays pending."""
        try:
            session = self.open_session(order) or self.create_session(order, request)
        except stripe.StripeError as error:
            logger.warning(
                "Stripe refused a Checkout Session for order %s: %r", order.reference, error
            )
            raise PaymentUnavailable(str(error)) from error
        return HttpResponseRedirect(session.url, status=303)

    # ---- sessions ---------------------------------------------------------------------

    def open_session(self, order):
        """The order's latest session if Stripe still has it open, else None (a session
        found expired is recorded as a failed attempt)."""
        payment = pending_payments(order).last()
        if payment is None:
            return None
        session = self.client().v1.checkout.sessions.retrieve(payment.provider_id)
        if session.status == "open":
            return session
        if session.status == "expired":
            Payment.objects.filter(pk=payment.pk, state=PaymentState.PENDING).update(
                state=PaymentState.FAILED
            )
        return None  # complete: the return page and the webhook take it from here

    def create_session(self, order, request):
        attempt = Payment.objects.filter(order=order, provider=NAME).count() + 1
        now = timezone.now()
        expires_at = session_end(order, now)
        # The order's hold ends with the session (see the module's docstring); a hold that
        # ran out takes its stock and discount code back first, or the member is told
        # (``stock_gone``, ``code_gone``) before paying anything.
        extend_hold(order, expires_at, now)
        client = self.client()
        # N1: a renewing order is paid as the member's Stripe Customer, so the card is saved.
        customer = ensure_customer(order.member, client) if wants_saved_card(order) else ""
        key = idempotency_key(order, attempt)
        try:
            session = client.v1.checkout.sessions.create(
                params=session_params(order, request, expires_at, customer=customer),
                options={"idempotency_key": key},
            )
        except stripe.InvalidRequestError as error:
            # The customer was deleted at Stripe (in its dashboard): make a new one once,
            # rather than refuse every renewing checkout of this member from now on.
            if not customer or getattr(error, "param", None) != "customer":
                raise
            customer = replace_customer(order.member, client, stale=customer)
            session = client.v1.checkout.sessions.create(
                params=session_params(order, request, expires_at, customer=customer),
                options={"idempotency_key": f"{key}-{customer}"},
            )
        Payment.objects.create(
            order=order,
            provider=NAME,
            provider_id=session.id,
            amount=order.total,
            currency=order.currency,
            state=PaymentState.PENDING,
            raw={"attempt": attempt, "expires_at": session.expires_at, "url": session.url},
        )
        return session


def pending_payments(order):
    return (
        Payment.objects.filter(order=order, provider=NAME, state=PaymentState.PENDING)
        .exclude(provider_id="")
        .order_by("pk")
    )


def idempotency_key(order, attempt: int) -> str:
    """The same order and attempt always send the same key: a request retried (by
    stripe-python, or a double click) creates one session."""
    return f"wagtail_passes-order-{order.pk}-{attempt}"


def session_end(order, now: dt.datetime) -> dt.datetime:
    hold_end = order.expires_at or now + SHORTEST_SESSION
    return min(max(hold_end, now + SHORTEST_SESSION), now + LONGEST_SESSION)


def session_params(order, request, expires_at: dt.datetime, customer: str = "") -> dict:
    """What Stripe is asked for (A6: amounts in the currency's minor unit, from Decimal).
    ``customer``: the member's Stripe Customer when the order renews (N1): the card is then
    saved on it for off-session charges (``payments.customers``)."""
    reference = order.reference
    line_items = []
    for line in order.lines.all():
        if line.unit_price * line.quantity == line.total:
            unit, quantity, name = line.unit_price, line.quantity, line.title
        else:  # discounted: one item of the line's total, so Stripe charges the order's total
            unit, quantity, name = line.total, 1, f"{line.quantity} × {line.title}"
        line_items.append(
            {
                "quantity": quantity,
                "price_data": {
                    "currency": order.currency.lower(),
                    "unit_amount": to_minor_units(unit, order.currency),
                    "product_data": {"name": name[:250]},
                },
            }
        )
    order_page = request.build_absolute_uri(
        reverse("wagtail_passes:order", kwargs={"reference": reference})
    )
    saving = (
        {"customer": customer, "payment_intent_data": {"setup_future_usage": "off_session"}}
        if customer
        else {}
    )
    return {
        **saving,
        "mode": "payment",
        "line_items": line_items,
        "client_reference_id": reference,
        "metadata": {"order_reference": reference, "order_pk": str(order.pk)},
        "expires_at": int(expires_at.timestamp()),
        "success_url": request.build_absolute_uri(
            reverse("wagtail_passes:stripe_return", kwargs={"reference": reference})
        ),
        "cancel_url": order_page,
    }
