"""Auto-renewal (N1) and commitments (N2): the member's opt-in and opt-out, staff stopping a
renewal, when a pass renews, and how many payments a renewal chain has made.

A *renewal chain* is the first pass and every pass that renewed it: ``Renewal`` links the
pass renewed (``member_pass``) to the pass its paid order issued (``new_pass``). Each paid
pass of the chain is one payment; the commitment is the first pass's (the number the
member agreed to when they first bought).

The daily job that creates renewal orders and charges saved cards is
``services.renewal_job.run_renewals`` (also importable from here).

Three rules keep a chain honest (issue 17):

- **One start.** ``renewal_starts_on`` decides where a renewal starts, the day after the
  renewed pass ends *now*; the renewal order records it (``open_renewal``, before the order
  issues any pass), its payment checks it again and a hold or an extension of the renewed
  pass moves the rest of the chain (``follow_renewed_pass``).
- **A finished pass never renews.** Cancelled, refunded in full, or expired before it was
  used up (when it renews "when used up"): its renewal stops and its renewal order awaiting
  payment is cancelled in the same transaction (``stop_renewal_of_finished``).
- **Words from the state.** How a renewal stands is said from its order's state
  (``renewal_phrase``), on every page.

Locks: renewal orders awaiting payment (order rows, by primary key:
``lock_pending_renewal_orders``) before the member passes, which are locked by primary key
(a renewed pass before the passes that continue it, issued later); writes are audited on
the pass.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..audit import log_action
from ..exceptions import CheckoutError, PassError
from ..models import (
    LedgerEntry,
    LedgerKind,
    MemberPass,
    Order,
    OrderState,
    PassStatus,
    ProductKind,
    Renewal,
    RenewWhen,
)
from ..presentation import format_day
from ..rules.validity import validity_window
from .facts import active_redemptions, state_of, terms_of
from .ledger import refresh_validity
from .lock_waits import locked_rows
from .locking import lock_member_pass
from .permissions import MANAGE_PASSES, require_member_or_staff, require_staff

logger = logging.getLogger("wagtail_passes.renewals")

#: "Renew when it expires": the order is created this many days before the last valid day.
DAYS_BEFORE_EXPIRY = 2
#: "Renew when it is used up": this many days after the last session it paid for.
DAYS_AFTER_LAST_USE = 1
MAX_REASON_LENGTH = 1000

ON = "wagtail_passes.pass.renew_on"
OFF = "wagtail_passes.pass.renew_off"
STOPPED = "wagtail_passes.pass.stop_renewal"
#: The pass was written off (cancelled, refunded, expired unused): its renewal stops.
STOPPED_WITH_PASS = "wagtail_passes.pass.renewal_stopped"
#: The pass a renewal issued starts on another day: the pass it renews ends on another day.
MOVED = "wagtail_passes.pass.renewal_moved"


@dataclass(frozen=True)
class CommitmentProgress:
    """N2: payments made in the pass's renewal chain, the commitment, and what is left."""

    made: int
    required: int
    remaining: int

    @classmethod
    def of(cls, made: int, required: int) -> CommitmentProgress:
        return cls(made=made, required=required, remaining=max(required - made, 0))

    @property
    def met(self) -> bool:
        return self.remaining == 0

    def describe(self) -> str:
        """ "3 of 12 payments made, 9 to go" (or "" when there is no commitment)."""
        if not self.required:
            return ""
        if self.met:
            return ngettext(
                "%(made)d of %(required)d payment made: the commitment is met",
                "%(made)d of %(required)d payments made: the commitment is met",
                self.required,
            ) % {"made": self.made, "required": self.required}
        return ngettext(
            "%(made)d of %(required)d payment made, %(left)d to go",
            "%(made)d of %(required)d payments made, %(left)d to go",
            self.required,
        ) % {"made": self.made, "required": self.required, "left": self.remaining}

    def stop_after(self) -> str:
        """ "You can stop renewing after 9 more payments" ("" once it is met)."""
        if self.met:
            return ""
        return ngettext(
            "You can stop renewing after %(left)d more payment.",
            "You can stop renewing after %(left)d more payments.",
            self.remaining,
        ) % {"left": self.remaining}


# ---- payments made (N2) ----------------------------------------------------------------


def renewal_chains(member_ids: Iterable[int]) -> dict[int, tuple[int, bool, int]]:
    """The renewal links of the members' passes, in one query: the pass a renewal issued ->
    (the pass it renewed, whether that one is a payment made, that one's commitment). A
    pass whose order was refunded in full is not a payment made: the money went back."""
    rows = Renewal.objects.filter(
        member_pass__member_id__in=set(member_ids), new_pass__isnull=False
    ).values_list(
        "new_pass_id",
        "member_pass_id",
        "member_pass__is_paid",
        "member_pass__commitment_payments",
        "member_pass__order_line__order__state",
    )
    return {
        new: (old, paid and state != OrderState.REFUNDED, committed)
        for new, old, paid, committed, state in rows
    }


def commitment_progress_for(
    passes: Iterable[MemberPass],
    *,
    chains: dict[int, tuple[int, bool, int]] | None = None,
    refunded: set[int] | None = None,
) -> dict[int, CommitmentProgress]:
    """``commitment_progress`` of each pass, by primary key, in two queries whatever the
    number of passes (lists and reports). The chain is read from the ``Renewal`` rows of
    the passes' members (``renewal_chains``; pass ``chains`` when already read). A pass
    whose order was refunded in full is not a payment made: the money went back (pass
    ``refunded``, the ids of such passes, when already known: no query then)."""
    passes = list(passes)
    if not passes:
        return {}
    previous = chains if chains is not None else renewal_chains({p.member_id for p in passes})
    if refunded is None:
        refunded_order = Q(order_line__order__state=OrderState.REFUNDED)
        refunded = set(
            MemberPass.objects.filter(refunded_order, pk__in=[p.pk for p in passes]).values_list(
                "pk", flat=True
            )
        )
    result = {}
    for member_pass in passes:
        made = 1 if member_pass.is_paid and member_pass.pk not in refunded else 0
        required = member_pass.commitment_payments
        seen = {member_pass.pk}
        pk = member_pass.pk
        while pk in previous:
            pk, paid, required = previous[pk]
            if pk in seen:  # never loop, whatever the data says
                break
            seen.add(pk)
            made += 1 if paid else 0
        result[member_pass.pk] = CommitmentProgress.of(made, required)
    return result


def commitment_progress(member_pass: MemberPass) -> CommitmentProgress:
    """N2 for one pass: the paid passes of its chain up to it, and the first pass's
    commitment."""
    return commitment_progress_for([member_pass])[member_pass.pk]


def payments_made(member_pass: MemberPass) -> int:
    return commitment_progress(member_pass).made


# ---- when it renews (N1) ---------------------------------------------------------------


def is_used_up(member_pass: MemberPass) -> bool:
    """Nothing left to use (a counted or money pass with a zero balance)."""
    return member_pass.kind != ProductKind.UNLIMITED and member_pass.balance <= 0


def renewal_due_on(member_pass: MemberPass) -> dt.date | None:
    """The day the renewal order is created, or None when the pass does not renew (yet).

    The one answer for the daily job and for every page that says "Renews on ...":
    "when it expires": two days before its last valid day (holds and extensions
    included); "when it is used up": the day after the last session it paid for, once
    nothing is left. A cancelled pass never renews.
    """
    if not member_pass.auto_renew or member_pass.status == PassStatus.CANCELLED:
        return None
    if member_pass.renew_when == RenewWhen.EXPIRED:
        if member_pass.valid_until is None:
            return None
        return member_pass.valid_until - dt.timedelta(days=DAYS_BEFORE_EXPIRY)
    if member_pass.renew_when == RenewWhen.USED_UP:
        if not is_used_up(member_pass) or member_pass.last_use_day is None:
            return None
        return member_pass.last_use_day + dt.timedelta(days=DAYS_AFTER_LAST_USE)
    return None


def renewal_starts_on(member_pass: MemberPass) -> dt.date | None:
    """The first day of the pass a renewal buys: the day after the old one ends ("when it
    expires"), or None: a used-up pass's renewal starts like any pass.

    The one answer for every path: the renewal order when it is placed (``open_renewal``),
    its pass when the order is paid, whether issued then or when placed under P4
    (``follow_renewed_pass``), and a hold or an extension of the old pass afterwards."""
    if member_pass.renew_when == RenewWhen.EXPIRED and member_pass.valid_until is not None:
        return member_pass.valid_until + dt.timedelta(days=1)
    return None


def expired_unused(member_pass: MemberPass) -> bool:
    """A "renew when used up" pass that expired with something left: its zero balance is
    its expiry's write-off, not its use. It never renews."""
    return (
        member_pass.renew_when == RenewWhen.USED_UP
        and member_pass.status == PassStatus.EXPIRED
        and LedgerEntry.objects.filter(
            member_pass=member_pass, kind=LedgerKind.EXPIRE, amount__lt=0
        ).exists()
    )


def open_renewal(order: Order, member_pass: MemberPass) -> Renewal:
    """Record that ``order`` renews ``member_pass``, inside the order's transaction and
    before its line issues a pass (``services.orders.place_basket(renews=...)``), so the
    pass it issues — paid at once (a free renewal) or unpaid under P4 — continues the
    chain: it starts on the renewal's day and is the renewal's new pass. The caller holds
    the renewed pass's lock (the renewal job does)."""
    if member_pass.member_id != order.member_id:
        raise CheckoutError(
            _("A renewal order is for the member whose pass it renews."), code="not_a_renewal"
        )
    return Renewal.objects.create(
        member_pass=member_pass, order=order, starts_on=renewal_starts_on(member_pass)
    )


# ---- one chain, no overlap (N1) ------------------------------------------------------------


def follow_renewed_pass(renewal: Renewal, *, by=None, strict: bool = True) -> None:
    """The pass ``renewal`` renews ends on the day it ends *now* (a hold, an extension
    since the renewal was ordered or paid): the renewal starts the day after, and so does
    the pass it issued, if any, then the renewal of that pass, and so on down the chain.

    Callers hold the renewed pass's lock; the passes after it (issued later, so with
    larger primary keys) are locked here, in the one lock order. A pass that would lose a
    day it pays a session on is refused with ``renewal_has_bookings`` and nothing moves
    (``strict``); a payment, which must never fail for it (``strict=False``), leaves that
    pass where it is and logs why."""
    renewed = MemberPass.objects.get(pk=renewal.member_pass_id)
    starts_on = renewal_starts_on(renewed)
    if starts_on is None:
        return
    successor = lock_member_pass(renewal.new_pass_id) if renewal.new_pass_id else None
    if successor is not None and successor.starts_on != starts_on:
        lost = _days_lost(successor, starts_on)
        if lost:
            if strict:
                raise PassError(
                    _(
                        "The pass that renews it would then start on %(day)s, but it pays for "
                        "sessions on %(days)s; cancel those bookings first."
                    )
                    % {"day": format_day(starts_on), "days": ", ".join(map(format_day, lost))},
                    code="renewal_has_bookings",
                    days=[day.isoformat() for day in lost],
                )
            logger.warning(
                "wagtail_passes: pass %s keeps its start: it pays for sessions on %s",
                successor.pk,
                ", ".join(day.isoformat() for day in lost),
            )
            return
        _move(successor, starts_on, by)
    if renewal.starts_on != starts_on:
        renewal.starts_on = starts_on
        renewal.save(update_fields=["starts_on"])
    if successor is not None:
        after = Renewal.objects.filter(member_pass=successor).first()
        if after is not None:
            follow_renewed_pass(after, by=by, strict=strict)


def follow_renewed_pass_of(member_pass: MemberPass, *, by=None) -> None:
    """``follow_renewed_pass`` for the renewal of ``member_pass`` (locked by the caller),
    if it has one: after a hold or an extension moved its end (V7, S4)."""
    renewal = Renewal.objects.filter(member_pass=member_pass).first()
    if renewal is not None:
        follow_renewed_pass(renewal, by=by)


def _days_lost(member_pass: MemberPass, starts_on: dt.date) -> list[dt.date]:
    """The days ``member_pass`` pays a session on that its window would no longer cover
    if it started on ``starts_on``."""
    fields = MemberPass._meta.concrete_fields
    moved = MemberPass(**{f.attname: getattr(member_pass, f.attname) for f in fields})
    moved.starts_on = starts_on
    window = validity_window(terms_of(moved), state_of(moved))
    days = (
        active_redemptions()
        .filter(member_pass=member_pass)
        .order_by("session_day")
        .values_list("session_day", flat=True)
    )
    return list(
        dict.fromkeys(
            day
            for day in days
            if (window.starts_on and day < window.starts_on)
            or (window.ends_on and day > window.ends_on)
        )
    )


def _move(member_pass: MemberPass, starts_on: dt.date, by) -> None:
    before = member_pass.starts_on
    member_pass.starts_on = starts_on
    MemberPass.objects.filter(pk=member_pass.pk).update(starts_on=starts_on)
    refresh_validity(member_pass, by=by)
    log_action(
        member_pass,
        MOVED,
        by,
        _("Starts on %(day)s: the pass it renews now ends the day before")
        % {"day": format_day(starts_on)},
        starts_on=starts_on.isoformat(),
        was=before.isoformat() if before else None,
    )


# ---- opting in and out -----------------------------------------------------------------


def _product(member_pass: MemberPass):
    product = member_pass.product.specific if member_pass.product_id else None
    if product is None or not getattr(product, "allow_auto_renew", False):
        raise PassError(
            _("“%(title)s” cannot renew automatically.") % {"title": member_pass.title},
            code="renewal_not_offered",
        )
    return product


def _refuse_if_renewed(member_pass: MemberPass) -> None:
    """A pass renews once: after its renewal order exists, whatever became of it, the
    refusal says how it stands ("Renewal order 7KX2MPQA is awaiting payment.")."""
    renewal = Renewal.objects.filter(member_pass=member_pass).select_related("order").first()
    if renewal is not None:
        raise PassError(
            describe_renewal(renewal) + ".",
            code="already_renewed",
            reference=renewal.order.reference,
        )


def _refuse_if_finished(member_pass: MemberPass) -> None:
    if member_pass.status == PassStatus.CANCELLED:
        raise PassError(_("A cancelled pass cannot renew."), code="pass_finished")
    if member_pass.status == PassStatus.EXPIRED:
        raise PassError(_("This pass has expired; buy a new one instead."), code="pass_finished")


def opt_in(member_pass: MemberPass, member) -> MemberPass:
    """N1: the member (or staff) turn auto-renewal on. Nothing happens when it is on
    already. Refused when the product does not (or no longer) allow it
    (``renewal_not_offered``), the pass is finished (``pass_finished``) or renewed already
    (``already_renewed``). A pass bought before its product renewed takes the product's
    "renew when" and commitment now."""
    with transaction.atomic():
        member_pass = lock_member_pass(member_pass)
        require_member_or_staff(member_pass.member, member, MANAGE_PASSES, PassError)
        if member_pass.auto_renew:
            return member_pass
        product = _product(member_pass)
        _refuse_if_finished(member_pass)
        _refuse_if_renewed(member_pass)
        fields = ["auto_renew"]
        if not member_pass.renew_when:
            member_pass.renew_when = product.renew_when
            member_pass.commitment_payments = product.commitment_payments
            fields += ["renew_when", "commitment_payments"]
        member_pass.auto_renew = True
        member_pass.save(update_fields=fields)
        log_action(member_pass, ON, member, _("Auto-renewal turned on"))
    return member_pass


def opt_out(member_pass: MemberPass, member) -> MemberPass:
    """N1, N2: the member turns auto-renewal off. Nothing happens when it is off already.
    Refused with ``commitment_not_met`` until the chain has made the committed payments
    (staff use ``staff_stop_renewal``), and with ``already_renewed`` once the renewal
    order exists (the renewed pass is the one to stop)."""
    with transaction.atomic():
        member_pass = lock_member_pass(member_pass)
        require_member_or_staff(member_pass.member, member, MANAGE_PASSES, PassError)
        if not member_pass.auto_renew:
            return member_pass
        _refuse_if_renewed(member_pass)
        progress = commitment_progress(member_pass)
        if not progress.met:
            raise PassError(
                _("You committed to %(required)d payments: %(progress)s. %(after)s")
                % {
                    "required": progress.required,
                    "progress": progress.describe(),
                    "after": progress.stop_after(),
                },
                code="commitment_not_met",
                made=progress.made,
                required=progress.required,
            )
        member_pass.auto_renew = False
        member_pass.save(update_fields=["auto_renew"])
        log_action(member_pass, OFF, member, _("Auto-renewal turned off"))
    return member_pass


def staff_stop_renewal(member_pass: MemberPass, by, reason: str) -> MemberPass:
    """S4: staff stop a pass renewing, commitment or not, with a reason; audited. A renewal
    order already created and still unpaid is cancelled with it, in the same transaction, so
    no card is charged for a renewal staff stopped (when the order cannot be cancelled — its
    pass already paid for a session under P4 — its card retries stop and it stays for staff
    to settle). ``stop_renewal_outcome`` says beforehand which it will be."""
    require_staff(by, MANAGE_PASSES, PassError)
    reason = str(reason or "").strip()
    if not reason:
        raise PassError(_("Say why the renewal is stopped."), code="reason_required")
    if len(reason) > MAX_REASON_LENGTH:
        raise PassError(
            _("Keep the reason under %(max)d characters.") % {"max": MAX_REASON_LENGTH},
            code="reason_too_long",
        )
    with transaction.atomic():
        lock_pending_renewal_orders([member_pass])  # order rows before the pass
        member_pass = lock_member_pass(member_pass)
        if not member_pass.auto_renew:
            raise PassError(_("This pass does not renew."), code="not_renewing")
        progress = commitment_progress(member_pass)
        member_pass.auto_renew = False
        member_pass.save(update_fields=["auto_renew"])
        message = _("Renewal stopped: %(reason)s") % {"reason": reason}
        if progress.required:
            message += " (" + progress.describe() + ")"
        order = _cancel_renewal_order(_pending_renewal(member_pass), by)
        log_action(
            member_pass,
            STOPPED,
            by,
            message + _order_outcome(order),
            reason=reason,
            payments_made=progress.made,
            payments_required=progress.required,
            order=order.reference if order else "",
        )
    return member_pass


# ---- a pass written off stops renewing (N1) --------------------------------------------------


def lock_pending_renewal_orders(passes) -> list[Order]:
    """Lock the renewal orders awaiting payment of ``passes`` (passes or their ids), by
    primary key. Whoever writes a pass off (``cancel_pass``, a refund, an unpaid order
    cancelled or expired, the daily expiry, ``staff_stop_renewal``) calls this *before*
    locking the pass — order rows come first in the lock order — so that
    ``stop_renewal_of_finished`` can then cancel that order in the same transaction.

    (A renewal order the job creates between this call and the pass's lock is still
    cancelled: its row is then locked after the pass, the one exception to the order, for
    a moment no one else can be paying it.)"""
    ids = [getattr(p, "pk", p) for p in passes]
    order_ids = list(
        Renewal.objects.filter(member_pass_id__in=ids, order__state=OrderState.PENDING)
        .values_list("order_id", flat=True)
        .order_by("order_id")
    )
    if not order_ids:
        return []
    return locked_rows(Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk"))


def stop_renewal_of_finished(member_pass: MemberPass, by, because: str) -> Order | None:
    """N1: ``member_pass`` (locked) is finished — cancelled, refunded in full, or expired
    when it renews only once used up — so it stops renewing, audited on the pass, and its
    renewal order awaiting payment is cancelled through the order's own path (its stock
    given back, its unpaid passes written off, the member emailed), in the caller's
    transaction. ``because`` completes "Renewal stopped: ...". Returns that order, if any."""
    pending = _pending_renewal(member_pass)
    if not member_pass.auto_renew and pending is None:
        return None
    if member_pass.auto_renew:
        member_pass.auto_renew = False
        MemberPass.objects.filter(pk=member_pass.pk).update(auto_renew=False)
    order = _cancel_renewal_order(pending, by)
    log_action(
        member_pass,
        STOPPED_WITH_PASS,
        by,
        _("Renewal stopped: %(because)s") % {"because": because} + _order_outcome(order),
        order=order.reference if order else "",
    )
    return order


def stop_renewal_if_expired_unused(member_pass: MemberPass) -> Order | None:
    """The daily job has just expired ``member_pass`` (locked, its pending renewal orders
    locked before it). "When it expires" is that renewal's own moment: its order, made two
    days before, and its card retries go on. "When it is used up" renews only a pass used
    up: one that expired with something left never renews."""
    if not expired_unused(member_pass):
        return None
    return stop_renewal_of_finished(member_pass, None, _("the pass expired before it was used up"))


def _pending_renewal(member_pass: MemberPass) -> Renewal | None:
    return (
        Renewal.objects.filter(member_pass=member_pass, order__state=OrderState.PENDING)
        .select_related("order")
        .first()
    )


def _cancel_renewal_order(renewal: Renewal | None, by) -> Order | None:
    """Cancel the order of ``renewal`` (a renewal awaiting payment; the caller locked its
    order before the pass) and stop its card retries. An order that cannot be cancelled
    (``pass_in_use``: its P4 pass paid for a session, so it is owed) stays pending, its card
    never charged again; the returned order's state says which."""
    from .orders import _close, lock_order  # orders places renewals through this module

    if renewal is None:
        return None
    Renewal.objects.filter(pk=renewal.pk).update(next_charge_at=None)
    order = lock_order(renewal.order_id)  # taken already: a no-op in the lock order
    try:
        with transaction.atomic():  # a refusal rolls back the cancellation, nothing else
            _close(order, OrderState.CANCELLED, by)
    except CheckoutError as refusal:
        if refusal.code != "pass_in_use":
            raise
        order.refresh_from_db()
    return order


def _order_outcome(order: Order | None) -> str:
    if order is None:
        return ""
    if order.state == OrderState.CANCELLED:
        return " " + _("(order %(reference)s cancelled)") % {"reference": order.reference}
    return " " + _(
        "(order %(reference)s kept: its pass pays for a session; its card is no longer charged)"
    ) % {"reference": order.reference}


def stop_renewal_outcome(member_pass: MemberPass) -> str:
    """What stopping the pass's renewal does to its renewal order, in words for staff
    before they confirm (the admin's "Stop renewal" form): the same decision the stop
    takes (``cancel_refusal``)."""
    from .orders import cancel_refusal

    renewal = _pending_renewal(member_pass)
    if renewal is None:
        return ""
    refusal = cancel_refusal(renewal.order, None)
    if refusal is None:
        return _("Its renewal order %(reference)s, awaiting payment, is cancelled with it.") % {
            "reference": renewal.order.reference
        }
    return _(
        "Its renewal order %(reference)s cannot be cancelled (%(why)s): it stays awaiting "
        "payment for you to settle, and its card is no longer charged."
    ) % {"reference": renewal.order.reference, "why": refusal.message}


# ---- how a renewal stands, in words (N1) ------------------------------------------------------


def renewal_phrase(state: str) -> str:
    """How a pass's renewal stands once its order exists, from that order's ``state``, with
    ``%(reference)s`` for the order's reference (a page puts a link there): the one sentence
    for My passes, the admin's pass page and the refusals that name it."""
    if state == OrderState.PENDING:
        return _("Renewal order %(reference)s is awaiting payment")
    if state == OrderState.CANCELLED:
        return _("Renewal stopped: order %(reference)s was cancelled")
    if state == OrderState.EXPIRED:
        return _("Not renewed: order %(reference)s expired unpaid")
    if state == OrderState.REFUNDED:
        return _("Renewal order %(reference)s was refunded")
    return _("Renewed with order %(reference)s")  # paid, or partly refunded


def describe_renewal(renewal: Renewal) -> str:
    """``renewal_phrase`` of the renewal's order, with its reference."""
    return renewal_phrase(renewal.order.state) % {"reference": renewal.order.reference}


def run_renewals(today: dt.date | None = None, *, now: dt.datetime | None = None):
    """The daily job's renewals; see ``services.renewal_job.run_renewals``."""
    from .renewal_job import run_renewals as run

    return run(today, now=now)


__all__ = [
    "CommitmentProgress",
    "commitment_progress",
    "commitment_progress_for",
    "describe_renewal",
    "expired_unused",
    "follow_renewed_pass",
    "follow_renewed_pass_of",
    "lock_pending_renewal_orders",
    "open_renewal",
    "opt_in",
    "opt_out",
    "payments_made",
    "renewal_due_on",
    "renewal_phrase",
    "renewal_starts_on",
    "run_renewals",
    "staff_stop_renewal",
    "stop_renewal_if_expired_unused",
    "stop_renewal_of_finished",
    "stop_renewal_outcome",
]
