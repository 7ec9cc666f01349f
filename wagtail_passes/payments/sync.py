"""What a Checkout Session, as Stripe reports it when asked again, does to its order.

Shared by the return page and the webhook: both re-fetch the session from Stripe first and
never act on what a browser or a webhook payload says. Paying is ``fulfil_order``: it locks
the order and pays it once (C3), whoever gets there first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..audit import log_action
from ..exceptions import CheckoutError
from ..models import Order, Payment, PaymentState
from ..models.orders import RefundState
from ..rules.money import Money, UnsupportedCurrency, from_minor_units
from ..services.notifications import email_on_commit
from ..services.orders import fulfil_order
from .customers import Card, store_card
from .staff import PAYMENT_FAILED
from .stripe import NAME

logger = logging.getLogger("wagtail_passes.payments")

#: Raw session fields kept on the payment (no customer details beyond what staff need).
KEPT_FIELDS = ("id", "status", "payment_status", "amount_total", "currency", "payment_intent")
#: Refusals of a paid session's fulfilment: the money must go back.
REFUSED_AFTER_PAYING = ("stock_gone", "code_gone", "order_cancelled", "product_gone")


@dataclass(frozen=True)
class Outcome:
    order: Order | None
    result: str  # fulfilled, paid_already, waiting, failed, refunded, refund_needed,
    # unknown_session
    detail: str = ""


def order_for_session(session: dict) -> Order | None:
    """The order the session pays: by its recorded payment, else by the reference and pk
    the session carries (both must agree), e.g. when recording the payment failed."""
    payment = Payment.objects.filter(provider=NAME, provider_id=session.get("id") or "-")
    found = payment.select_related("order").first()
    if found is not None:
        return found.order
    metadata = session.get("metadata") or {}
    reference, pk = session.get("client_reference_id"), metadata.get("order_pk")
    if reference and str(pk or "").isdigit() and metadata.get("order_reference") == reference:
        return Order.objects.filter(pk=int(pk), reference=reference).first()
    return None


def apply_session(session: dict, *, failed: bool = False, card: Card | None = None) -> Outcome:
    """Pay, wait or fail ``session``'s order by what the session says. ``failed``: Stripe
    reported the (asynchronous) payment failed; a session that is paid is paid anyway.
    ``card``: the card the session saved for renewals (``customers.card_for_session``,
    asked from Stripe beforehand), kept on the member's profile once the order is paid."""
    order = order_for_session(session)
    if order is None:
        logger.warning("Stripe Checkout Session %s belongs to no order.", session.get("id"))
        return Outcome(None, "unknown_session")
    if session.get("status") == "complete" and session.get("payment_status") == "paid":
        outcome = _pay(order, session)
        if card is not None and outcome.result in ("fulfilled", "paid_already"):
            store_card(order, session["id"], card)
        return outcome
    if session.get("status") == "expired" or failed:
        _mark_failed(order, session)
        return Outcome(order, "failed")
    return Outcome(order, "waiting")  # open, or paid by a method that settles later


def _raw(session: dict) -> dict:
    return {key: session.get(key) for key in KEPT_FIELDS if key in session}


def _pay(order: Order, session: dict) -> Outcome:
    currency = str(session.get("currency") or "").upper()
    try:
        amount = from_minor_units(int(session.get("amount_total")), currency)
    except (TypeError, ValueError, UnsupportedCurrency):
        amount = None
    if currency != order.currency or amount is None:
        return _refund_needed(order, session, "currency_mismatch")
    if amount != order.total:
        logger.error(
            "Stripe charged %s %s for order %s of %s %s.",
            amount,
            currency,
            order.reference,
            order.total,
            order.currency,
        )
    try:
        order = fulfil_order(
            order, provider=NAME, provider_id=session["id"], amount=amount, raw=_raw(session)
        )
    except CheckoutError as error:
        if error.code in REFUSED_AFTER_PAYING:
            return _refund_needed(order, session, error.code)
        raise
    return Outcome(order, "fulfilled" if order.fulfilled_now else "paid_already")


def _mark_failed(order: Order, session: dict) -> None:
    """The attempt failed or expired; the order stays pending until its own hold ends (C5)."""
    updated = Payment.objects.filter(
        order=order, provider=NAME, provider_id=session["id"], state=PaymentState.PENDING
    ).update(state=PaymentState.FAILED)
    if (
        not updated
        and not Payment.objects.filter(provider=NAME, provider_id=session["id"]).exists()
    ):
        Payment.objects.create(
            order=order,
            provider=NAME,
            provider_id=session["id"],
            amount=order.total,
            currency=order.currency,
            state=PaymentState.FAILED,
            raw=_raw(session),
        )


def _refund_needed(order: Order, session: dict, reason: str) -> Outcome:
    """Money arrived that cannot pay the order (it expired and its stock went, it was
    cancelled): recorded on the payment and refunded automatically through Stripe (C5);
    when Stripe refuses for good (or the refund fails), the payment stays marked
    ``refund_needed`` and staff are told (``staff.tell_staff``) to refund it by hand."""
    raw = {**_raw(session), "refund_needed": reason}
    payment, _created = Payment.objects.get_or_create(
        provider=NAME,
        provider_id=session["id"],
        defaults={"order": order, "amount": order.total, "currency": order.currency},
    )
    payment.state = PaymentState.SUCCEEDED
    payment.raw = {**payment.raw, **raw}
    payment.save(update_fields=["state", "raw"])
    logger.error(
        "Stripe payment %s for order %s cannot be fulfilled (%s): refunding it.",
        session.get("payment_intent") or session["id"],
        order.reference,
        reason,
    )
    # C5: the whole payment goes back (its own module says how); the order keeps its state.
    from .refunds import refund_payment_automatically

    row = refund_payment_automatically(order, payment, reason)
    if row is not None and row.state != RefundState.FAILED:
        return Outcome(order, "refunded", reason)
    return Outcome(order, "refund_needed", reason)


def payment_failed(order: Order, session: dict) -> None:
    """C5: Stripe reported that the payment of ``session`` (a slow method, a bank debit)
    failed. The order stays pending until its own hold ends; the order's history records
    it, and the member, while the order still waits for payment, is emailed with the link
    to their order, where they can pay again. Called once per event (the webhook's events
    are processed once)."""
    log_action(
        order,
        PAYMENT_FAILED,
        None,
        _(
            "Order %(reference)s: the payment of %(amount)s through Stripe did not go "
            "through (%(id)s)."
        )
        % {
            "reference": order.reference,
            "amount": Money(order.total, order.currency),
            "id": session.get("id"),
        },
        session=session.get("id"),
    )
    if order.is_pending:
        email_on_commit("order_payment_failed", order.member, order=order)
