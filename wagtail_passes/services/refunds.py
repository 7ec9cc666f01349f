"""Refunds (C4): staff give back what an order, or some of its lines, was paid; a refund
made at the payment provider (reported by its webhook) is recorded the same way.

The rules, decided again under the order's row lock whatever the form showed:

- Only a paid or partially refunded order is refunded (``not_paid``,
  ``already_refunded``).
- A refund is written per line (one ``Refund`` row each), of at most what was paid for
  the line (its total) less what was refunded for it already: a second refund after a
  first never gives back more than was paid (``refund_too_large``). An amount is a
  decimal above zero in the currency's minor unit (no cents for JPY, no tenth of a cent
  for EUR): anything else is refused with ``invalid_amount``. A refusal writes nothing.
- A refund reported by a provider carries the provider's id: the same refund reported
  twice (a webhook retried) is recorded once; the second call changes nothing.
- When a line is refunded in full, the unused part of each of its member passes is
  cancelled through the ledger (a ``cancel`` movement writes off what is left): a pass
  never used is cancelled whole; a pass used already keeps its used entries in the ledger
  (the classes attended stay attended) and the rest is cancelled. Staff are refused with
  ``pass_has_bookings`` while such a pass pays for sessions still to come (cancel those
  bookings first, as for cancelling a pass); a refund reported by the provider (``by``
  None) has been made already and is never refused for that: the pass is cancelled and
  its upcoming bookings stay as they are. A line refunded in part keeps its passes (a
  goodwill or part refund); staff cancel a pass by hand when they mean to.
- A line refunded in full gives its stock back (A1); the order becomes "refunded" when
  every line is refunded in full, else "partially refunded".

Locks are taken in the order of ``services.orders``: the order row, then the member passes
by primary key (giving stock back takes no stock lock: stock taken is counted afresh from the
lines, ``models.holds``). The audit entry is written in the
transaction; the member's email and the ``order_refunded`` signal go out once it has
committed.
"""

from __future__ import annotations

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
    MemberPass,
    Order,
    OrderLine,
    OrderState,
    PassStatus,
    PaymentState,
    Refund,
)
from ..models.orders import RefundState
from ..rules.money import Money, has_valid_precision
from .locking import lock_member_passes
from .notifications import email_on_commit
from .orders import MANUAL, lock_order
from .passes import write_off_pass
from .permissions import MANAGE_ORDERS, require_staff

#: Refunds that give money back (or will): a failed one gave nothing.
COUNTED_REFUND_STATES = (RefundState.PENDING, RefundState.SUCCEEDED)
REFUNDABLE_STATES = (OrderState.PAID, OrderState.PARTIALLY_REFUNDED)
PROVIDER_ID_MAX_LENGTH = 200  # the column holds 255; a per-line suffix is added to it
REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class RefundableLine:
    """What was paid for a line, what was refunded of it, and what is left."""

    line: OrderLine
    paid: Money
    refunded: Money

    @property
    def left(self) -> Money:
        return self.paid - self.refunded


@dataclass(frozen=True)
class RefundResult:
    """What ``refund_order`` did: ``refunds`` written by this call (none: the provider's
    refund was recorded already and nothing changed) and the passes it cancelled."""

    order: Order
    refunds: tuple[Refund, ...] = ()
    cancelled_passes: tuple[MemberPass, ...] = ()

    @property
    def refunded_now(self) -> bool:
        return bool(self.refunds)

    @property
    def amount(self) -> Money:
        total = sum((refund.amount for refund in self.refunds), Decimal(0))
        return Money(total, self.order.currency)


def refundable(order) -> list[RefundableLine]:
    """Every line of ``order`` with what is left to refund of it, in line order (read
    without locks, for the admin form; ``refund_order`` decides again under them)."""
    order = order if isinstance(order, Order) else Order.objects.get(pk=order)
    refunded = dict(
        Refund.objects.filter(order=order, state__in=COUNTED_REFUND_STATES, line__isnull=False)
        .order_by()
        .values("line_id")
        .annotate(total=Sum("amount"))
        .values_list("line_id", "total")
    )
    currency = order.currency
    return [
        RefundableLine(
            line=line,
            paid=Money(line.total, currency),
            refunded=Money(refunded.get(line.pk) or Decimal(0), currency),
        )
        for line in order.lines.all()
    ]


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
) -> RefundResult:
    """C4: refund ``order``, whole or some of its lines.

    ``by`` is staff holding the permission to manage orders, or None for the system (a
    provider's webhook). ``lines`` are the order's lines (or their ids) to refund; None is
    every line with something left. ``amounts`` maps a line (or its id) to the amount to
    refund of it (a ``Decimal`` or its text); a line without an amount is refunded what is
    left of it, and ``amounts`` without ``lines`` refunds the lines it names. ``total``
    instead spreads one amount over the lines in order, each up to what is left of it (a
    provider reports the refund of a payment, not of lines).

    ``provider`` is "manual" (a refund staff made by bank transfer or in cash: recorded as
    succeeded) or the provider whose refund it records, with its ``provider_id`` and
    ``raw`` data. A refund with a provider id already recorded changes nothing (the
    result's ``refunded_now`` is False). ``state`` is the provider's refund's: succeeded, or
    pending while the provider has not confirmed it (it counts as given back all the same;
    the provider's webhook updates it later). A failed refund is never recorded here.

    Refusals (``CheckoutError`` codes, nothing written): ``not_allowed``, ``not_paid``,
    ``already_refunded``, ``no_such_line``, ``nothing_to_refund``, ``invalid_amount``,
    ``refund_too_large``, ``invalid_refund`` and ``pass_has_bookings``.
    """
    require_staff(by, MANAGE_ORDERS, CheckoutError)
    if amounts is not None and total is not None:
        raise TypeError("give amounts per line or one total, not both")
    if state not in COUNTED_REFUND_STATES:
        raise ValueError(f"a refund is recorded pending or succeeded, not {state!r}")
    provider = str(provider or MANUAL).strip()
    provider_id = str(provider_id or "").strip()
    if len(provider) > 30 or len(provider_id) > PROVIDER_ID_MAX_LENGTH:
        raise CheckoutError(_("This refund's provider data is not valid."), code="invalid_refund")
    reason = str(reason or "").strip()[:REASON_MAX_LENGTH]
    now = timezone.now()
    with transaction.atomic():
        order = lock_order(order)
        if provider_id and _recorded(provider, provider_id):
            return RefundResult(order=order)
        _check_state(order)
        left = {row.line.pk: row for row in refundable(order)}
        plan = _plan(order, left, lines, amounts, total)
        refunds = _write_refunds(order, plan, by, reason, provider, provider_id, raw, state)
        after = {pk: row.left.amount for pk, row in left.items()}
        for line, amount in plan:
            after[line.pk] -= amount
        everything = all(amount <= 0 for amount in after.values())
        touched = {line.pk for line, _amount in plan}
        done = [
            line
            for line in order.lines.all()
            if after[line.pk] <= 0 and (everything or line.pk in touched)
        ]
        order.state = OrderState.REFUNDED if everything else OrderState.PARTIALLY_REFUNDED
        order.save(update_fields=["state"])
        _release_stock(done)
        cancelled = _cancel_passes(order, done, by, reason, now)
        result = RefundResult(order=order, refunds=tuple(refunds), cancelled_passes=cancelled)
        log_action(
            order,
            "wagtail_passes.order.refund",
            by,
            _refund_message(order, result, reason, state),
            amount=str(result.amount.amount),
            lines=[refund.line_id for refund in refunds],
            provider=provider,
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
        signals.send_on_commit(
            signals.order_refunded, Order, order=order, refunds=list(refunds), by=by
        )
    return result


def plan_refund(order, by, *, lines=None, amounts=None) -> list[tuple[OrderLine, Decimal]]:
    """What ``refund_order(order, by, lines=..., amounts=...)`` would refund now, as
    (line, amount) pairs, decided under the order's row lock and writing nothing; the same
    refusals (``CheckoutError``), including ``pass_has_bookings`` for staff. For a refund
    made at a provider first (Stripe), before it is recorded: the provider is asked for
    exactly this, then ``refund_order`` records it (and decides again)."""
    require_staff(by, MANAGE_ORDERS, CheckoutError)
    with transaction.atomic():
        order = lock_order(order)
        _check_state(order)
        left = {row.line.pk: row for row in refundable(order)}
        plan = _plan(order, left, lines, amounts, None)
        if by is not None:
            after = {pk: row.left.amount for pk, row in left.items()}
            for line, amount in plan:
                after[line.pk] -= amount
            everything = all(amount <= 0 for amount in after.values())
            touched = {line.pk for line, _amount in plan}
            done = [
                line
                for line in order.lines.all()
                if after[line.pk] <= 0 and (everything or line.pk in touched)
            ]
            _check_upcoming(
                MemberPass.objects.filter(order_line__in=done).exclude(status=PassStatus.CANCELLED),
                timezone.now(),
            )
    return plan


def _recorded(provider: str, provider_id: str) -> bool:
    """A provider's refund is recorded once: as its id, or one row per line of it."""
    return Refund.objects.filter(
        Q(provider_id=provider_id) | Q(provider_id__startswith=f"{provider_id}#"),
        provider=provider,
    ).exists()


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


def _write_refunds(order, plan, by, reason, provider, provider_id, raw, state) -> list[Refund]:
    payment = order.payments.filter(state=PaymentState.SUCCEEDED).order_by("-pk").first()
    several = len(plan) > 1
    return [
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
            recorded_by=by if getattr(by, "is_authenticated", False) else None,
            raw=raw or {},
        )
        for line, amount in plan
    ]


def _release_stock(done: list[OrderLine]) -> None:
    """A1: a line refunded in full no longer counts against its product's stock (the
    count is read afresh from the lines, ``models.holds``)."""
    OrderLine.objects.filter(pk__in=[line.pk for line in done], holds_stock=True).update(
        holds_stock=False
    )
    for line in done:
        line.holds_stock = False


def _cancel_passes(order, done, by, reason, now) -> tuple[MemberPass, ...]:
    if not done:
        return ()
    ids = MemberPass.objects.filter(order_line__in=done).exclude(status=PassStatus.CANCELLED)
    locked = lock_member_passes(ids.values_list("pk", flat=True))
    passes = [p for p in locked if p.status != PassStatus.CANCELLED]
    if by is not None:
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
