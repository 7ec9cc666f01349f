"""Refunds (C4): staff give back what an order, or some of its lines, was paid; money an
order cannot keep goes back on its own; a refund made at the payment provider (reported by
its webhook) is recorded the same way.

The rules, decided again under the order's row lock whatever the form showed:

- Only a paid or partially refunded order is refunded by staff (``not_paid``,
  ``already_refunded``).
- A refund is written per line (one ``Refund`` row each), of at most what was paid for
  the line (its total) less what was refunded, or is being refunded, of it: two refunds at
  once never give back more than was paid (``refund_too_large``). An amount is a decimal
  above zero in the currency's minor unit: anything else is refused with
  ``invalid_amount``. A refusal writes nothing.
- **Intent first.** A refund through a provider that refunds online (Stripe) is written as
  *requested* and committed before the provider is asked: the row reserves the amount.
  Once committed, the provider is asked (``refund_requests.send_request``) with an
  idempotency key made from the request (``Refund.request_key``), so asking again — the
  tidy job after a crash, a double click — never refunds twice; its answer makes the rows
  pending, succeeded or failed. A refund the provider refuses releases its reservation
  (the rows fail, staff are told) and changes nothing else. A refund by hand (bank
  transfer, cash: ``manual``) is made already when staff record it.
- What a refund does happens when the money is known to go back (pending or succeeded):
  when a line is refunded in full its stock is released (A1) and the unused part of its
  member passes is cancelled through the ledger (a ``cancel`` movement): a pass never used
  is cancelled whole; a used one keeps its used entries. Staff are refused with
  ``pass_has_bookings`` while such a pass pays for sessions still to come; a refund
  already made at the provider is never refused for that. A line refunded in part keeps
  its passes. A line that paid a booking's amount due (C6) makes that booking owe it
  again (or, cancelled, no longer shows as paid). The order becomes "refunded" when every
  line is refunded in full, else "partially refunded".
- A provider's refund is recorded once (by its id, or by the request key it carries).
- A staff form carries a one-time token (``request_key``): the same form sent twice
  records one refund.

Locks are taken in the order of ``services.orders``: the order row, then sessions and
bookings, then the member passes by primary key (giving stock back takes no stock lock: stock
taken is counted afresh from the lines, ``models.holds``). The audit entry is written in the
transaction; the member's email and the ``order_refunded`` signal go out once it has
committed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..audit import log_action
from ..exceptions import CheckoutError
from ..models import (
    Booking,
    BookingStatus,
    MemberPass,
    Order,
    OrderLine,
    OrderState,
    PassStatus,
    Payment,
    PaymentState,
    Refund,
)
from ..models.orders import RefundState
from ..rules.money import Money, has_valid_precision
from .gateway import MANUAL, gateway
from .locking import lock_member_passes, lock_session
from .notifications import email_on_commit
from .orders import lock_order
from .passes import write_off_pass
from .permissions import MANAGE_ORDERS, require_staff
from .renewals import lock_pending_renewal_orders

logger = logging.getLogger("wagtail_passes.payments")

#: Refunds that give money back, or reserve it while the provider is asked: a failed one
#: gave nothing.
COUNTED_REFUND_STATES = (RefundState.REQUESTED, RefundState.PENDING, RefundState.SUCCEEDED)
#: Refunds the provider confirmed it makes (or made): what they do to passes and stock is
#: done.
#: Refunds the provider confirmed it makes (or made): what they do to passes and stock is
#: done.
CONFIRMED_REFUND_STATES = (RefundState.PENDING, RefundState.SUCCEEDED)
REFUNDABLE_STATES = (OrderState.PAID, OrderState.PARTIALLY_REFUNDED)
PROVIDER_ID_MAX_LENGTH = 200  # the column holds 255; a per-line suffix is added to it
REASON_MAX_LENGTH = 500
REQUEST_KEY_MAX_LENGTH = 64


#: A requested refund is sent again by the tidy job after this long without an answer
#: (the process asking may have died) ...
@dataclass(frozen=True)
class RefundableLine:
    """What was paid for a line, what was refunded (or is being refunded) of it, and what
    is left."""

    line: OrderLine
    paid: Money
    refunded: Money

    @property
    def left(self) -> Money:
        return self.paid - self.refunded


@dataclass(frozen=True)
class RefundResult:
    """What a refund call did: the ``refunds`` it wrote (none: recorded already, nothing
    changed) and the passes it cancelled. ``requested`` rows wait for the provider's
    answer (sent once the transaction commits)."""

    order: Order
    refunds: tuple[Refund, ...] = ()
    cancelled_passes: tuple[MemberPass, ...] = ()
    repeated: bool = False  # the same form (request key) was sent before: nothing changed

    @property
    def refunded_now(self) -> bool:
        return bool(self.refunds)

    @property
    def amount(self) -> Money:
        total = sum((refund.amount for refund in self.refunds), Decimal(0))
        return Money(total, self.order.currency)

    def refreshed(self) -> RefundResult:
        """The same rows as they are now (after the provider answered)."""
        rows = tuple(Refund.objects.filter(pk__in=[r.pk for r in self.refunds]).order_by("pk"))
        order = Order.objects.get(pk=self.order.pk)
        passes = MemberPass.objects.filter(
            order_line__in=[r.line_id for r in rows if r.line_id], status=PassStatus.CANCELLED
        )
        cancelled = self.cancelled_passes or tuple(passes.order_by("pk"))
        return RefundResult(order=order, refunds=rows, cancelled_passes=cancelled)


# ---- reading ---------------------------------------------------------------------------


def refundable(order) -> list[RefundableLine]:
    """Every line of ``order`` with what is left to refund of it, in line order (read
    without locks, for the admin form; the refund services decide again under them)."""
    order = order if isinstance(order, Order) else Order.objects.get(pk=order)
    refunded = _line_totals(order, COUNTED_REFUND_STATES)
    currency = order.currency
    return [
        RefundableLine(
            line=line,
            paid=Money(line.total, currency),
            refunded=Money(refunded.get(line.pk) or Decimal(0), currency),
        )
        for line in order.lines.all()
    ]


def _line_totals(order: Order, states) -> dict[int, Decimal]:
    return dict(
        Refund.objects.filter(order=order, state__in=states, line__isnull=False)
        .order_by()
        .values("line_id")
        .annotate(total=Sum("amount"))
        .values_list("line_id", "total")
    )


def refunds_online(provider: str) -> bool:
    """Whether money taken by ``provider`` can be given back through it (Stripe), rather
    than by staff by hand (bank transfer, cash)."""
    found = gateway(provider)
    return bool(found is not None and getattr(found, "refunds_online", False))


def payment_kept(payment: Payment) -> Decimal:
    """What is left of ``payment`` after its refunds (given back, or being)."""
    refunded = payment.refunds.filter(state__in=COUNTED_REFUND_STATES).aggregate(
        total=Sum("amount")
    )["total"]
    return payment.amount - (refunded or Decimal(0))


def _paying(order: Order) -> list[Payment]:
    """The order's payments that still hold money, latest first: line refunds come out of
    them in that order."""
    payments = Payment.objects.filter(
        order=order, state=PaymentState.SUCCEEDED, currency=order.currency
    ).order_by("-pk")
    return [payment for payment in payments if payment_kept(payment) > 0]


def _clean_key(request_key) -> str:
    key = str(request_key or "").strip()
    if len(key) > REQUEST_KEY_MAX_LENGTH:
        raise CheckoutError(_("This form is not valid; open it again."), code="bad_token")
    return key


def _made_with(order: Order, key: str) -> bool:
    """Whether refunds were written under the form's one-time ``key`` already (a request
    through a provider suffixes it with the payment's id)."""
    if not key:
        return False
    return Refund.objects.filter(
        Q(request_key=key) | Q(request_key__startswith=f"{key}-"), order=order
    ).exists()


# ---- staff refund an order (C4) ---------------------------------------------------------


def refund(
    order,
    by,
    *,
    lines: Iterable | None = None,
    amounts: Mapping | None = None,
    reason: str = "",
    request_key: str = "",
) -> RefundResult:
    """C4: staff give back ``order`` (whole, or some of its lines, or part of a line) the
    way it was paid: through the provider that took the money when it refunds online
    (Stripe: requested now, sent to the provider once this commits, see the module), else
    recorded as given back by hand (bank transfer, cash).

    ``lines`` are the order's lines (or their ids) to refund; None is every line with
    something left. ``amounts`` maps a line (or its id) to the amount to refund of it; a
    line without one is refunded what is left of it. ``request_key`` is the staff form's
    one-time token: the same form sent twice refunds once (the second call returns the
    first's rows with ``refunded_now`` False).

    Refusals (``CheckoutError`` codes, nothing written): ``not_allowed``, ``not_paid``,
    ``already_refunded``, ``no_such_line``, ``nothing_to_refund``, ``invalid_amount``,
    ``refund_too_large`` and ``pass_has_bookings``.
    """
    require_staff(by, MANAGE_ORDERS, CheckoutError)
    reason = str(reason or "").strip()[:REASON_MAX_LENGTH]
    key = _clean_key(request_key)
    now = timezone.now()
    with transaction.atomic():
        order = lock_order(order)
        if _made_with(order, key):
            return RefundResult(order=order, repeated=True)
        _check_state(order)
        left = {row.line.pk: row for row in refundable(order)}
        plan = _plan(order, left, lines, amounts, None)
        done = _fully_refunded_after(order, left, plan)
        _check_upcoming(
            MemberPass.objects.filter(order_line__in=done).exclude(status=PassStatus.CANCELLED),
            now,
        )
        from .refund_requests import allocate, send_once_committed  # it reads this module

        rows = allocate(order, plan, by, reason, key or uuid.uuid4().hex)
        manual = [row for row in rows if row.state == RefundState.SUCCEEDED]
        cancelled = _apply(order, manual, by, reason, now) if manual else ()
        for key_ in {row.request_key for row in rows if row.state == RefundState.REQUESTED}:
            send_once_committed(key_)
    return RefundResult(order=order, refunds=tuple(rows), cancelled_passes=cancelled)


def _fully_refunded_after(order, left, plan) -> list[OrderLine]:
    after = {pk: row.left.amount for pk, row in left.items()}
    for line, amount in plan:
        after[line.pk] -= amount
    everything = all(amount <= 0 for amount in after.values())
    touched = {line.pk for line, _amount in plan}
    return [
        line
        for line in order.lines.all()
        if after[line.pk] <= 0 and (everything or line.pk in touched)
    ]


def recorded(provider: str, refund_id: str) -> bool:
    """A provider's refund is recorded once: as its id, or one row per line of it."""
    return Refund.objects.filter(
        Q(provider_id=refund_id) | Q(provider_id__startswith=f"{refund_id}#"),
        provider=provider,
    ).exists()


# ---- a refund made already (by hand, or at the provider) ---------------------------------


def refund_order(
    order,
    by,
    *,
    lines: Iterable | None = None,
    amounts: Mapping | None = None,
    total=None,
    reason: str = "",
    provider: str | None = None,
    provider_id: str = "",
    raw: dict | None = None,
    state: str = RefundState.SUCCEEDED,
    request_key: str = "",
    payment: Payment | None = None,
) -> RefundResult:
    """C4: record a refund of ``order`` that was made already: by staff, by hand (bank
    transfer, cash: ``provider`` "manual", the default), or at a provider, which reported
    it (``provider`` with its ``provider_id`` and ``raw`` data; ``by`` None).

    ``lines`` / ``amounts`` as for ``refund``; ``total`` instead spreads one amount over
    the lines in order, each up to what is left of it (a provider reports the refund of a
    payment, not of lines). A refund with a provider id already recorded, or a
    ``request_key`` used already, changes nothing (``refunded_now`` False). ``state`` is the
    provider's refund's: succeeded, or pending while the provider has not confirmed it (it
    counts as given back all the same). ``payment`` is the payment the refund gave back (a
    provider's refund of a charge); without it, the order's latest payment.

    Refusals (``CheckoutError`` codes, nothing written): as ``refund``, and
    ``invalid_refund`` for a provider id that is too long.
    """
    require_staff(by, MANAGE_ORDERS, CheckoutError)
    if amounts is not None and total is not None:
        raise TypeError("give amounts per line or one total, not both")
    if state not in CONFIRMED_REFUND_STATES:
        raise ValueError(f"a refund is recorded pending or succeeded, not {state!r}")
    provider = str(provider or MANUAL).strip()
    provider_id = str(provider_id or "").strip()
    if len(provider) > 30 or len(provider_id) > PROVIDER_ID_MAX_LENGTH:
        raise CheckoutError(_("This refund's provider data is not valid."), code="invalid_refund")
    reason = str(reason or "").strip()[:REASON_MAX_LENGTH]
    key = _clean_key(request_key)
    now = timezone.now()
    with transaction.atomic():
        order = lock_order(order)
        if provider_id and recorded(provider, provider_id):
            return RefundResult(order=order)
        if _made_with(order, key):
            return RefundResult(order=order, repeated=True)
        _check_state(order)
        left = {row.line.pk: row for row in refundable(order)}
        plan = _plan(order, left, lines, amounts, total)
        if payment is None or payment.order_id != order.pk:  # the latest, when not told
            payment = order.payments.filter(state=PaymentState.SUCCEEDED).order_by("-pk").first()
        several = len(plan) > 1
        recorded_by = by if getattr(by, "is_authenticated", False) else None
        rows = [
            Refund.objects.create(
                order=order,
                line=line,
                payment=payment,
                provider=provider,
                # One provider refund over several lines: one row each, told apart by line.
                provider_id=f"{provider_id}#{line.pk}" if provider_id and several else provider_id,
                amount=amount,
                currency=order.currency,
                state=state,
                reason=reason,
                recorded_by=recorded_by,
                raw=raw or {},
                request_key=key,
            )
            for line, amount in plan
        ]
        cancelled = _apply(order, rows, by, reason, now, check=by is not None)
    return RefundResult(order=order, refunds=tuple(rows), cancelled_passes=cancelled)


# ---- what a refund does -----------------------------------------------------------------


def _apply(order, rows, by, reason, now, *, check: bool = True) -> tuple[MemberPass, ...]:
    """What confirmed line refunds ``rows`` do to the locked ``order``: its state, the stock
    and passes of lines refunded in full, the bookings whose amount due a line paid; then
    the audit entry, the member's email and the signal. ``check``: refuse staff while a
    pass to cancel pays for sessions to come."""
    confirmed = _line_totals(order, CONFIRMED_REFUND_STATES)
    lines = list(order.lines.all())
    full = {line.pk for line in lines if confirmed.get(line.pk, Decimal(0)) >= line.total}
    everything = len(full) == len(lines)
    order.state = OrderState.REFUNDED if everything else OrderState.PARTIALLY_REFUNDED
    order.save(update_fields=["state"])
    touched = {row.line_id for row in rows}
    done = [line for line in lines if line.pk in full and line.pk in touched]
    # N1: the passes cancelled below cancel their pending renewal orders: locked first.
    lock_pending_renewal_orders(
        MemberPass.objects.filter(order_line__in=done).values_list("pk", flat=True)
    )
    _release_stock(done)
    _unpay_bookings(order, rows, by)
    cancelled = _cancel_passes(order, done, by, reason, now, check=check)
    result = RefundResult(order=order, refunds=tuple(rows), cancelled_passes=cancelled)
    state = rows[0].state if rows else RefundState.SUCCEEDED
    log_action(
        order,
        "wagtail_passes.order.refund",
        by,
        _refund_message(order, result, reason, state),
        amount=str(result.amount.amount),
        lines=[refund.line_id for refund in rows],
        provider=rows[0].provider if rows else MANUAL,
        state=str(state),
        passes_cancelled=[member_pass.pk for member_pass in cancelled],
    )
    email_on_commit(
        "order_refunded",
        order.member,
        order=order,
        amount=str(result.amount.amount),
        cancelled_passes=[member_pass.title for member_pass in cancelled],
    )
    signals.send_on_commit(signals.order_refunded, Order, order=order, refunds=list(rows), by=by)
    return cancelled


def _unpay_bookings(order: Order, rows, by) -> None:
    """C6: a refunded line that paid a booking's amount due gives that booking its debt
    back: an active booking owes it again; a cancelled one no longer shows as paid."""
    by_booking = {}
    for row in rows:
        if row.line_id and row.line.booking_id:
            by_booking[row.line.booking_id] = by_booking.get(row.line.booking_id, 0) + row.amount
    if not by_booking:
        return
    sessions = Booking.objects.filter(pk__in=by_booking).values_list("session_id", flat=True)
    for session_id in sorted(set(sessions)):
        lock_session(session_id)
    for booking in (
        Booking.objects.select_for_update(of=("self",)).filter(pk__in=by_booking).order_by("pk")
    ):
        amount = min(by_booking[booking.pk], booking.amount_paid)
        if amount <= 0:
            continue
        booking.amount_paid -= amount
        if booking.status != BookingStatus.CANCELLED:
            booking.amount_due += amount
        if booking.amount_paid <= 0:
            booking.payment_method = ""
            booking.amount_paid_at = None
        booking.save(
            update_fields=["amount_paid", "amount_due", "payment_method", "amount_paid_at"]
        )
        log_action(
            booking,
            "wagtail_passes.booking.payment_refunded",
            by,
            _("%(amount)s refunded with order %(reference)s")
            % {"amount": Money(amount, order.currency), "reference": order.reference},
            amount=str(amount),
            order=order.reference,
        )


def _check_state(order: Order) -> None:
    if order.state == OrderState.REFUNDED:
        raise CheckoutError(_("This order is refunded already."), code="already_refunded")
    if order.state not in REFUNDABLE_STATES:
        raise CheckoutError(_("Only a paid order can be refunded."), code="not_paid")


def _line_of(order: Order, value, left: dict) -> OrderLine:
    pk = getattr(value, "pk", value)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    if pk not in left or (isinstance(value, OrderLine) and value.order_id != order.pk):
        raise CheckoutError(_("This line is not part of the order."), code="no_such_line")
    return left[pk].line


def _plan(order, left, lines, amounts, total) -> list[tuple[OrderLine, Decimal]]:
    """The lines to refund, each with its amount, or the first reason not to."""
    given = {}
    for key, value in (amounts or {}).items():
        given[_line_of(order, key, left).pk] = value
    if lines is not None:
        chosen = [_line_of(order, value, left) for value in lines]
    elif amounts is not None:
        chosen = [left[pk].line for pk in given]
    else:
        chosen = [row.line for row in left.values() if row.left.amount > 0]
    chosen = sorted({line.pk: line for line in chosen}.values(), key=lambda line: line.pk)
    if set(given) - {line.pk for line in chosen}:
        raise CheckoutError(_("This line is not part of the refund."), code="no_such_line")
    if not chosen:
        raise CheckoutError(_("There is nothing left to refund."), code="nothing_to_refund")
    if total is not None:
        return _spread(order, left, chosen, total)
    plan = []
    for line in chosen:
        row = left[line.pk]
        if row.left.amount <= 0:
            raise CheckoutError(
                _("“%(title)s” is refunded in full already.") % {"title": line.title},
                code="refund_too_large",
                line=line.pk,
            )
        amount = row.left.amount if given.get(line.pk) is None else given[line.pk]
        plan.append((line, _amount(amount, row, order.currency)))
    return plan


def _spread(order, left, chosen, total) -> list[tuple[OrderLine, Decimal]]:
    rows = [left[line.pk] for line in chosen]
    room = sum((row.left.amount for row in rows), Decimal(0))
    remaining = _check_amount(total, order.currency, room)
    plan = []
    for row in rows:
        share = min(row.left.amount, remaining)
        if share > 0:
            plan.append((row.line, share))
            remaining -= share
    return plan


def _amount(value, row: RefundableLine, currency: str) -> Decimal:
    return _check_amount(value, currency, row.left.amount, title=row.line.title, line=row.line.pk)


def _check_amount(value, currency: str, room: Decimal, title: str = "", line=None) -> Decimal:
    """A refund amount: a finite decimal above zero, in the currency's minor unit, at most
    ``room``. A refusal's ``details["line"]`` is the line's id (None: the whole total)."""
    if isinstance(value, Money):
        if value.currency != currency:
            raise CheckoutError(
                _("Refund in the order's currency."), code="invalid_amount", line=line
            )
        value = value.amount
    invalid = CheckoutError(
        _("Enter an amount above zero, in %(currency)s.") % {"currency": currency},
        code="invalid_amount",
        line=line,
    )
    if isinstance(value, bool | float):  # money is never a float
        raise invalid
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        raise invalid from None
    if not amount.is_finite() or amount <= 0:
        raise invalid
    if amount > room:
        message = _("At most %(left)s is left to refund.") % {"left": Money(room, currency)}
        if title:
            message = _("At most %(left)s is left to refund of “%(title)s”.") % {
                "left": Money(room, currency),
                "title": title,
            }
        raise CheckoutError(message, code="refund_too_large", left=Money(room, currency), line=line)
    try:
        exact = has_valid_precision(amount, currency)
    except ArithmeticError:
        exact = False
    if not exact:
        raise CheckoutError(
            _("%(currency)s amounts cannot have that many decimals.") % {"currency": currency},
            code="invalid_amount",
            line=line,
        )
    return amount


def _release_stock(done: list[OrderLine]) -> None:
    """A1: a line refunded in full no longer counts against its product's stock (the
    count is read afresh from the lines, ``models.holds``)."""
    OrderLine.objects.filter(pk__in=[line.pk for line in done], holds_stock=True).update(
        holds_stock=False
    )
    for line in done:
        line.holds_stock = False


def _cancel_passes(order, done, by, reason, now, *, check=True) -> tuple[MemberPass, ...]:
    if not done:
        return ()
    ids = MemberPass.objects.filter(order_line__in=done).exclude(status=PassStatus.CANCELLED)
    locked = lock_member_passes(ids.values_list("pk", flat=True))
    passes = [p for p in locked if p.status != PassStatus.CANCELLED]
    if check and by is not None:
        _check_upcoming(passes, now)
    why = _("Refund of order %(reference)s") % {"reference": order.reference}
    if reason:
        why = f"{why}: {reason}"
    for member_pass in passes:
        write_off_pass(member_pass, by, why)
    return tuple(passes)


def _check_upcoming(passes, now) -> None:
    upcoming = (
        Booking.objects.active()
        .filter(member_pass__in=passes, session__start__gt=now)
        .select_related("member_pass")
        .order_by("session__start")
        .first()
    )
    if upcoming is not None:
        raise CheckoutError(
            _("“%(title)s” pays for upcoming sessions; cancel those bookings first, then refund.")
            % {"title": upcoming.member_pass.title},
            code="pass_has_bookings",
        )


def _refund_message(order: Order, result: RefundResult, reason: str, state=None) -> str:
    message = _("Order %(reference)s: %(amount)s refunded (%(state)s)") % {
        "reference": order.reference,
        "amount": result.amount,
        "state": OrderState(order.state).label.lower(),
    }
    if state == RefundState.PENDING:
        message += "; " + _("not confirmed by the payment provider yet")
    if result.cancelled_passes:
        message += "; " + _("passes cancelled: %(passes)s") % {
            "passes": ", ".join(p.title for p in result.cancelled_passes)
        }
    if reason:
        message += ". " + reason
    return message
