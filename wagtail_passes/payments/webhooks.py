"""Stripe's webhook: verify the signature, record the event once, re-fetch its session from
Stripe, act under the order's lock (DESIGN "Payments"). Modelled on dj-stripe (verify, store,
dedupe) and pretix (re-fetch before acting)."""

from __future__ import annotations

import json

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..conf import passes_settings
from ..models import PaymentEvent
from .customers import card_for_session
from .refunds import apply_refund, record_charge_refunds
from .saved_cards import KIND as SAVED_CARD
from .saved_cards import apply_intent, order_for_intent
from .stripe import NAME, StripeProvider
from .sync import apply_session, order_for_session

#: Seconds a signed event stays acceptable (Stripe's own default): older ones are replays.
TOLERANCE = 300

COMPLETED = "checkout.session.completed"
SUCCEEDED = "checkout.session.async_payment_succeeded"
FAILED = "checkout.session.async_payment_failed"
EXPIRED = "checkout.session.expired"
SESSION_EVENTS = (COMPLETED, SUCCEEDED, FAILED, EXPIRED)
#: A refund made in Stripe (its dashboard, or our own staff refund reported back): the
#: charge's refunds are asked from Stripe and each one not recorded yet is recorded once.
CHARGE_REFUNDED = "charge.refunded"
#: A refund created or changed (pending -> succeeded, or failed): the refund is asked from
#: Stripe and our rows of it take its state (``refunds.apply_refund``).
REFUND_OBJECT_EVENTS = (
    "refund.created",
    "refund.updated",
    "refund.failed",
    "charge.refund.updated",
)
REFUND_EVENTS = (CHARGE_REFUNDED, *REFUND_OBJECT_EVENTS)
#: A saved card charged off-session for a renewal (N1, ``saved_cards``): the PaymentIntent
#: is asked from Stripe and pays its order once, if ``charge_saved_card`` did not already.
#: PaymentIntents of Checkout Sessions are paid through their session's events instead.
INTENT_SUCCEEDED = "payment_intent.succeeded"
HANDLED = SESSION_EVENTS + REFUND_EVENTS + (INTENT_SUCCEEDED,)


class BadEvent(Exception):
    """Not signed with our secret, too old, or not an event at all: answered 400."""


def verify(payload: bytes, signature: str) -> dict:
    """The event in ``payload`` once its ``Stripe-Signature`` is proven ours and fresh."""
    if not signature:
        raise BadEvent("no Stripe-Signature header")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature, passes_settings.STRIPE_WEBHOOK_SECRET, tolerance=TOLERANCE
        )
        event = json.loads(text)
    except (UnicodeDecodeError, ValueError, stripe.SignatureVerificationError) as error:
        raise BadEvent(str(error)) from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise BadEvent("not an event")
    return event


def _object_id(event: dict) -> str:
    """The id Stripe is asked about again: the Checkout Session, the refunded charge or
    the refund."""
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        raise BadEvent("no object in the event")
    if event["type"] in SESSION_EVENTS:
        found, prefixes = obj.get("id"), ("cs_",)
    elif event["type"] == CHARGE_REFUNDED:
        found, prefixes = obj.get("id"), ("ch_",)
    elif event["type"] == INTENT_SUCCEEDED:
        found, prefixes = obj.get("id"), ("pi_",)
    else:  # a refund object: re_..., or pyr_... for some payment methods
        found, prefixes = obj.get("id"), ("re_", "pyr_")
    if not isinstance(found, str) or not found.startswith(prefixes):
        raise BadEvent("no Checkout Session, PaymentIntent, charge or refund in the event")
    return found


def _made_here(event: dict) -> bool:
    """Whether the event's PaymentIntent says it charged a saved card here. Only used to
    skip the others: the one acted on is asked from Stripe again."""
    metadata = event["data"]["object"].get("metadata") or {}
    return isinstance(metadata, dict) and metadata.get("wagtail_passes") == SAVED_CARD


def _record(event: dict) -> PaymentEvent:
    try:
        with transaction.atomic():
            row, _created = PaymentEvent.objects.get_or_create(
                provider=NAME,
                event_id=event["id"][:255],
                defaults={"event_type": str(event.get("type"))[:100], "payload": event},
            )
    except IntegrityError:  # the same event delivered twice at once: the other one won
        row = PaymentEvent.objects.get(provider=NAME, event_id=event["id"][:255])
    return row


def handle(event: dict, provider: StripeProvider | None = None) -> str:
    """Process a verified event once; what happened, for the log and the tests: ignored,
    duplicate, or the outcome of its session. ``stripe.StripeError`` when Stripe cannot be
    asked: the event stays unprocessed and Stripe delivers it again later."""
    if event.get("type") not in HANDLED:
        return "ignored"
    object_id = _object_id(event)
    if event["type"] == INTENT_SUCCEEDED and not _made_here(event):
        return "ignored"  # a Checkout Session's own PaymentIntent: its session's events pay
    row = _record(event)
    if row.processed_at is not None:
        return "duplicate"
    provider = provider or StripeProvider()
    client = provider.client()
    session = card = intent = None
    if event["type"] in SESSION_EVENTS:
        session = client.v1.checkout.sessions.retrieve(object_id).to_dict()
        if event["type"] in (COMPLETED, SUCCEEDED):  # N1: the card it saved, if wanted
            card = card_for_session(session, order_for_session(session), client)
    elif event["type"] == INTENT_SUCCEEDED:
        intent = client.v1.payment_intents.retrieve(object_id).to_dict()
    with transaction.atomic():
        row = PaymentEvent.objects.select_for_update().get(pk=row.pk)
        if row.processed_at is not None:
            return "duplicate"
        if session is not None:
            outcome = apply_session(session, failed=event["type"] == FAILED, card=card)
            order, result, detail = outcome.order, outcome.result, outcome.detail
        elif intent is not None:
            order, result, detail = order_for_intent(intent), apply_intent(intent), object_id
        elif event["type"] == CHARGE_REFUNDED:
            order, result = record_charge_refunds(object_id, client)
            detail = object_id
        else:
            order, result = apply_refund(object_id, client)
            detail = object_id
        row.order = order
        row.processed_at = timezone.now()
        row.payload = {
            **row.payload,
            "wagtail_passes": {"outcome": result, "detail": detail},
        }
        row.save(update_fields=["order", "processed_at", "payload"])
    return result
