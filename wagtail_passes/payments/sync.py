"""What a Checkout Session, as Stripe reports it when asked again, says about its payment.

Shared by the return page, "Pay by card" and the webhook: each re-fetches the session from
Stripe first and never acts on what a browser or a webhook payload says. The session
becomes a plain fact (``session_fact``) that the services decide on
(``services.payment_state.receive_payment``), under the order's lock, once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..models import Order, Payment
from ..rules.money import UnsupportedCurrency, from_minor_units
from ..services.gateway import FAILED, OPEN, PAID, PROCESSING, PaymentFact
from ..services.payment_state import Receipt, receive_payment
from .customers import Card, store_card
from .stripe import NAME, id_of

logger = logging.getLogger("wagtail_passes.payments")

#: Raw session fields kept on the payment (no customer details beyond what staff need).
KEPT_FIELDS = ("id", "status", "payment_status", "amount_total", "currency", "payment_intent")


@dataclass(frozen=True)
class Outcome:
    order: Order | None
    result: str  # see ``outcome_word``
    detail: str = ""
    receipt: Receipt | None = None


def outcome_word(receipt: Receipt) -> str:
    """One word for the webhook's answer and the event's record: fulfilled, paid_already
    (this payment was recorded already), waiting, failed, refunded (the money cannot stay
    and goes back), refund_needed (it cannot stay and staff give it back), short,
    currency_mismatch."""
    if receipt.result in ("overpaid", "not_honoured"):
        return "refunded" if receipt.refunds else "refund_needed"
    return {
        "known": "paid_already",
        "processing": "waiting",
        "currency": "currency_mismatch",
    }.get(receipt.result, receipt.result)


def order_for_session(session: dict) -> Order | None:
    """The order the session pays: by its recorded payment, else by the reference and pk
    the session carries (both must agree), e.g. when recording the attempt failed."""
    payment = Payment.objects.filter(provider=NAME, provider_id=session.get("id") or "-")
    found = payment.select_related("order").first()
    if found is not None:
        return found.order
    metadata = session.get("metadata") or {}
    reference, pk = session.get("client_reference_id"), metadata.get("order_pk")
    if reference and str(pk or "").isdigit() and metadata.get("order_reference") == reference:
        return Order.objects.filter(pk=int(pk), reference=reference).first()
    return None


def _raw(session: dict) -> dict:
    raw = {key: session.get(key) for key in KEPT_FIELDS if key in session}
    if "payment_intent" in raw:
        raw["payment_intent"] = id_of(raw["payment_intent"]) or None
    return raw


def session_fact(session: dict, *, failed: bool = False) -> PaymentFact:
    """What the session says of its payment. ``failed``: Stripe reported its
    (asynchronous) payment failed; a session that is paid is paid anyway."""
    status, paid = session.get("status"), session.get("payment_status")
    currency = str(session.get("currency") or "").upper()[:3]
    try:
        amount = from_minor_units(int(session.get("amount_total")), currency)
    except (TypeError, ValueError, UnsupportedCurrency):
        amount = None
    if status == "complete" and paid in ("paid", "no_payment_required"):
        state = PAID
    elif status == "expired" or failed:
        state = FAILED
    elif status == "complete":
        state = PROCESSING  # paid by a method that settles later (a bank debit)
    else:
        state = OPEN
    return PaymentFact(
        provider=NAME,
        key=str(session.get("id") or ""),
        state=state,
        amount=amount,
        currency=currency,
        intent=id_of(session.get("payment_intent")),
        raw={**_raw(session), **({"async_failure": True} if failed else {})},
    )


def apply_session(session: dict, *, failed: bool = False, card: Card | None = None) -> Outcome:
    """Apply what ``session`` says to its order. ``card``: the card the session saved for
    renewals (``customers.card_for_session``, asked from Stripe beforehand), kept on the
    member's profile once the order is paid by it."""
    order = order_for_session(session)
    if order is None:
        logger.warning("Stripe Checkout Session %s belongs to no order.", session.get("id"))
        return Outcome(None, "unknown_session")
    receipt = receive_payment(order, session_fact(session, failed=failed))
    word = outcome_word(receipt)
    if card is not None and word in ("fulfilled", "paid_already") and receipt.order_is_paid:
        store_card(receipt.order, session["id"], card)
    return Outcome(receipt.order, word, receipt.detail, receipt)
