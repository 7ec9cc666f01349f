"""The payment state machine: what money that arrives does to its order (C2, C3, C5, A6).

Providers (``wagtail_passes.payments``) report plain facts (``gateway.PaymentFact``: "this
payment of this order is paid, X in C" / "processing" / "failed"), always asked again from
the provider, never taken from a browser or a webhook's payload; the return page, the
webhook and a saved-card charge all call ``receive_payment``. It decides under the order's
row lock, so whatever arrives twice, late or out of order ends in the same state:

- a payment already recorded as succeeded changes nothing (C3: fulfilled once);
- money in another currency, or an amount that cannot be read, is kept on the order as
  received, pays nothing, and staff are told (A6);
- money for an order that is paid already (the member paid twice, staff marked it paid
  and the card was then charged), cancelled, or that can no longer be honoured (its stock
  went, its discount code was used up meanwhile, its product is gone) goes back: a refund
  is requested for it at once (see below) and staff are told;
- money that, with what was received before, covers the order's total pays it (its passes
  are issued, C3); anything beyond the total goes back;
- less than the total keeps the order awaiting payment; staff are told, the order page
  says so, and the money goes back if the order is cancelled or expires unpaid.

**Refunds are intent first** (``services.refunds``): the ``Refund`` row is written as
*requested* in the same transaction as the decision, reserving the amount; only once that
transaction has committed is the provider asked (with an idempotency key made from the
row), and its answer recorded. If the process dies in between, the tidy job asks again
with the same key (``refund_requests.send_waiting_requests``), and the provider's own refund
report finds the row by that key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..exceptions import CheckoutError
from ..models import (
    IssueKind,
    Order,
    OrderState,
    Payment,
    PaymentProblem,
    PaymentState,
    Refund,
)
from ..models.orders import PAID_STATES, RefundState
from ..rules.money import Money
from .gateway import FAILED, OPEN, PAID, PROCESSING, PaymentFact, ProviderUnavailable, gateway
from .notifications import email_on_commit
from .orders import lock_order, settle_locked
from .refund_requests import request_payment_refund
from .refunds import COUNTED_REFUND_STATES, payment_kept
from .staff_alerts import MONEY_PROBLEM, PAYMENT_FAILED, tell_staff

#: Refusals of fulfilment that mean the money must go back (the order cannot take it).
NOT_HONOURED = ("stock_gone", "order_cancelled", "product_gone", "code_gone")


@dataclass
class Receipt:
    """What ``receive_payment`` did with one fact.

    ``result``: ``fulfilled`` (this payment paid the order), ``known`` (recorded already:
    nothing changed), ``overpaid`` (the order was paid already or this was more than
    needed: the extra goes back), ``not_honoured`` (the order cannot take it: it goes
    back), ``short`` (less than the total: the order still waits), ``currency`` (not in
    the order's currency), ``processing``, ``waiting`` or ``failed``.
    """

    order: Order
    result: str
    payment: Payment | None = None
    detail: str = ""
    refunds: list[Refund] = field(default_factory=list)

    @property
    def order_is_paid(self) -> bool:
        return self.order.state in PAID_STATES


# ---- reading ---------------------------------------------------------------------------


def money_kept(order: Order) -> Decimal:
    """What was received for ``order`` in its currency, less what was refunded or is being
    refunded of it (one payment's: ``refunds.payment_kept``)."""
    payments = Payment.objects.filter(
        order=order, state=PaymentState.SUCCEEDED, currency=order.currency
    )
    refunds = Refund.objects.filter(
        order=order, state__in=COUNTED_REFUND_STATES, currency=order.currency
    )
    received = payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    given_back = refunds.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return received - given_back


def open_attempts(order: Order, provider: str | None = None):
    """The attempts at paying ``order`` (of ``provider``, or of any) that are not over (the
    member may still pay, or has paid and the bank has not confirmed), latest first."""
    attempts = Payment.objects.filter(
        order=order, state__in=[PaymentState.PENDING, PaymentState.PROCESSING]
    ).exclude(provider_id="")
    if provider is not None:
        attempts = attempts.filter(provider=provider)
    return attempts.order_by("-pk")


# ---- recording -------------------------------------------------------------------------


def record_attempt(order, *, provider: str, key: str, amount: Decimal, raw: dict) -> Payment:
    """An attempt at paying ``order`` started at the provider (a Checkout Session): a
    pending payment, recorded once by its key whoever records it first."""
    payment, _created = Payment.objects.get_or_create(
        provider=provider,
        provider_id=key,
        defaults={
            "order": order,
            "amount": amount,
            "currency": order.currency,
            "state": PaymentState.PENDING,
            "raw": raw,
        },
    )
    return payment


def _payment_for(order: Order, fact: PaymentFact, by) -> Payment:
    """The row of the payment ``fact`` is about (found by its key, else made)."""
    found = None
    if fact.key:
        found = (
            Payment.objects.select_for_update()
            .filter(provider=fact.provider, provider_id=fact.key)
            .first()
        )
    if found is None:
        found = Payment(
            order=order,
            provider=fact.provider,
            provider_id=fact.key,
            amount=order.total,
            currency=order.currency,
            state=PaymentState.PENDING,
            recorded_by=by if getattr(by, "is_authenticated", False) else None,
        )
    return found


def _keep_fact(payment: Payment, fact: PaymentFact, state: str) -> None:
    payment.state = state
    if fact.amount is not None:
        payment.amount = fact.amount
    if fact.currency:
        payment.currency = fact.currency
    if fact.intent:
        payment.intent_id = fact.intent
    payment.raw = {**(payment.raw or {}), **(fact.raw or {})}
    payment.save()


# ---- deciding --------------------------------------------------------------------------


def receive_payment(order, fact: PaymentFact, *, by=None, now=None) -> Receipt:
    """Apply one payment fact to ``order``, under its row lock; see the module."""
    now = now or timezone.now()
    with transaction.atomic():
        order = lock_order(order)
        payment = _payment_for(order, fact, by)
        if payment.pk is not None and payment.order_id != order.pk:
            raise CheckoutError(
                _("This payment belongs to another order."), code="wrong_order"
            )  # a provider bug or a forged fact: never move money between orders
        if payment.state == PaymentState.SUCCEEDED:
            return Receipt(order, "known", payment)
        if fact.state == PAID:
            return _paid(order, payment, fact, by, now)
        if fact.state == PROCESSING:
            if payment.state == PaymentState.FAILED and payment.pk is not None:
                return Receipt(order, "failed", payment)  # a failed debit stays failed
            if payment.state != PaymentState.PROCESSING:
                _keep_fact(payment, fact, PaymentState.PROCESSING)
            return Receipt(order, "processing", payment)
        if fact.state == FAILED:
            return _failed(order, payment, fact)
        if fact.state == OPEN and payment.pk is None:
            _keep_fact(payment, fact, PaymentState.PENDING)
        return Receipt(order, "waiting", payment)


def _failed(order: Order, payment: Payment, fact: PaymentFact) -> Receipt:
    """The attempt is over without money (expired unpaid, or a slow payment failed); the
    order keeps waiting until its own hold ends (C5). A payment that had been processing
    (a bank debit) failing is told to the member, once, with the link to pay again."""
    was_processing = payment.state == PaymentState.PROCESSING
    if payment.state != PaymentState.FAILED:
        _keep_fact(payment, fact, PaymentState.FAILED)
    if was_processing or fact.raw.get("async_failure"):
        log_action(
            order,
            PAYMENT_FAILED,
            None,
            _(
                "Order %(reference)s: the payment of %(amount)s through %(provider)s did not go "
                "through (%(id)s)."
            )
            % {
                "reference": order.reference,
                "amount": Money(payment.amount, payment.currency),
                "provider": payment.provider,
                "id": payment.provider_id,
            },
            payment=payment.provider_id,
        )
        if order.is_pending:
            email_on_commit("order_payment_failed", order.member, order=order)
    return Receipt(order, "failed", payment)


def _paid(order: Order, payment: Payment, fact: PaymentFact, by, now) -> Receipt:
    readable = fact.amount is not None and fact.currency == order.currency
    if fact.amount is None:  # never count an amount nobody could read
        fact = replace(fact, amount=Decimal(0))
    _keep_fact(payment, fact, PaymentState.SUCCEEDED)
    if not readable:
        return _currency_problem(order, payment, fact)
    if order.state in PAID_STATES:
        return _give_back(order, payment, payment.amount, PaymentProblem.OVERPAID, "paid_twice")
    if order.state == OrderState.CANCELLED:
        return _give_back(
            order, payment, payment.amount, PaymentProblem.NOT_HONOURED, "order_cancelled"
        )
    kept = money_kept(order)
    if kept < order.total:
        return _short(order, payment, kept)
    try:
        with transaction.atomic():  # a refusal undoes what settling wrote
            settle_locked(order, provider=payment.provider, by=by, now=now, amount=order.total)
    except CheckoutError as refusal:
        if refusal.code not in NOT_HONOURED:
            raise
        order.refresh_from_db()
        return _give_back_everything(order, refusal.code)
    receipt = Receipt(order, "fulfilled", payment)
    receipt.refunds += give_back_unneeded_lines(order)
    extra = kept - order.total
    if extra > 0:
        over = _give_back(order, payment, extra, PaymentProblem.OVERPAID, "more_than_total")
        receipt.refunds += over.refunds
    return receipt


# ---- what goes back --------------------------------------------------------------------


def _problem_words(code: str) -> str:
    return {
        "paid_twice": _("the order was paid already"),
        "more_than_total": _("more than the order's total arrived"),
        "order_cancelled": _("the order was cancelled"),
        "stock_gone": _("the order's hold ran out and its product sold out since"),
        "code_gone": _("the order's hold ran out and its discount code was used up since"),
        "product_gone": _("a product of the order no longer exists"),
        "order_closed": _("the order was closed unpaid"),
    }.get(code, code)


def _give_back(order, payment, amount: Decimal, problem: str, code: str) -> Receipt:
    """Part or all of ``payment`` cannot stay: a refund is requested, staff are told."""
    payment.problem = problem
    payment.save(update_fields=["problem"])
    reason = _problem_words(code)
    refund = request_payment_refund(order, payment, amount, reason)
    kind = IssueKind.OVERPAID if problem == PaymentProblem.OVERPAID else IssueKind.NOT_HONOURED
    how = (
        _("it is being refunded automatically")
        if refund is not None
        else _("refund it to the member by hand")
    )
    tell_staff(
        order,
        MONEY_PROBLEM,
        _(
            "Order %(reference)s: %(amount)s received through %(provider)s (%(id)s) cannot "
            "stay, because %(why)s; %(how)s."
        )
        % {
            "reference": order.reference,
            "amount": Money(amount, order.currency),
            "provider": payment.provider,
            "id": payment.provider_id or "-",
            "why": reason,
            "how": how,
        },
        kind=kind if refund is not None else IssueKind.REFUND_NEEDED,
        payment=payment,
        refund=refund,
        amount=amount,
        code=code,
    )
    result = "overpaid" if problem == PaymentProblem.OVERPAID else "not_honoured"
    return Receipt(order, result, payment, code, [refund] if refund is not None else [])


def _give_back_everything(order: Order, code: str) -> Receipt:
    """The order can never be paid: every payment's kept money goes back."""
    receipt = Receipt(order, "not_honoured", None, code)
    paying = Payment.objects.filter(
        order=order, state=PaymentState.SUCCEEDED, currency=order.currency
    ).order_by("pk")
    for payment in paying:
        kept = payment_kept(payment)
        if kept > 0:
            given = _give_back(order, payment, kept, PaymentProblem.NOT_HONOURED, code)
            receipt.payment = payment
            receipt.refunds += given.refunds
    return receipt


def give_back_when_closed(order: Order) -> list[Refund]:
    """C5: ``order`` (locked) was cancelled or expired unpaid; money it kept (a payment
    short of its total) goes back."""
    return _give_back_everything(order, "order_closed").refunds


def give_back_unneeded_lines(order: Order) -> list[Refund]:
    """C6: lines the paid order marked ``refund_needed`` (their booking was paid another way
    or cancelled before this payment arrived) go back on their own: requested from the
    provider that took the money, or, taken by hand, staff are told."""
    from .refund_requests import request_line_refund

    requested = []
    for line in order.lines.filter(refund_needed=True).order_by("pk"):
        if Refund.objects.filter(line=line, state__in=COUNTED_REFUND_STATES).exists():
            continue
        requested += request_line_refund(
            order,
            line,
            reason=_("“%(title)s” was paid another way or cancelled before this payment")
            % {"title": line.title},
        )
    return requested


def _short(order: Order, payment: Payment, kept: Decimal) -> Receipt:
    payment.problem = PaymentProblem.SHORT
    payment.save(update_fields=["problem"])
    tell_staff(
        order,
        MONEY_PROBLEM,
        _(
            "Order %(reference)s: %(amount)s received through %(provider)s (%(id)s), "
            "%(kept)s in all, less than its total of %(total)s. It stays awaiting payment; "
            "the money goes back if it is cancelled or expires."
        )
        % {
            "reference": order.reference,
            "amount": Money(payment.amount, order.currency),
            "provider": payment.provider,
            "id": payment.provider_id or "-",
            "kept": Money(kept, order.currency),
            "total": order.total_money,
        },
        kind=IssueKind.SHORT,
        payment=payment,
        amount=payment.amount,
    )
    return Receipt(order, "short", payment)


def _currency_problem(order: Order, payment: Payment, fact: PaymentFact) -> Receipt:
    payment.problem = PaymentProblem.CURRENCY
    payment.save(update_fields=["problem"])
    tell_staff(
        order,
        MONEY_PROBLEM,
        _(
            "Order %(reference)s: a payment through %(provider)s (%(id)s) arrived in "
            "%(currency)s, not in the order's %(order_currency)s (%(raw)s). It pays nothing; "
            "the order stays awaiting payment. Refund it in the provider's dashboard."
        )
        % {
            "reference": order.reference,
            "provider": payment.provider,
            "id": payment.provider_id or "-",
            "currency": fact.currency or "?",
            "order_currency": order.currency,
            "raw": fact.raw.get("amount_total", fact.raw.get("amount", "?")),
        },
        kind=IssueKind.CURRENCY,
        payment=payment,
    )
    return Receipt(order, "currency", payment)


# ---- asking again -----------------------------------------------------------------------


def ask_about_open_attempts(order) -> list[Receipt]:
    """C3, C5: before an order's hold is let go, every attempt at paying it that is not over
    is asked of its provider again (a webhook may have been lost and the member may have
    closed the browser): a payment made meanwhile pays the order instead of letting it
    expire. A provider that cannot be asked now is skipped (its webhook still counts)."""
    receipts = []
    for payment in open_attempts(order):
        provider = gateway(payment.provider)
        if provider is None or not provider.is_available() or not hasattr(provider, "fetch"):
            continue  # not set up now, or a host's provider written before ``fetch``
        try:
            fact = provider.fetch(payment)
        except ProviderUnavailable:
            continue
        if fact is not None and fact.state != OPEN:
            receipts.append(receive_payment(order, fact))
    return receipts


# ---- what the member reads ---------------------------------------------------------------


def payment_processing(order: Order, payments=None) -> Payment | None:
    """A payment of ``order`` the member finished but their bank has not confirmed (a bank
    debit): paying again would pay twice. ``payments``: the order's payments, when read."""
    if payments is None:
        payments = Payment.objects.filter(order=order, state=PaymentState.PROCESSING)
    found = [p for p in payments if p.state == PaymentState.PROCESSING]
    return max(found, key=lambda p: p.pk) if found else None


def payment_notices(order: Order, payments=None) -> list[str]:
    """What the order page tells the member about money that did not simply pay the order,
    from the payments and refunds as they are (one sentence each). One query, two when a
    payment had a problem."""
    payments = list(order.payments.all() if payments is None else payments)
    notices = []
    processing = payment_processing(order, payments)
    if processing is not None and order.is_pending:
        notices.append(
            _(
                "Your payment of %(amount)s is being confirmed by your bank. We email you once "
                "it arrives: there is no need to pay again."
            )
            % {"amount": Money(processing.amount, processing.currency)}
        )
    troubled = [p for p in payments if p.state == PaymentState.SUCCEEDED and p.problem]
    for payment in sorted(troubled, key=lambda p: p.pk):
        amount = Money(payment.amount, payment.currency)
        if payment.problem == PaymentProblem.SHORT and order.is_pending:
            notices.append(
                _(
                    "We received %(amount)s, less than this order's total of %(total)s: it is "
                    "not paid yet. The studio has been told and will contact you; the money "
                    "goes back to you if the order is cancelled or expires."
                )
                % {"amount": amount, "total": order.total_money}
            )
        elif payment.problem == PaymentProblem.CURRENCY:
            notices.append(
                _(
                    "A payment in %(currency)s arrived, not in %(order_currency)s: it cannot "
                    "pay this order. The studio has been told and will give it back."
                )
                % {"currency": payment.currency or "?", "order_currency": order.currency}
            )
    if not troubled:
        return notices
    for refund in Refund.objects.filter(
        order=order, line__isnull=True, state__in=COUNTED_REFUND_STATES
    ).order_by("pk"):
        words = (
            _("%(amount)s you paid that this order could not keep has been refunded to you.")
            if refund.state == RefundState.SUCCEEDED
            else _("%(amount)s you paid that this order could not keep is being refunded to you.")
        )
        notices.append(words % {"amount": Money(refund.amount, refund.currency)})
    return notices


__all__ = [
    "payment_notices",
    "payment_processing",
    "Receipt",
    "give_back_when_closed",
    "money_kept",
    "open_attempts",
    "receive_payment",
    "record_attempt",
]
