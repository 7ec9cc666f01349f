"""Refunds through Stripe (C4, C5).

Three ways money goes back to a card, all ending in a ``Refund`` row per Stripe refund id
(``re_...``), recorded once whoever gets there first:

- **Staff refund** (``refund_with_stripe``, the admin's "Refund" of a card order): what is
  refundable is decided under the order's lock (``services.refunds.plan_refund``, nothing
  written); Stripe is asked to refund exactly that, outside any database lock, with an
  idempotency key that a double click repeats; then ``refund_order`` records it with the
  refund's id. Between Stripe's answer and the recording there is a window: if recording
  fails (the process dies, the database refuses), the money is back with the member and
  Stripe's ``charge.refunded`` webhook records it (``record_charge_refunds``) as it does a
  refund made in Stripe's dashboard. A Stripe error records nothing.
- **Refund made in Stripe** (the dashboard, or the staff refund above arriving again): the
  webhook re-fetches the charge's refunds and records each succeeded one not recorded yet
  (``refund_order`` with ``total``: spread over the lines in order).
- **Automatic refund** (``refund_payment_automatically``, C5): a card payment that arrives
  for an order that can no longer be honoured (it expired and its stock is gone, it was
  cancelled) is refunded whole. The order keeps its state (it was never paid); the refund
  is a ``Refund`` row on the payment, without a line, so it never counts as a refund of
  the order's lines.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import stripe
from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import CheckoutError
from ..models import Order, Payment, PaymentState, Refund
from ..models.orders import RefundState
from ..rules.money import UnsupportedCurrency, from_minor_units, to_minor_units
from ..services.notifications import email_on_commit
from ..services.refunds import RefundResult, plan_refund, refund_order
from .stripe import NAME, StripeProvider

logger = logging.getLogger("wagtail_passes.payments")

#: Refund fields kept with a ``Refund`` row.
KEPT_REFUND_FIELDS = ("id", "amount", "currency", "status", "charge", "payment_intent", "reason")


def stripe_payment(order) -> Payment | None:
    """The succeeded Stripe payment of ``order`` (the latest), or None."""
    return (
        Payment.objects.filter(order=order, provider=NAME, state=PaymentState.SUCCEEDED)
        .exclude(provider_id="")
        .order_by("-pk")
        .first()
    )


def payment_intent_of(payment: Payment, client) -> str:
    """The PaymentIntent of a paid Checkout Session: from the payment's raw data, else
    asked from Stripe (and kept on the payment)."""
    intent = (payment.raw or {}).get("payment_intent")
    if isinstance(intent, str) and intent:
        return intent
    session = client.v1.checkout.sessions.retrieve(payment.provider_id)
    intent = session.payment_intent
    if not isinstance(intent, str):  # expanded
        intent = getattr(intent, "id", None)
    if not intent:
        raise CheckoutError(
            _("Stripe has no card payment for this order to refund."), code="no_payment"
        )
    payment.raw = {**(payment.raw or {}), "payment_intent": intent}
    Payment.objects.filter(pk=payment.pk).update(raw=payment.raw)
    return intent


def refund_idempotency_key(order, plan, attempt: int) -> str:
    """The same order, lines, amounts and attempt always send the same key: a form posted
    twice refunds once at Stripe (and is recorded once, by the refund's id)."""
    parts = "-".join(f"{line.pk}x{to_minor_units(amount, order.currency)}" for line, amount in plan)
    return f"wagtail_passes-refund-{order.pk}-{attempt}-{parts}"


def _raw_refund(refund) -> dict:
    data = refund.to_dict() if hasattr(refund, "to_dict") else dict(refund)
    return {key: data.get(key) for key in KEPT_REFUND_FIELDS if key in data}


def refund_with_stripe(
    order, by, *, lines=None, amounts=None, reason: str = "", provider=None
) -> RefundResult:
    """C4: refund ``order`` (or some of its lines) to the member's card through Stripe, then
    record it. Refusals are ``CheckoutError`` (nothing refunded, nothing written); a Stripe
    error becomes ``CheckoutError`` with code ``provider_error`` (nothing recorded)."""
    order = order if isinstance(order, Order) else Order.objects.get(pk=order)
    plan = plan_refund(order, by, lines=lines, amounts=amounts)
    payment = stripe_payment(order)
    if payment is None:
        raise CheckoutError(
            _("This order has no card payment through Stripe to refund."), code="no_payment"
        )
    provider = provider or StripeProvider()
    if not provider.is_available():
        raise CheckoutError(
            _("Card payments through Stripe are not set up."), code="provider_error"
        )
    total = sum((amount for _line, amount in plan), Decimal(0))
    attempt = Refund.objects.filter(order=order, provider=NAME).count() + 1
    try:
        client = provider.client()
        intent = payment_intent_of(payment, client)
        refund = client.v1.refunds.create(
            params={
                "payment_intent": intent,
                "amount": to_minor_units(total, order.currency),
                "metadata": {
                    "order_reference": order.reference,
                    "order_pk": str(order.pk),
                    "lines": ",".join(str(line.pk) for line, _amount in plan),
                },
            },
            options={"idempotency_key": refund_idempotency_key(order, plan, attempt)},
        )
    except stripe.StripeError as error:
        logger.warning("Stripe refused a refund of order %s: %r", order.reference, error)
        message = getattr(error, "user_message", None) or str(error) or error.__class__.__name__
        raise CheckoutError(
            _("Stripe did not refund: %(error)s Nothing was recorded.") % {"error": message},
            code="provider_error",
        ) from error
    if refund.status in ("failed", "canceled"):
        raise CheckoutError(
            _("Stripe did not refund (%(status)s). Nothing was recorded.")
            % {"status": refund.status},
            code="provider_error",
        )
    try:
        return refund_order(
            order,
            by,
            lines=[line for line, _amount in plan],
            amounts={line: amount for line, amount in plan},
            reason=reason,
            provider=NAME,
            provider_id=refund.id,
            raw=_raw_refund(refund),
        )
    except CheckoutError as error:
        # The money went back; Stripe's charge.refunded webhook records it.
        logger.error(
            "Stripe refunded %s for order %s (%s) but recording it was refused (%s); the "
            "charge.refunded webhook records it.",
            total,
            order.reference,
            refund.id,
            error.code,
        )
        raise CheckoutError(
            _(
                "Stripe refunded %(amount)s (%(id)s), but it could not be recorded now "
                "(%(error)s). It is recorded when Stripe reports the refund."
            )
            % {"amount": total, "id": refund.id, "error": error.message},
            code="recorded_later",
        ) from error


# ---- refunds reported by Stripe's webhook -------------------------------------------------


def order_for_intent(intent: str) -> tuple[Order | None, Payment | None]:
    payment = (
        Payment.objects.filter(provider=NAME, raw__payment_intent=intent)
        .select_related("order")
        .order_by("-pk")
        .first()
    )
    return (payment.order, payment) if payment is not None else (None, None)


def record_charge_refunds(charge_id: str, client) -> tuple[Order | None, str]:
    """The charge's refunds, asked from Stripe, recorded on its order (each once). Returns
    the order (None: not ours) and what happened, for the event's record."""
    charge = client.v1.charges.retrieve(charge_id)
    intent = charge.payment_intent
    if not isinstance(intent, str):
        intent = getattr(intent, "id", None)
    order, _payment = order_for_intent(intent) if intent else (None, None)
    if order is None:
        logger.warning("Stripe charge %s (%s) belongs to no order.", charge_id, intent)
        return None, "unknown_charge"
    refunds = client.v1.refunds.list(params={"charge": charge_id, "limit": 100})
    recorded, refused = 0, []
    for refund in sorted(refunds.data, key=lambda refund: (refund.created or 0, refund.id)):
        if refund.status != "succeeded":
            continue  # pending: refund.updated (or charge.refunded again) brings it later
        currency = str(refund.currency or "").upper()
        try:
            amount = from_minor_units(int(refund.amount), currency)
        except (TypeError, ValueError, UnsupportedCurrency):
            amount = None
        if currency != order.currency or amount is None:
            logger.error(
                "Stripe refund %s of order %s is in %s, not %s: record it by hand.",
                refund.id,
                order.reference,
                currency,
                order.currency,
            )
            refused.append(refund.id)
            continue
        try:
            result = refund_order(
                order,
                None,
                total=amount,
                reason=_("Refunded in Stripe"),
                provider=NAME,
                provider_id=refund.id,
                raw=_raw_refund(refund),
            )
        except CheckoutError as error:
            logger.error(
                "Stripe refund %s of %s %s for order %s cannot be recorded (%s): %s Check "
                "the order.",
                refund.id,
                amount,
                currency,
                order.reference,
                error.code,
                error.message,
            )
            refused.append(refund.id)
            continue
        recorded += bool(result.refunded_now)
    if refused:
        return order, "refund_not_recorded"
    return order, "refund_recorded" if recorded else "refund_known"


# ---- C5: a payment that cannot pay its order ----------------------------------------------


def auto_refund_key(session_id: str) -> str:
    return f"wagtail_passes-autorefund-{session_id}"


def refund_payment_automatically(order: Order, payment: Payment, reason: str, provider=None):
    """C5: give back the whole of ``payment`` (a paid Checkout Session whose order cannot be
    honoured). Idempotent: one refund per session at Stripe (its idempotency key), one
    ``Refund`` row (by the refund's id). Returns the ``Refund`` row, or None when Stripe
    refused for good (logged for staff to refund by hand). ``stripe.StripeError`` for a
    failure worth retrying (Stripe unreachable): the webhook is delivered again."""
    if (payment.raw or {}).get("refunded_automatically"):
        return Refund.objects.filter(
            provider=NAME, provider_id=payment.raw["refunded_automatically"]
        ).first()
    provider = provider or StripeProvider()
    client = provider.client()
    try:
        intent = payment_intent_of(payment, client)
        refund = client.v1.refunds.create(
            params={
                "payment_intent": intent,
                "metadata": {
                    "order_reference": order.reference,
                    "order_pk": str(order.pk),
                    "reason": reason,
                },
            },
            options={"idempotency_key": auto_refund_key(payment.provider_id)},
        )
    except (stripe.InvalidRequestError, stripe.CardError, CheckoutError) as error:
        logger.error(
            "Stripe payment %s for order %s could not be refunded automatically (%r): "
            "refund it in Stripe.",
            payment.provider_id,
            order.reference,
            error,
        )
        return None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        row = Refund.objects.filter(provider=NAME, provider_id=refund.id).first()
        if row is None:
            currency = str(refund.currency or order.currency).upper()
            try:
                amount = from_minor_units(int(refund.amount), currency)
            except (TypeError, ValueError, UnsupportedCurrency):
                amount = payment.amount
            row = Refund.objects.create(
                order=order,
                payment=payment,
                provider=NAME,
                provider_id=refund.id,
                amount=amount,
                currency=currency if currency == order.currency else order.currency,
                state=(
                    RefundState.SUCCEEDED if refund.status == "succeeded" else RefundState.PENDING
                ),
                reason=_("Refunded automatically: the order could not be honoured (%(why)s).")
                % {"why": reason},
                raw=_raw_refund(refund),
            )
            email_on_commit(
                "order_refunded",
                order.member,
                order=order,
                amount=str(amount),
                cancelled_passes=[],
                automatic=True,
            )
        payment.raw = {**(payment.raw or {}), "refunded_automatically": refund.id}
        payment.save(update_fields=["raw"])
    logger.error(
        "Stripe payment %s for order %s could not be honoured (%s) and was refunded "
        "automatically (%s).",
        payment.provider_id,
        order.reference,
        reason,
        refund.id,
    )
    return row
