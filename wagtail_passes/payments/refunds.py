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
  webhook re-fetches the charge's refunds and records each one not recorded yet that gives
  money back, pending or succeeded (``refund_order`` with ``total``: spread over the lines
  in order).
- **Automatic refund** (``refund_payment_automatically``, C5): a card payment that arrives
  for an order that can no longer be honoured (it expired and its stock is gone, it was
  cancelled) is refunded whole. The order keeps its state (it was never paid); the refund
  is a ``Refund`` row on the payment, without a line, so it never counts as a refund of
  the order's lines.

**States.** A ``Refund`` row keeps the state of Stripe's refund object: ``pending`` (and
``requires_action``) is PENDING, ``succeeded`` SUCCEEDED, ``failed`` and ``canceled`` FAILED.
Stripe reports a change with ``refund.updated`` (``charge.refund.updated``, ``refund.failed``);
the webhook re-fetches the refund and ``apply_refund`` updates every row of it. A pending
refund counts as given back (the line cannot be refunded twice); a refund that fails no
longer does. When it fails, the passes cancelled for it stay cancelled and the stock stays
released: staff are told (``staff.tell_staff``) and decide with the member (refund again,
by card or by hand, or issue a new pass). An order "refunded" in full becomes "partially
refunded", so the admin's Refund is offered for what is left again.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import stripe
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ..exceptions import CheckoutError
from ..models import Order, OrderState, Payment, PaymentState, Refund
from ..models.orders import RefundState
from ..rules.money import Money, UnsupportedCurrency, from_minor_units, to_minor_units
from ..services.notifications import email_on_commit
from ..services.orders import lock_order
from ..services.refunds import RefundResult, plan_refund, refund_order
from .staff import REFUND_FAILED, REFUND_NEEDED, tell_staff
from .stripe import NAME, StripeProvider

logger = logging.getLogger("wagtail_passes.payments")

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
)
#: Stripe's refund statuses that gave, or will give, nothing back.
FAILED_STATUSES = ("failed", "canceled")
#: Refusals of a refund that asking again cannot change: staff are told, the webhook is
#: answered 200. Anything else from Stripe (unreachable, rate limited, a 5xx) is raised so
#: the webhook answers 503 and Stripe delivers the event again later.
REFUSED_FOR_GOOD = (stripe.InvalidRequestError, stripe.CardError, stripe.IdempotencyError)


def refund_state(status) -> str:
    """Our ``RefundState`` for a Stripe refund's ``status``: ``pending`` and
    ``requires_action`` (and anything new) are PENDING until Stripe says more."""
    if status == "succeeded":
        return RefundState.SUCCEEDED
    if status in FAILED_STATUSES:
        return RefundState.FAILED
    return RefundState.PENDING


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
    raw = {key: data.get(key) for key in KEPT_REFUND_FIELDS if key in data}
    if isinstance(raw.get("charge"), dict):  # expanded
        raw["charge"] = raw["charge"].get("id")
    return raw


def _id_of(value) -> str | None:
    """An id Stripe sent as such or as the expanded object."""
    if isinstance(value, str):
        return value
    found = getattr(value, "id", None)
    return found if isinstance(found, str) else None


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
    if refund.status in FAILED_STATUSES:
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
            state=refund_state(refund.status),
        )
    except CheckoutError as error:
        # The money went back (or is on its way); Stripe's charge.refunded webhook records it.
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


def _rows_of(refund_id: str):
    """Our rows of one Stripe refund: its id, or one row per line of it (``re_...#<line>``)."""
    return Refund.objects.filter(
        Q(provider_id=refund_id) | Q(provider_id__startswith=f"{refund_id}#"), provider=NAME
    )


def record_charge_refunds(charge_id: str, client) -> tuple[Order | None, str]:
    """The charge's refunds, asked from Stripe, recorded on its order (each once) and the
    state of those recorded already brought up to date. Returns the order (None: not
    ours) and what happened, for the event's record."""
    charge = client.v1.charges.retrieve(charge_id)
    intent = _id_of(charge.payment_intent)
    order, _payment = order_for_intent(intent) if intent else (None, None)
    if order is None:
        logger.warning("Stripe charge %s (%s) belongs to no order.", charge_id, intent)
        return None, "unknown_charge"
    refunds = client.v1.refunds.list(params={"charge": charge_id, "limit": 100})
    recorded, updated, refused = 0, 0, []
    for refund in sorted(refunds.data, key=lambda refund: (refund.created or 0, refund.id)):
        if _rows_of(refund.id).exists():
            updated += _apply_state(order, refund) != "refund_known"
            continue
        state = refund_state(refund.status)
        if state == RefundState.FAILED:
            continue  # it gave nothing back: nothing to record
        if not _record_refund(order, refund, state):
            refused.append(refund.id)
            continue
        recorded += 1
    if refused:
        return order, "refund_not_recorded"
    if recorded:
        return order, "refund_recorded"
    return order, "refund_updated" if updated else "refund_known"


def _record_refund(order: Order, refund, state: str) -> bool:
    """Record a refund made in Stripe (its dashboard) on ``order``'s lines; False, and
    staff are told, when it cannot be."""
    currency = str(refund.currency or "").upper()
    try:
        amount = from_minor_units(int(refund.amount), currency)
    except (TypeError, ValueError, UnsupportedCurrency):
        amount = None
    if currency != order.currency or amount is None:
        tell_staff(
            order,
            REFUND_NEEDED,
            _(
                "Stripe refund %(id)s of order %(reference)s is in %(currency)s, not in the "
                "order's currency: record it by hand."
            )
            % {"id": refund.id, "reference": order.reference, "currency": currency or "?"},
            refund=refund.id,
        )
        return False
    try:
        with transaction.atomic():
            refund_order(
                order,
                None,
                total=amount,
                reason=_("Refunded in Stripe"),
                provider=NAME,
                provider_id=refund.id,
                raw=_raw_refund(refund),
                state=state,
            )
    except CheckoutError as error:
        tell_staff(
            order,
            REFUND_NEEDED,
            _(
                "Stripe refunded %(amount)s of order %(reference)s (%(id)s), but it cannot be "
                "recorded: %(error)s Check the order."
            )
            % {
                "amount": Money(amount, currency),
                "reference": order.reference,
                "id": refund.id,
                "error": error.message,
            },
            refund=refund.id,
            code=error.code,
        )
        return False
    return True


def apply_refund(refund_id: str, client) -> tuple[Order | None, str]:
    """A refund Stripe reports (``refund.created`` / ``refund.updated`` /
    ``charge.refund.updated`` / ``refund.failed``), asked from Stripe again: the rows of it
    we have take its state; a refund we have no row of is recorded with the rest of its
    charge's refunds (made in Stripe's dashboard)."""
    refund = client.v1.refunds.retrieve(refund_id)
    row = _rows_of(refund.id).select_related("order").first()
    if row is not None:
        return row.order, _apply_state(row.order, refund)
    charge = _id_of(refund.charge)
    if not charge:
        logger.warning("Stripe refund %s has no charge: not ours.", refund.id)
        return None, "unknown_refund"
    return record_charge_refunds(charge, client)


def _apply_state(order: Order, refund) -> str:
    """Bring our rows of ``refund`` to its state at Stripe. A FAILED row stays failed (Stripe
    never revives a failed refund). Returns ``refund_failed``, ``refund_updated`` or
    ``refund_known`` (nothing changed)."""
    state = refund_state(refund.status)
    with transaction.atomic():
        order = lock_order(order)
        rows = [
            row
            for row in _rows_of(refund.id).select_for_update().order_by("pk")
            if row.state != state and row.state != RefundState.FAILED
        ]
        if not rows:
            return "refund_known"
        if state == RefundState.PENDING and all(row.state == RefundState.SUCCEEDED for row in rows):
            return "refund_known"  # a late event of an earlier state: Stripe asked later
        raw = _raw_refund(refund)
        for row in rows:
            row.state = state
            row.raw = {**(row.raw or {}), **raw}
            row.save(update_fields=["state", "raw"])
        if state == RefundState.FAILED:
            _refund_failed(order, refund, rows)
            return "refund_failed"
    return "refund_updated"


def _refund_failed(order: Order, refund, rows) -> None:
    """A refund recorded as pending or succeeded failed at Stripe: the money is still ours.
    What it cancelled stays cancelled; an order refunded in full is partly refunded now, so
    what failed can be refunded again; staff are told."""
    if order.state == OrderState.REFUNDED and any(row.line_id for row in rows):
        order.state = OrderState.PARTIALLY_REFUNDED
        order.save(update_fields=["state"])
    amount = sum((row.amount for row in rows), Decimal(0))
    reason = str(getattr(refund, "failure_reason", None) or refund.status)
    tell_staff(
        order,
        REFUND_FAILED,
        _(
            "Stripe's refund %(id)s of %(amount)s for order %(reference)s failed (%(reason)s): "
            "the money did not go back to the member. Passes cancelled for it stay cancelled; "
            "refund the member another way or again."
        )
        % {
            "id": refund.id,
            "amount": Money(amount, order.currency),
            "reference": order.reference,
            "reason": reason,
        },
        refund=refund.id,
        refunds=[row.pk for row in rows],
        amount=str(amount),
    )


# ---- C5: a payment that cannot pay its order ----------------------------------------------


def auto_refund_key(session_id: str) -> str:
    return f"wagtail_passes-autorefund-{session_id}"


def refund_payment_automatically(order: Order, payment: Payment, reason: str, provider=None):
    """C5: give back the whole of ``payment`` (a paid Checkout Session whose order cannot be
    honoured). Idempotent: one refund per session at Stripe (its idempotency key), one
    ``Refund`` row (by the refund's id). Returns the ``Refund`` row, or None when Stripe
    refused for good (staff are told, to refund it by hand). ``stripe.StripeError`` for a
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
    except (*REFUSED_FOR_GOOD, CheckoutError) as error:
        message = getattr(error, "user_message", None) or getattr(error, "message", None)
        tell_staff(
            order,
            REFUND_NEEDED,
            _(
                "A card payment of %(amount)s for order %(reference)s (%(payment)s) could not "
                "be honoured (%(why)s) and Stripe refused to refund it automatically "
                "(%(error)s): refund it in Stripe."
            )
            % {
                "amount": Money(payment.amount, payment.currency),
                "reference": order.reference,
                "payment": payment.provider_id,
                "why": reason,
                "error": str(message or error.__class__.__name__),
            },
            payment=payment.pk,
            why=reason,
        )
        return None
    state = refund_state(refund.status)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        row = _rows_of(refund.id).first()
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
                state=state,
                reason=_("Refunded automatically: the order could not be honoured (%(why)s).")
                % {"why": reason},
                raw=_raw_refund(refund),
            )
            if state == RefundState.FAILED:
                _refund_failed(order, refund, [row])
            else:
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
        "automatically (%s, %s).",
        payment.provider_id,
        order.reference,
        reason,
        refund.id,
        refund.status,
    )
    return row
