"""Charging the card a member saved for renewals, off-session (N1), and removing it.

``charge_saved_card`` is called by the renewals' daily job for a pending renewal order; it
never raises for what a card or Stripe can do, it answers a ``ChargeOutcome``:

- ``paid``: Stripe took the money and the order is paid (``services.orders.fulfil_order``,
  provider "stripe", provider id the PaymentIntent's), or it was paid already;
- ``declined``: the card was refused (or is no longer usable at Stripe);
- ``authentication_required``: the bank wants the member to authenticate (SCA);
- ``no_card``: the member has no saved card;
- ``unavailable``: Stripe is not configured or could not be reached, or the payment is
  still processing at Stripe: nothing was decided, a later attempt may go through.

One PaymentIntent per order and ``attempt`` (its idempotency key): the job run twice for
the same attempt charges once. Stripe's ``payment_intent.succeeded`` event for the same
PaymentIntent (``apply_intent``) finds the order paid and changes nothing. Declines and
retries, the member's emails and telling staff are the renewals' job, not this module's.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import stripe
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Order, OrderState, Payment, PaymentState
from ..rules.money import UnsupportedCurrency, from_minor_units, to_minor_units
from ..services import gateway
from ..services.gateway import ChargeOutcome, PaymentFact
from ..services.payment_state import receive_payment
from ..services.profiles import lock_profile, profile_of
from .stripe import NAME

logger = logging.getLogger("wagtail_passes.payments")

#: ``metadata["wagtail_passes"]`` of the PaymentIntents made here: the webhook acts only on
#: those (a Checkout Session's own PaymentIntent is paid through its session's events).
KIND = "saved_card"
PAID, DECLINED = gateway.CHARGE_PAID, gateway.CHARGE_DECLINED
AUTHENTICATION_REQUIRED = gateway.CHARGE_AUTHENTICATION_REQUIRED
NO_CARD, UNAVAILABLE = gateway.CHARGE_NO_CARD, gateway.CHARGE_UNAVAILABLE
STATUSES = (PAID, DECLINED, AUTHENTICATION_REQUIRED, NO_CARD, UNAVAILABLE)
#: Decline codes (Stripe's ``error.code``) that mean the bank wants the member present.
AUTHENTICATION_CODES = ("authentication_required",)
#: Parameters whose ``InvalidRequestError`` means the saved card is gone at Stripe.
CARD_PARAMETERS = ("payment_method", "customer")


def charge_key(order: Order, attempt: int) -> str:
    return f"wagtail_passes-order-{order.pk}-saved-card-{attempt}"


def _provider():
    from . import get_provider

    provider = get_provider(NAME)
    if provider is None:
        return None
    return provider if provider.is_available() else None


# ---- charging ---------------------------------------------------------------------------


def charge_saved_card(order: Order, attempt: int = 1, provider=None) -> ChargeOutcome:
    """Charge ``order``'s total to its member's saved card, off-session; see the module."""
    order = Order.objects.get(pk=order.pk)
    if order.state == OrderState.PAID:
        return ChargeOutcome(PAID, _("The order is paid already."), _paying_intent(order))
    if order.state != OrderState.PENDING:
        return ChargeOutcome(
            UNAVAILABLE, _("The order is not awaiting payment (%(state)s).") % _state(order)
        )
    profile = profile_of(order.member) if order.member_id else None
    if profile is None or not profile.has_saved_card:
        return ChargeOutcome(NO_CARD, _("The member has no saved card."))
    provider = provider or _provider()
    if provider is None:
        return ChargeOutcome(UNAVAILABLE, _("Card payments through Stripe are not set up."))
    client = provider.client()
    try:
        earlier = _earlier_intent(order, client)
        if earlier is not None:
            return earlier
        intent = client.v1.payment_intents.create(
            params=_intent_params(order, profile, attempt),
            options={"idempotency_key": charge_key(order, attempt)},
        )
    except stripe.CardError as error:
        return _declined(order, error)
    except stripe.InvalidRequestError as error:
        if getattr(error, "param", None) in CARD_PARAMETERS:
            return _declined(order, error)
        return _unavailable(order, error)
    except stripe.StripeError as error:  # unreachable, rate limited, wrong key...
        return _unavailable(order, error)
    except UnsupportedCurrency as error:
        return _unavailable(order, error)
    return _outcome(order, intent.to_dict())


def _state(order) -> dict:
    return {"state": order.get_state_display()}


def _intent_params(order: Order, profile, attempt: int) -> dict:
    return {
        "amount": to_minor_units(order.total, order.currency),  # A6
        "currency": order.currency.lower(),
        "customer": profile.stripe_customer_id,
        "payment_method": profile.payment_method_id,
        "payment_method_types": ["card"],
        "off_session": True,
        "confirm": True,
        "metadata": {
            "wagtail_passes": KIND,
            "order_reference": order.reference,
            "order_pk": str(order.pk),
            "attempt": str(attempt),
        },
    }


def _paying_intent(order: Order) -> str:
    payment = (
        Payment.objects.filter(order=order, provider=NAME, state=PaymentState.SUCCEEDED)
        .order_by("-pk")
        .first()
    )
    return payment.intent_id if payment else ""


def _earlier_intent(order: Order, client) -> ChargeOutcome | None:
    """A PaymentIntent of an earlier attempt that Stripe had not settled (``processing``):
    asked again before a new one is made, so a slow payment is never charged twice."""
    waiting = Payment.objects.filter(
        order=order,
        provider=NAME,
        state__in=[PaymentState.PENDING, PaymentState.PROCESSING],
        raw__kind=KIND,
    ).order_by("-pk")
    for payment in waiting:
        intent = client.v1.payment_intents.retrieve(payment.provider_id).to_dict()
        if intent.get("status") in ("succeeded", "processing"):
            return _outcome(order, intent)
        receive_payment(order, replace(intent_fact(intent), state=gateway.FAILED))
    return None


def _record_attempt(order: Order, intent_id: str, state: str, raw: dict) -> None:
    """The attempt in the order's payments, through the services (staff see it; a late
    success of the same PaymentIntent finds it)."""
    if not intent_id:
        return
    fact = PaymentFact(
        provider=NAME,
        key=intent_id,
        state=gateway.PROCESSING if state == PaymentState.PENDING else gateway.FAILED,
        amount=order.total,
        currency=order.currency,
        intent=intent_id,
        raw=raw,
    )
    receive_payment(order, fact)


def _raw(intent: dict) -> dict:
    error = intent.get("last_payment_error") or {}
    return {
        "kind": KIND,
        "payment_intent": intent.get("id"),
        "status": intent.get("status"),
        "amount": intent.get("amount"),
        "currency": intent.get("currency"),
        "attempt": (intent.get("metadata") or {}).get("attempt"),
        **({"error": error.get("code") or error.get("decline_code")} if error else {}),
    }


def _outcome(order: Order, intent: dict) -> ChargeOutcome:
    """What a created (or re-read) PaymentIntent means for the order."""
    intent_id, status = str(intent.get("id") or ""), intent.get("status")
    if status == "succeeded":
        return _paid(order, intent)
    if status == "processing":
        _record_attempt(order, intent_id, PaymentState.PENDING, _raw(intent))
        return ChargeOutcome(
            UNAVAILABLE,
            _("Stripe is still processing the payment; the order is paid once it succeeds."),
            intent_id,
        )
    _record_attempt(order, intent_id, PaymentState.FAILED, _raw(intent))
    code = (intent.get("last_payment_error") or {}).get("code")
    if status == "requires_action" or code in AUTHENTICATION_CODES:
        return ChargeOutcome(
            AUTHENTICATION_REQUIRED,
            _("The card's bank asks the member to confirm the payment."),
            intent_id,
        )
    return ChargeOutcome(
        DECLINED, _("The card was declined (%(status)s).") % {"status": code or status}, intent_id
    )


def _declined(order: Order, error: stripe.StripeError) -> ChargeOutcome:
    details = getattr(error, "error", None)
    intent = getattr(details, "payment_intent", None) if details is not None else None
    intent = intent.to_dict() if hasattr(intent, "to_dict") else (intent or {})
    intent_id = str(intent.get("id") or "")
    code = getattr(error, "code", None) or ""
    _record_attempt(
        order,
        intent_id,
        PaymentState.FAILED,
        {"kind": KIND, "payment_intent": intent_id, "status": intent.get("status"), "error": code},
    )
    logger.info("Saved card declined for order %s: %s", order.reference, code)
    if code in AUTHENTICATION_CODES or intent.get("status") == "requires_action":
        return ChargeOutcome(
            AUTHENTICATION_REQUIRED,
            _("The card's bank asks the member to confirm the payment."),
            intent_id,
        )
    reason = getattr(error, "user_message", None) or code or error.__class__.__name__
    return ChargeOutcome(
        DECLINED, _("The card was declined (%(status)s).") % {"status": reason}, intent_id
    )


def _unavailable(order: Order, error: Exception) -> ChargeOutcome:
    logger.warning("Charging the saved card for order %s failed: %r", order.reference, error)
    return ChargeOutcome(
        UNAVAILABLE,
        _("The card payment service could not be reached; nothing was charged."),
    )


def _paid(order: Order, intent: dict) -> ChargeOutcome:
    intent_id = str(intent["id"])
    try:
        outcome = apply_intent(intent)
    except stripe.StripeError as error:  # refunding a charge the order cannot take failed
        logger.error("Saved-card payment %s for order %s: %r", intent_id, order.reference, error)
        return ChargeOutcome(
            UNAVAILABLE,
            _("The card was charged; Stripe's confirmation settles the order later."),
            intent_id,
        )
    if outcome == "fulfilled" or outcome == "paid_already":
        return ChargeOutcome(PAID, _("The saved card was charged."), intent_id)
    # Charged, but the order could not take it (cancelled meanwhile, paid another way):
    # the money goes back automatically (C5) and the charge does not count as paid.
    return ChargeOutcome(
        UNAVAILABLE,
        _(
            "The card was charged but the order could not be paid (%(why)s): the payment "
            "goes back to the card."
        )
        % {"why": outcome},
        intent_id,
    )


# ---- paying the order -------------------------------------------------------------------


def order_for_intent(intent: dict) -> Order | None:
    """The order a PaymentIntent made here pays: by its metadata (reference and pk agree)."""
    metadata = intent.get("metadata") or {}
    reference, pk = metadata.get("order_reference"), str(metadata.get("order_pk") or "")
    if metadata.get("wagtail_passes") != KIND or not reference or not pk.isdigit():
        return None
    return Order.objects.filter(pk=int(pk), reference=reference).first()


def intent_fact(intent: dict) -> PaymentFact:
    """What a saved-card PaymentIntent, asked from Stripe, says of its payment."""
    currency = str(intent.get("currency") or "").upper()[:3]
    try:
        amount = from_minor_units(int(intent.get("amount_received") or intent["amount"]), currency)
    except (KeyError, TypeError, ValueError, UnsupportedCurrency):
        amount = None
    status = intent.get("status")
    state = {"succeeded": gateway.PAID, "processing": gateway.PROCESSING}.get(status, gateway.OPEN)
    if status in ("canceled", "requires_payment_method"):
        state = gateway.FAILED
    return PaymentFact(
        provider=NAME,
        key=str(intent.get("id") or ""),
        state=state,
        amount=amount,
        currency=currency,
        intent=str(intent.get("id") or ""),
        raw=_raw(intent),
    )


def apply_intent(intent: dict) -> str:
    """Apply a saved-card PaymentIntent to its order (the services decide, once, whoever
    comes first: ``charge_saved_card`` or the webhook). Answers as the webhook does
    (``sync.outcome_word``): fulfilled, paid_already, refunded, refund_needed, waiting,
    short, currency_mismatch, or unknown_intent."""
    from .sync import outcome_word

    order = order_for_intent(intent)
    if order is None:
        return "unknown_intent"
    if intent.get("status") != "succeeded":
        return "waiting"
    return outcome_word(receive_payment(order, intent_fact(intent)))


# ---- removing ---------------------------------------------------------------------------


def remove_saved_card(member, provider=None) -> bool:
    """Forget the member's saved card: detached from their Stripe Customer, then cleared on
    their profile. The card is forgotten here even when Stripe cannot detach it now (the
    member asked; nothing charges a card the profile no longer names); that is logged for
    staff to detach it in Stripe. True when a card was removed."""
    profile = profile_of(member)
    if profile is None or not profile.payment_method_id:
        return False
    method_id = profile.payment_method_id
    provider = provider or _provider()
    try:
        if provider is None:
            raise stripe.AuthenticationError("Stripe is not configured")
        provider.client().v1.payment_methods.detach(method_id)
    except stripe.InvalidRequestError as error:
        if getattr(error, "code", None) != "resource_missing":  # gone already: fine
            logger.error("Stripe kept card %s of member %s: %r", method_id, member.pk, error)
    except stripe.StripeError as error:
        logger.error(
            "Stripe could not detach card %s of member %s (detach it in Stripe): %r",
            method_id,
            member.pk,
            error,
        )
    with transaction.atomic():
        profile = lock_profile(member)
        if profile.payment_method_id != method_id:  # replaced meanwhile by a new checkout
            return False
        profile.payment_method_id = ""
        profile.card_brand = profile.card_last4 = ""
        profile.card_exp_month = profile.card_exp_year = None
        profile.save()
    return True
