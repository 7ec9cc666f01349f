"""Refunds through Stripe (C4, C5): what Stripe's webhook reports about them.

How a refund is made is the services' business (``services.refunds``: a refund is
requested, committed, then asked of Stripe with an idempotency key made from the request,
``StripeProvider.refund``). This module records what Stripe reports, each refund once,
whatever arrives first:

- a refund we asked for carries its request's key (``metadata["wagtail_passes_refund"]``):
  its rows take Stripe's id and state (``services.refund_requests.record_answer``), even when the
  process that asked died before recording the answer;
- a refund made in Stripe's dashboard is recorded on its order: spread over the lines of
  the payment that paid the order (``services.refunds.refund_order`` with ``total``), or,
  for money the order did not keep (paid twice, more than needed), on that payment alone;
- a change of state (``refund.updated``: pending -> succeeded, or failed) updates our rows
  (``services.refund_requests.update_refund_state``);
- **a refund reported before its payment** (``charge.refunded`` for a payment whose
  ``checkout.session.completed`` has not arrived yet): the payment is asked from Stripe
  first and applied, then the refund; so events about one payment reach the same end
  whatever their order.
"""

from __future__ import annotations

import logging

import stripe
from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import CheckoutError
from ..models import IssueKind, Order, Payment, PaymentState, Refund
from ..models.orders import RefundState
from ..rules.money import Money
from ..services import refund_requests
from ..services import refunds as refund_service
from ..services.lock_waits import BUSY
from ..services.refunds import RefundResult
from ..services.staff_alerts import REFUND_NEEDED, tell_staff
from .stripe import NAME, id_of, refund_answer, refund_state
from .sync import apply_session

logger = logging.getLogger("wagtail_passes.payments")

METADATA_KEY = "wagtail_passes_refund"

__all__ = [
    "RefundResult",
    "apply_refund",
    "payment_of_intent",
    "record_charge_refunds",
    "refund_state",
    "refund_with_stripe",
    "stripe_payment",
]


def stripe_payment(order) -> Payment | None:
    """The succeeded Stripe payment of ``order`` (the latest), or None."""
    return (
        Payment.objects.filter(order=order, provider=NAME, state=PaymentState.SUCCEEDED)
        .exclude(provider_id="")
        .order_by("-pk")
        .first()
    )


def refund_with_stripe(order, by, *, lines=None, amounts=None, reason="", request_key=""):
    """C4: staff refund ``order`` (or some of its lines) to the member's card through
    Stripe: ``services.refunds.refund``, which requests it, then (once committed) asks
    Stripe; the result says what Stripe answered. Kept for host code written against the
    earlier API."""
    result = refund_service.refund(
        order, by, lines=lines, amounts=amounts, reason=reason, request_key=request_key
    )
    return result.refreshed() if result.refunds else result


# ---- what the webhook reports ------------------------------------------------------------


def payment_of_intent(intent: str, client) -> Payment | None:
    """Our payment whose PaymentIntent is ``intent``; when none is recorded as paid yet
    (its refund came first), the payment is asked from Stripe and applied first."""
    found = _recorded_payment(intent)
    if found is not None and found.state == PaymentState.SUCCEEDED:
        return found
    sessions = client.v1.checkout.sessions.list(params={"payment_intent": intent, "limit": 1})
    for session in sessions.data:
        apply_session(session.to_dict())
    if not sessions.data:
        from .saved_cards import apply_intent

        try:
            found = client.v1.payment_intents.retrieve(intent).to_dict()
        except stripe.InvalidRequestError:  # not a PaymentIntent of this account: not ours
            return None
        apply_intent(found)
    return _recorded_payment(intent)


def _recorded_payment(intent: str) -> Payment | None:
    return (
        Payment.objects.filter(provider=NAME, intent_id=intent)
        .select_related("order")
        .order_by("-pk")
        .first()
    )


def record_charge_refunds(charge_id: str, client) -> tuple[Order | None, str]:
    """The charge's refunds, asked from Stripe, recorded on its order (each once), and the
    state of those recorded already brought up to date. Returns the order (None: not ours)
    and what happened, for the event's record."""
    charge = client.v1.charges.retrieve(charge_id)
    intent = id_of(charge.payment_intent)
    payment = payment_of_intent(intent, client) if intent else None
    if payment is None:
        logger.warning("Stripe charge %s (%s) belongs to no order.", charge_id, intent)
        return None, "unknown_charge"
    order = payment.order
    refunds = client.v1.refunds.list(params={"charge": charge_id, "limit": 100})
    recorded, updated, refused = 0, 0, []
    for refund in sorted(refunds.data, key=lambda refund: (refund.created or 0, refund.id)):
        outcome = _record_one(order, payment, refund)
        recorded += outcome == "recorded"
        updated += outcome == "updated"
        if outcome == "refused":
            refused.append(refund.id)
    if refused:
        return order, "refund_not_recorded"
    if recorded:
        return order, "refund_recorded"
    return order, "refund_updated" if updated else "refund_known"


def _record_one(order: Order, payment: Payment, refund) -> str:
    answer = refund_answer(refund)
    if refund_service.recorded(NAME, answer.provider_id):
        _order, outcome = refund_requests.update_refund_state(NAME, answer.provider_id, answer)
        return "known" if outcome == "refund_known" else "updated"
    key = str((answer.raw.get("metadata") or {}).get(METADATA_KEY) or "")
    if key and Refund.objects.filter(request_key=key).exists():
        return "recorded" if refund_requests.record_answer(key, answer) == "recorded" else "known"
    if answer.state == RefundState.FAILED:
        return "known"  # made in the dashboard and failed: it gave nothing back
    return "recorded" if _record_dashboard_refund(order, payment, answer) else "refused"


def _record_dashboard_refund(order: Order, payment: Payment, answer) -> bool:
    """A refund made in Stripe's dashboard: on the order's lines when it gives back money
    that paid them, else on the payment alone (money the order did not keep, or more than
    the lines have left: staff are told). False, and staff are told, when it cannot be
    recorded at all (another currency)."""
    if answer.amount is None or answer.currency != order.currency:
        tell_staff(
            order,
            REFUND_NEEDED,
            _(
                "Stripe refund %(id)s of order %(reference)s is in %(currency)s, not in the "
                "order's currency: record it by hand."
            )
            % {
                "id": answer.provider_id,
                "reference": order.reference,
                "currency": answer.currency or "?",
            },
            kind=IssueKind.REFUND_NEEDED,
            payment=payment,
            refund_id=answer.provider_id,
        )
        return False
    if payment.problem:
        return _record_on_payment(order, payment, answer)
    try:
        with transaction.atomic():
            refund_service.refund_order(
                order,
                None,
                total=answer.amount,
                reason=_("Refunded in Stripe"),
                provider=NAME,
                provider_id=answer.provider_id,
                raw=answer.raw,
                state=answer.state,
                payment=payment,  # the payment whose charge Stripe refunded
            )
    except CheckoutError as error:
        if error.code == BUSY:  # not a refusal: the webhook answers 503, Stripe sends it again
            raise
        # More than the lines have left (their money is refunded, or being refunded,
        # already; a dispute): the money went back all the same, so it is recorded on the
        # payment (a refund of it still waiting shrinks), and staff check the order.
        _record_on_payment(order, payment, answer)
        tell_staff(
            order,
            REFUND_NEEDED,
            _(
                "Stripe refunded %(amount)s of order %(reference)s (%(id)s), more than its "
                "lines had left to refund (%(error)s): recorded on the payment. Check the "
                "order."
            )
            % {
                "amount": Money(answer.amount, answer.currency),
                "reference": order.reference,
                "id": answer.provider_id,
                "error": error.message,
            },
            kind=IssueKind.REFUND_NEEDED,
            payment=payment,
            amount=answer.amount,
            refund_id=answer.provider_id,
            code=error.code,
        )
    return True


def _record_on_payment(order: Order, payment: Payment, answer) -> bool:
    """A dashboard refund of money the order did not keep (paid twice, short, for an order
    that cannot take it): a refund of the payment, without a line."""
    refund_requests.record_payment_refund(order, payment, answer, _("Refunded in Stripe"))
    return True


def apply_refund(refund_id: str, client) -> tuple[Order | None, str]:
    """A refund Stripe reports (``refund.created`` / ``refund.updated`` /
    ``charge.refund.updated`` / ``refund.failed``), asked from Stripe again: the rows of it
    we have take its state; a refund we have no row of is recorded with the rest of its
    charge's refunds."""
    refund = client.v1.refunds.retrieve(refund_id)
    answer = refund_answer(refund)
    if refund_service.recorded(NAME, answer.provider_id):
        order, outcome = refund_requests.update_refund_state(NAME, answer.provider_id, answer)
        return order, outcome
    charge = id_of(refund.charge)
    if not charge:
        logger.warning("Stripe refund %s has no charge: not ours.", refund.id)
        return None, "unknown_refund"
    return record_charge_refunds(charge, client)

