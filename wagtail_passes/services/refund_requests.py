"""Refunds intent first (C4, C5): a refund through a payment provider is *requested* (rows
written and committed, reserving the amount), then asked of the provider once the
transaction has committed, with an idempotency key made from the request, and the
provider's answer recorded. See ``services.refunds`` for the rules of what may be refunded
and what a refund does, and docs/concepts/checkout.md ("Refunds: intent first").

- ``allocate``: the rows of a staff refund, out of the payments that still hold money;
- ``request_line_refund`` / ``request_payment_refund``: what the system gives back on its
  own (a line paid twice, a booking cancelled in time; money an order could not keep);
- ``send_request``: ask the provider (called once committed, and by the tidy job again);
- ``record_answer``, ``update_refund_state``, ``record_payment_refund``: what the provider
  answered or reported;
- ``send_waiting_requests``: the tidy job's part.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import CheckoutError
from ..models import IssueKind, Order, OrderLine, OrderState, Payment, Refund
from ..models.orders import RefundState
from ..rules.money import Money
from .gateway import MANUAL, ProviderUnavailable, RefundAnswer, RefundRefused, gateway
from .notifications import email_on_commit
from .orders import lock_order
from .refunds import (
    REQUEST_KEY_MAX_LENGTH,
    _apply,
    _paying,
    payment_kept,
    recorded,
    refundable,
    refunds_online,
)
from .staff_alerts import REFUND_FAILED, REFUND_NEEDED, resolve_issues, tell_staff

logger = logging.getLogger("wagtail_passes.payments")

#: A requested refund is sent again by the tidy job after this long without an answer
#: (the process asking may have died) ...
RESEND_AFTER = dt.timedelta(minutes=2)
#: ... but not once the provider's idempotency keys may have expired (Stripe: 24 hours):
#: then staff are asked to check it by hand.
#: ... but not once the provider's idempotency keys may have expired (Stripe: 24 hours):
#: then staff are asked to check it by hand.
RESEND_UNTIL = dt.timedelta(hours=23)
#: A refund the provider still reports pending after this long is shown to staff.
#: A refund the provider still reports pending after this long is shown to staff.
PENDING_TOO_LONG = dt.timedelta(days=10)


def allocate(order, plan, by, reason, key) -> list[Refund]:
    """One row per line and paying payment: each line's amount comes out of the payments
    that still hold money, latest first. Rows of a payment that refunds online are
    requested (one request per payment); the others are given back by hand already."""
    paying = _paying(order)
    room = {payment.pk: payment_kept(payment) for payment in paying}
    if sum(room.values(), Decimal(0)) < sum((amount for _l, amount in plan), Decimal(0)):
        raise CheckoutError(
            _("Only %(left)s of this order's money is left to refund.")
            % {"left": Money(sum(room.values(), Decimal(0)), order.currency)},
            code="refund_too_large",
        )
    recorded_by = by if getattr(by, "is_authenticated", False) else None
    rows = []
    for line, amount in plan:
        for payment in paying:
            share = min(room[payment.pk], amount)
            if share <= 0:
                continue
            room[payment.pk] -= share
            amount -= share
            online = refunds_online(payment.provider)
            rows.append(
                Refund.objects.create(
                    order=order,
                    line=line,
                    payment=payment,
                    provider=payment.provider if online else MANUAL,
                    amount=share,
                    currency=order.currency,
                    state=RefundState.REQUESTED if online else RefundState.SUCCEEDED,
                    reason=reason,
                    recorded_by=recorded_by,
                    request_key=f"{key}-{payment.pk}"[:REQUEST_KEY_MAX_LENGTH] if online else key,
                )
            )
            if amount <= 0:
                break
    return rows


def request_line_refund(order: Order, line: OrderLine, *, reason: str, by=None) -> list[Refund]:
    """The system gives back what is left of ``line`` (C6: an amount due paid twice, a
    booking cancelled in time). Called under the order's lock. Money taken online is
    requested from the provider; money taken by hand is for staff to give back: they are
    told. Returns the rows requested."""
    left = {row.line.pk: row for row in refundable(order)}
    amount = left[line.pk].left.amount
    if amount <= 0:
        return []
    paying = _paying(order)
    online = [payment for payment in paying if refunds_online(payment.provider)]
    if not online or sum(payment_kept(p) for p in online) < amount:
        tell_staff(
            order,
            REFUND_NEEDED,
            _(
                "Order %(reference)s: give %(amount)s for “%(title)s” back to the member by "
                "hand (%(reason)s), then record it with Refund."
            )
            % {
                "reference": order.reference,
                "amount": Money(amount, order.currency),
                "title": line.title,
                "reason": reason,
            },
            kind=IssueKind.REFUND_NEEDED,
            amount=amount,
            line=line.pk,
        )
        return []
    rows = allocate(order, [(line, amount)], by, reason, uuid.uuid4().hex)
    for key in {row.request_key for row in rows}:
        send_once_committed(key)
    return rows


def request_payment_refund(order: Order, payment: Payment, amount: Decimal, reason: str):
    """Money of ``payment`` the order cannot keep (paid twice, more than its total, for an
    order that cannot take it) goes back: a requested refund without a line, sent once
    the transaction commits. Called under the order's lock. None when the provider does
    not refund online (staff give it back by hand)."""
    amount = min(amount, payment_kept(payment))
    if amount <= 0 or not refunds_online(payment.provider):
        return None
    row = Refund.objects.create(
        order=order,
        payment=payment,
        provider=payment.provider,
        amount=amount,
        currency=payment.currency,
        state=RefundState.REQUESTED,
        reason=_("Refunded automatically: %(why)s.") % {"why": reason},
        request_key=uuid.uuid4().hex,
    )
    send_once_committed(row.request_key)
    return row


# ---- asking the provider (intent first) --------------------------------------------------


def send_once_committed(key: str) -> None:
    """Ask the provider once the reservation is committed; now, outside any transaction."""
    transaction.on_commit(lambda: send_request(key), robust=True)


def idempotency_key(request_key: str) -> str:
    return f"wagtail_passes-refund-{request_key}"


def send_request(key: str) -> str:
    """Ask the provider for the refund requested under ``key`` and record its answer.
    Returns what happened: ``sent`` (the provider answered; the rows took its state),
    ``refused`` (the provider refused: the reservation is released and staff are told),
    ``unavailable`` (the provider could not be asked: the rows stay requested and the tidy
    job asks again) or ``nothing`` (no requested row under ``key``)."""
    rows = list(
        Refund.objects.filter(request_key=key, state=RefundState.REQUESTED)
        .select_related("payment", "order", "line")
        .order_by("pk")
    )
    if not rows or rows[0].payment is None:
        return "nothing"
    order, payment = rows[0].order, rows[0].payment
    provider = gateway(payment.provider)
    amount = sum((row.amount for row in rows), Decimal(0))
    metadata = {
        "wagtail_passes_refund": key,
        "order_reference": order.reference,
        "order_pk": str(order.pk),
        "lines": ",".join(str(row.line_id) for row in rows if row.line_id),
    }
    try:
        if provider is None:
            raise ProviderUnavailable(f"no payment provider called {payment.provider!r}")
        answer = provider.refund(payment, amount, key=idempotency_key(key), metadata=metadata)
    except RefundRefused as refusal:
        _refused(order, key, refusal.message)
        return "refused"
    except ProviderUnavailable as error:
        logger.warning("Refund %s of order %s not sent yet: %s", key, order.reference, error)
        return "unavailable"
    record_answer(key, answer)
    return "sent"


def record_answer(key: str, answer: RefundAnswer) -> str:
    """The provider made the refund requested under ``key`` (``answer``): its rows take its
    id and state; what the refund does is done (pending or succeeded), or the reservation
    is released (failed). Safe to call again (a webhook reporting the same refund)."""
    with transaction.atomic():
        first = Refund.objects.filter(request_key=key).first()
        if first is None:
            return "unknown"
        order = lock_order(first.order_id)
        rows = list(
            Refund.objects.select_for_update()
            .filter(request_key=key, state=RefundState.REQUESTED)
            .order_by("pk")
        )
        if not rows:
            return "known"
        several = len(rows) > 1
        for row in rows:
            row.provider_id = (
                f"{answer.provider_id}#{row.line_id or 'p'}" if several else answer.provider_id
            )[:255]
            row.state = answer.state
            row.raw = {**(row.raw or {}), **(answer.raw or {})}
            row.save(update_fields=["provider_id", "state", "raw"])
        if answer.state == RefundState.FAILED:
            _failed(order, rows, str(answer.raw.get("failure_reason") or answer.state))
            return "failed"
        _after_confirmed(order, rows)
    return "recorded"


def _after_confirmed(order: Order, rows: list[Refund]) -> None:
    """What confirmed refund rows do: line refunds are applied, automatic ones emailed."""
    line_rows = [row for row in rows if row.line_id]
    if line_rows:
        by = line_rows[0].recorded_by
        _apply(order, line_rows, by, line_rows[0].reason, timezone.now(), check=False)
    for row in rows:
        if row.line_id is None:
            email_on_commit(
                "order_refunded",
                order.member,
                order=order,
                amount=str(row.amount),
                cancelled_passes=[],
                automatic=True,
                why=row.reason,
            )
        if row.state == RefundState.SUCCEEDED:
            resolve_issues(refund=row, resolution=_("Refunded"))


def _refused(order: Order, key: str, message: str) -> None:
    """The provider will not make the refund: the reservation is released (the rows fail),
    nothing else changed; staff are told."""
    with transaction.atomic():
        order = lock_order(order)
        rows = list(
            Refund.objects.select_for_update()
            .filter(request_key=key, state=RefundState.REQUESTED)
            .order_by("pk")
        )
        for row in rows:
            row.state = RefundState.FAILED
            row.raw = {**(row.raw or {}), "refused": str(message)[:500]}
            row.save(update_fields=["state", "raw"])
        if rows:
            _failed(order, rows, message, refused=True)


def _failed(order: Order, rows: list[Refund], why: str, *, refused: bool = False) -> None:
    amount = sum((row.amount for row in rows), Decimal(0))
    if refused:
        message = _(
            "The refund of %(amount)s for order %(reference)s was refused by the payment "
            "provider (%(why)s): nothing was refunded. Refund the member another way, or "
            "try again."
        )
    else:
        message = _(
            "The refund of %(amount)s for order %(reference)s failed at the payment provider "
            "(%(id)s: %(why)s): the money did not go back to the member. Passes cancelled "
            "for it stay cancelled; refund the member another way or again."
        )
    tell_staff(
        order,
        REFUND_FAILED,
        message
        % {
            "amount": Money(amount, order.currency),
            "reference": order.reference,
            "why": why,
            "id": rows[0].provider_id.split("#")[0] or "-",
        },
        kind=IssueKind.REFUND_FAILED,
        refund=rows[0],
        payment=rows[0].payment,
        amount=amount,
        refunds=[row.pk for row in rows],
        refund_id=rows[0].provider_id.split("#")[0],
    )
    if not refused and order.state == OrderState.REFUNDED and any(r.line_id for r in rows):
        # What failed can be refunded again.
        order.state = OrderState.PARTIALLY_REFUNDED
        order.save(update_fields=["state"])


def update_refund_state(provider: str, refund_id: str, answer: RefundAnswer) -> tuple:
    """A provider reports a change of one of its refunds (pending -> succeeded, or
    failed): our rows of it take the state. A failed row stays failed (a provider never
    revives a failed refund). Returns ``(order, outcome)``: ``refund_failed``,
    ``refund_updated``, ``refund_known`` (nothing changed), or ``(None, "unknown")``."""
    rows_of = Refund.objects.filter(
        Q(provider_id=refund_id) | Q(provider_id__startswith=f"{refund_id}#"), provider=provider
    )
    first = rows_of.first()
    if first is None:
        return None, "unknown"
    state = answer.state
    with transaction.atomic():
        order = lock_order(first.order_id)
        rows = [
            row
            for row in rows_of.select_for_update().order_by("pk")
            if row.state != state and row.state != RefundState.FAILED
        ]
        if not rows:
            return order, "refund_known"
        if state == RefundState.PENDING and all(row.state == RefundState.SUCCEEDED for row in rows):
            return order, "refund_known"  # a late event of an earlier state
        for row in rows:
            row.state = state
            row.raw = {**(row.raw or {}), **(answer.raw or {})}
            row.save(update_fields=["state", "raw"])
        if state == RefundState.FAILED:
            _failed(order, rows, str(answer.raw.get("failure_reason") or state))
            return order, "refund_failed"
        if state == RefundState.SUCCEEDED:
            for row in rows:
                resolve_issues(refund=row, resolution=_("Refunded"))
    return order, "refund_updated"


def record_payment_refund(order, payment: Payment, answer: RefundAnswer, reason: str) -> Refund:
    """A refund made at the provider (its dashboard) of money the order did not keep (paid
    twice, more than needed, short, for an order that could not take it; or more than its
    lines had left): recorded on the payment alone, once. A refund of the same payment
    requested here and not answered yet shrinks by what this one gave back beyond the
    payment (it is released when nothing is left of it), so what is given back, or being,
    never exceeds the payment."""
    with transaction.atomic():
        order = lock_order(order)
        if recorded(payment.provider, answer.provider_id):
            return Refund.objects.filter(provider_id=answer.provider_id).first()
        row = Refund.objects.create(
            order=order,
            payment=payment,
            provider=payment.provider,
            provider_id=answer.provider_id[:255],
            amount=answer.amount,
            currency=order.currency,
            state=answer.state,
            reason=reason,
            raw=answer.raw,
        )
        overflow = -payment_kept(payment)
        waiting = Refund.objects.select_for_update().filter(
            payment=payment, state=RefundState.REQUESTED
        )
        for request in waiting.order_by("-pk"):
            if overflow <= 0:
                break
            if request.amount <= overflow:
                overflow -= request.amount
                request.state = RefundState.FAILED
                request.raw = {**(request.raw or {}), "covered_by": answer.provider_id}
                request.save(update_fields=["state", "raw"])
                # What it was asked for went back in the dashboard: settled.
                resolve_issues(refund=request, resolution=_("Refunded in the provider's dashboard"))
            else:
                request.amount -= overflow
                request.save(update_fields=["amount"])
                overflow = Decimal(0)
    return row


def send_waiting_requests(now=None) -> dict:
    """For the tidy job: requested refunds nobody sent (the process asking died, the
    provider could not be reached) are sent again, with the same key, once they are a
    couple of minutes old; ones older than the provider keeps idempotency keys, and
    refunds the provider keeps pending too long, are shown to staff. Returns counts."""
    now = now or timezone.now()
    waiting = Refund.objects.filter(state=RefundState.REQUESTED)
    keys = (
        waiting.filter(created_at__lte=now - RESEND_AFTER, created_at__gt=now - RESEND_UNTIL)
        .order_by("request_key")
        .values_list("request_key", flat=True)
        .distinct()
    )
    outcomes = {"sent": 0, "refused": 0, "unavailable": 0, "stuck": 0}
    for key in list(keys):
        outcome = send_request(key)
        if outcome in outcomes:
            outcomes[outcome] += 1
    stuck = Refund.objects.filter(
        Q(state=RefundState.REQUESTED, created_at__lte=now - RESEND_UNTIL)
        | Q(state=RefundState.PENDING, created_at__lte=now - PENDING_TOO_LONG)
    ).exclude(issues__kind=IssueKind.REFUND_STUCK, issues__resolved_at__isnull=True)
    for row in stuck.select_related("order").order_by("pk"):
        with transaction.atomic():
            tell_staff(
                row.order,
                REFUND_FAILED,
                _(
                    "The refund of %(amount)s for order %(reference)s (%(state)s since "
                    "%(when)s) is not confirmed by the payment provider: check it there."
                )
                % {
                    "amount": Money(row.amount, row.currency),
                    "reference": row.order.reference,
                    "state": RefundState(row.state).label.lower(),
                    "when": row.created_at.date().isoformat(),
                },
                kind=IssueKind.REFUND_STUCK,
                refund=row,
                amount=row.amount,
            )
        outcomes["stuck"] += 1
    return outcomes
