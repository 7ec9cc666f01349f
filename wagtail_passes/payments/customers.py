"""Saving the member's card at Stripe Checkout for renewals (N1).

An order with a line the member chose to renew automatically (``OrderLine.auto_renew``)
is paid through a Checkout Session made for the member's Stripe Customer, with
``setup_future_usage="off_session"``: Stripe then keeps the card on that customer. When the
session is paid (the webhook or the return page, whichever comes first), the card's
PaymentMethod and its brand, last four digits and expiry are stored on the member's
``MemberProfile``, once per payment (``Payment.raw["card_saved"]``), so a late or repeated
event never puts back a card the member has removed since.

Stripe is asked before any row is locked; the profile is locked only to write it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction

from ..models import Order, Payment
from ..services.profiles import lock_profile, profile_of

logger = logging.getLogger("wagtail_passes.payments")

NAME = "stripe"  # payments.stripe.NAME; not imported, stripe.py imports this module


@dataclass(frozen=True)
class Card:
    """A PaymentMethod of type card, as the member's profile keeps it."""

    customer: str
    payment_method: str
    brand: str = ""
    last4: str = ""
    exp_month: int | None = None
    exp_year: int | None = None


def wants_saved_card(order: Order) -> bool:
    """Whether paying ``order`` should save the card: a line of it renews automatically."""
    return order.member_id is not None and order.lines.filter(auto_renew=True).exists()


def customer_key(member) -> str:
    """One key per member: two checkouts started at once make one Stripe Customer (within
    Stripe's 24 hours of idempotency; the profile keeps it after that)."""
    return f"wagtail_passes-customer-{member.pk}"


def ensure_customer(member, client, *, key: str = "") -> str:
    """The member's Stripe Customer id, created at Stripe and stored on their profile the
    first time. ``stripe.StripeError`` when Stripe refuses or cannot be reached."""
    profile = profile_of(member)
    if profile is not None and profile.stripe_customer_id:
        return profile.stripe_customer_id
    customer = client.v1.customers.create(
        params={
            "email": member.email or "",
            "name": (member.get_full_name() or member.get_username())[:250],
            "metadata": {"wagtail_passes_member": str(member.pk)},
        },
        options={"idempotency_key": key or customer_key(member)},
    )
    with transaction.atomic():
        profile = lock_profile(member)
        if not profile.stripe_customer_id:  # else another request stored one first: keep it
            profile.stripe_customer_id = customer.id
            profile.save(update_fields=["stripe_customer_id", "updated_at"])
    return profile.stripe_customer_id


def replace_customer(member, client, *, stale: str) -> str:
    """The member's Customer ``stale`` is gone at Stripe: forget it, and the card saved on
    it, then make a new one (under another idempotency key, or Stripe would answer with the
    deleted one again)."""
    with transaction.atomic():
        profile = lock_profile(member)
        if profile.stripe_customer_id == stale:  # else another request replaced it already
            profile.stripe_customer_id = ""
            profile.payment_method_id = ""
            profile.card_brand = profile.card_last4 = ""
            profile.card_exp_month = profile.card_exp_year = None
            profile.save()
    logger.warning("Stripe customer %s of member %s is gone: making a new one", stale, member.pk)
    return ensure_customer(member, client, key=f"{customer_key(member)}-after-{stale}")


def _id(value) -> str:
    """An id Stripe sent either as a string or as an expanded object."""
    if isinstance(value, str):
        return value
    return getattr(value, "id", None) or (value.get("id") if isinstance(value, dict) else "") or ""


def card_of_payment_method(customer: str, method) -> Card:
    card = method.card if getattr(method, "card", None) is not None else None
    return Card(
        customer=customer,
        payment_method=method.id,
        brand=str(getattr(card, "brand", "") or "")[:30],
        last4=str(getattr(card, "last4", "") or "")[-4:],
        exp_month=getattr(card, "exp_month", None),
        exp_year=getattr(card, "exp_year", None),
    )


def card_for_session(session: dict, order: Order | None, client) -> Card | None:
    """The card a paid Checkout Session saved, asked from Stripe, when ``order`` wanted one
    saved; else None. ``stripe.StripeError`` when Stripe cannot be asked."""
    if order is None or not (
        session.get("status") == "complete" and session.get("payment_status") == "paid"
    ):
        return None
    intent_id = _id(session.get("payment_intent"))
    if not intent_id or not wants_saved_card(order):
        return None
    if Payment.objects.filter(
        provider=NAME, provider_id=session.get("id") or "-", raw__has_key="card_saved"
    ).exists():
        return None  # stored already for this payment: nothing to ask Stripe
    intent = client.v1.payment_intents.retrieve(intent_id)
    method_id, customer = _id(intent.payment_method), _id(intent.customer)
    customer = customer or _id(session.get("customer"))
    if not method_id or not customer:
        logger.warning("Stripe payment %s saved no card for order %s.", intent_id, order.pk)
        return None
    method = client.v1.payment_methods.retrieve(method_id)
    return card_of_payment_method(customer, method)


def store_card(order: Order, payment_id: str, card: Card) -> bool:
    """Keep ``card`` as the member's card for renewals, once for the payment ``payment_id``
    (the Checkout Session). True when it was stored by this call."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(order=order, provider=NAME, provider_id=payment_id)
            .first()
        )
        if payment is None or "card_saved" in (payment.raw or {}):
            return False
        profile = lock_profile(order.member)
        profile.stripe_customer_id = card.customer
        profile.payment_method_id = card.payment_method
        profile.card_brand = card.brand
        profile.card_last4 = card.last4
        profile.card_exp_month = card.exp_month
        profile.card_exp_year = card.exp_year
        profile.save()
        payment.raw = {**(payment.raw or {}), "card_saved": card.payment_method}
        payment.save(update_fields=["raw"])
    return True
