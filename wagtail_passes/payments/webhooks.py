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
from .stripe import NAME, StripeProvider
from .sync import apply_session

#: Seconds a signed event stays acceptable (Stripe's own default): older ones are replays.
TOLERANCE = 300

COMPLETED = "checkout.session.completed"
SUCCEEDED = "checkout.session.async_payment_succeeded"
FAILED = "checkout.session.async_payment_failed"
EXPIRED = "checkout.session.expired"
HANDLED = (COMPLETED, SUCCEEDED, FAILED, EXPIRED)


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


def _session_id(event: dict) -> str:
    obj = (event.get("data") or {}).get("object") or {}
    session_id = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(session_id, str) or not session_id.startswith("cs_"):
        raise BadEvent("no Checkout Session in the event")
    return session_id


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
    session_id = _session_id(event)
    row = _record(event)
    if row.processed_at is not None:
        return "duplicate"
    provider = provider or StripeProvider()
    session = provider.client().v1.checkout.sessions.retrieve(session_id).to_dict()
    with transaction.atomic():
        row = PaymentEvent.objects.select_for_update().get(pk=row.pk)
        if row.processed_at is not None:
            return "duplicate"
        outcome = apply_session(session, failed=event["type"] == FAILED)
        row.order = outcome.order
        row.processed_at = timezone.now()
        row.payload = {
            **row.payload,
            "wagtail_passes": {"outcome": outcome.result, "detail": outcome.detail},
        }
        row.save(update_fields=["order", "processed_at", "payload"])
    return outcome.result
