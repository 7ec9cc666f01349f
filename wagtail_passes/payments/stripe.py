"""Card payments through Stripe's hosted Checkout (C2).

Paying an order is one Checkout Session per attempt; each is stored as a pending ``Payment``
whose ``provider_id`` is the session's id. The member pays on Stripe's page, comes back to
the return page, and Stripe tells the webhook; both re-fetch the session from Stripe and
only then fulfil the order (``sync.apply_session``).

``expires_at``: the session lasts as long as the order's hold (C5), but Stripe accepts only
30 minutes to 24 hours from now. A shorter hold (the default 30 minutes is already "less
than 30 minutes" a moment later) is lengthened to 31 minutes from now, and the order's own
hold with it, so that both end together; a longer hold than 24 hours keeps its length and
the session ends after 24 hours (the member can resume paying with a new session).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import stripe
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..conf import passes_settings
from ..models import Payment, RefundState
from ..rules.money import UnsupportedCurrency, from_minor_units, to_minor_units
from ..services.gateway import (
    ChargeOutcome,
    PaymentFact,
    ProviderUnavailable,
    RefundAnswer,
    RefundRefused,
)
from ..services.holds import extend_hold
from ..services.orders import lock_order
from ..services.payment_state import open_attempts, record_attempt
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
    pays_online = True
    refunds_online = True
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

    # ---- paying: "Pay by card" ------------------------------------------------------------

    def start(self, order, request):
        """Send the member to Stripe for ``order`` (any order of theirs awaiting payment,
        whichever method it was placed with), or None when there is nothing to pay now: the
        order page then says why (paid meanwhile, a payment still processing).

        Decided under the order's row lock, so two clicks at once make one session: first
        every attempt not over is asked from Stripe again (Stripe's advice: re-fetch, never
        trust the order of events) — one paid meanwhile pays the order, one processing (a
        bank debit) is waited for, an open one is sent again; only then is a new session
        made, with an idempotency key of the order and attempt, so a request repeated after
        a rollback gets the same session. ``PaymentUnavailable`` when Stripe refuses or
        cannot be reached; the order stays pending."""
        try:
            with transaction.atomic():
                order = lock_order(order)
                if not order.is_pending:
                    return None
                session = self._latest_session(order)
                if session is None:
                    session = self.create_session(order, request)
                elif session.get("status") != "open":
                    return None  # paid or processing: the order page says which
        except stripe.StripeError as error:
            logger.warning(
                "Stripe refused a Checkout Session for order %s: %r", order.reference, error
            )
            raise PaymentUnavailable(str(error)) from error
        return HttpResponseRedirect(session["url"], status=303)

    def _latest_session(self, order) -> dict | None:
        """The order's attempts not over, asked from Stripe again, latest first: the first
        that is open, processing or paid (each applied to the order); None when every one
        is over (expired, failed)."""
        from .sync import apply_session  # sync reads this module's names

        for payment in sessions_of(open_attempts(order, NAME))[:RECHECKED_ATTEMPTS]:
            session = self.client().v1.checkout.sessions.retrieve(payment.provider_id).to_dict()
            apply_session(session)
            if session.get("status") in ("open", "complete"):
                return session
        return None

    def create_session(self, order, request) -> dict:
        """A new Checkout Session for ``order`` (locked by the caller), recorded as a
        pending attempt."""
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
        record_attempt(
            order,
            provider=NAME,
            key=session.id,
            amount=order.total,
            raw={"attempt": attempt, "expires_at": session.expires_at, "url": session.url},
        )
        return session.to_dict()

    # ---- the gateway: refunds and saved cards ------------------------------------------------

    def refund(self, payment, amount: Decimal, *, key: str, metadata: dict) -> RefundAnswer:
        """Give ``amount`` of ``payment`` back to the card, once per ``key``."""
        try:
            client = self.client()
            intent = payment_intent_of(payment, client)
            refund = client.v1.refunds.create(
                params={
                    "payment_intent": intent,
                    "amount": to_minor_units(amount, payment.currency),
                    "metadata": metadata,
                },
                options={"idempotency_key": key},
            )
        except REFUSED_FOR_GOOD as error:
            message = getattr(error, "user_message", None) or str(error) or type(error).__name__
            raise RefundRefused(str(message)) from error
        except (stripe.StripeError, UnsupportedCurrency) as error:
            raise ProviderUnavailable(repr(error)) from error
        return refund_answer(refund)

    def charge_saved(self, order, attempt: int) -> ChargeOutcome:
        from .saved_cards import charge_saved_card

        return charge_saved_card(order, attempt, provider=self)

    def fetch(self, payment) -> PaymentFact | None:
        """The payment's Checkout Session, or a saved card's PaymentIntent, asked again."""
        from .saved_cards import intent_fact
        from .sync import session_fact

        key = str(payment.provider_id or "")
        try:
            if key.startswith("cs_"):
                return session_fact(self.client().v1.checkout.sessions.retrieve(key).to_dict())
            if key.startswith("pi_"):
                return intent_fact(self.client().v1.payment_intents.retrieve(key).to_dict())
        except stripe.StripeError as error:
            raise ProviderUnavailable(repr(error)) from error
        return None


#: How many of an order's attempts "Pay by card" and the return page ask Stripe about.
RECHECKED_ATTEMPTS = 3
#: Refusals of a refund that asking again cannot change: the reservation is released and
#: staff are told. Anything else (unreachable, rate limited, a 5xx) is asked again later.
REFUSED_FOR_GOOD = (stripe.InvalidRequestError, stripe.CardError, stripe.IdempotencyError)
#: Stripe's refund statuses that gave, or will give, nothing back.
FAILED_STATUSES = ("failed", "canceled")
#: Refund fields kept with a ``Refund`` row.
KEPT_REFUND_FIELDS = (
    "id",
    "amount",
    "currency",
    "status",
    "charge",
    "payment_intent",
    "reason",
    "failure_reason",
    "metadata",
)


def refund_state(status) -> str:
    """Our ``RefundState`` for a Stripe refund's ``status``: ``pending`` and
    ``requires_action`` (and anything new) are PENDING until Stripe says more."""
    if status == "succeeded":
        return RefundState.SUCCEEDED
    if status in FAILED_STATUSES:
        return RefundState.FAILED
    return RefundState.PENDING


def refund_answer(refund) -> RefundAnswer:
    """A Stripe refund object as the services read it."""
    data = refund.to_dict() if hasattr(refund, "to_dict") else dict(refund)
    raw = {key: data.get(key) for key in KEPT_REFUND_FIELDS if key in data}
    if isinstance(raw.get("charge"), dict):  # expanded
        raw["charge"] = raw["charge"].get("id")
    currency = str(data.get("currency") or "").upper()
    try:
        amount = from_minor_units(int(data.get("amount")), currency)
    except (TypeError, ValueError, UnsupportedCurrency):
        amount = None
    return RefundAnswer(
        provider_id=str(data.get("id") or ""),
        state=refund_state(data.get("status")),
        amount=amount,
        currency=currency,
        raw=raw,
    )


def id_of(value) -> str:
    """An id Stripe sent either as a string or as the expanded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("id") or "")
    found = getattr(value, "id", None)
    return found if isinstance(found, str) else ""


def payment_intent_of(payment: Payment, client) -> str:
    """What refunds ``payment``: its PaymentIntent, recorded when it was paid, else asked
    from Stripe (its Checkout Session's) and kept on the payment."""
    intent = payment.intent_id or (payment.raw or {}).get("payment_intent")
    if not intent and str(payment.provider_id).startswith("pi_"):
        intent = payment.provider_id
    if not intent:
        session = client.v1.checkout.sessions.retrieve(payment.provider_id)
        intent = id_of(session.payment_intent)
        if not intent:
            raise RefundRefused(_("Stripe has no card payment for this order to refund."))
        Payment.objects.filter(pk=payment.pk).update(intent_id=intent)
        payment.intent_id = intent
    return str(intent)


def sessions_of(payments):
    """Those of ``payments`` that are Checkout Sessions (a saved card's PaymentIntents are
    asked about by the renewals, not here)."""
    return payments.filter(provider_id__startswith="cs_")


def pending_payments(order):
    """The order's Checkout Sessions not over yet (open, or processing), oldest first."""
    return sessions_of(open_attempts(order, NAME)).reverse()


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
    metadata = {"order_reference": reference, "order_pk": str(order.pk)}
    intent_data = {"metadata": metadata}
    if customer:
        intent_data["setup_future_usage"] = "off_session"
    return {
        **({"customer": customer} if customer else {}),
        "payment_intent_data": intent_data,
        "mode": "payment",
        "line_items": line_items,
        "client_reference_id": reference,
        "metadata": metadata,
        "expires_at": int(expires_at.timestamp()),
        "success_url": request.build_absolute_uri(
            reverse("wagtail_passes:stripe_return", kwargs={"reference": reference})
        ),
        "cancel_url": order_page,
    }
