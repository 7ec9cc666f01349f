"""Auto-renewal (N1) and commitments (N2): the member's opt-in and opt-out, staff stopping a
renewal, when a pass renews, and how many payments a renewal chain has made.

A *renewal chain* is the first pass and every pass that renewed it: ``Renewal`` links the
pass renewed (``member_pass``) to the pass its paid order issued (``new_pass``). Each paid
pass of the chain is one payment; the commitment is the first pass's (the number the
member agreed to when they first bought).

The daily job that creates renewal orders and charges saved cards is
``services.renewal_job.run_renewals`` (also importable from here).

Locks: the member pass, as every pass tool; writes are audited on the pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..audit import log_action
from ..exceptions import PassError
from ..models import MemberPass, OrderState, PassStatus, ProductKind, Renewal, RenewWhen
from .locking import lock_member_pass
from .permissions import MANAGE_PASSES, require_member_or_staff, require_staff

#: "Renew when it expires": the order is created this many days before the last valid day.
DAYS_BEFORE_EXPIRY = 2
#: "Renew when it is used up": this many days after the last session it paid for.
DAYS_AFTER_LAST_USE = 1
MAX_REASON_LENGTH = 1000

ON = "wagtail_passes.pass.renew_on"
OFF = "wagtail_passes.pass.renew_off"
STOPPED = "wagtail_passes.pass.stop_renewal"


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


def commitment_progress_for(passes: Iterable[MemberPass]) -> dict[int, CommitmentProgress]:
    """``commitment_progress`` of each pass, by primary key, in two queries whatever the
    number of passes (lists and reports). The chain is read from the ``Renewal`` rows of
    the passes' members. A pass whose order was refunded in full is not a payment made:
    the money went back."""
    passes = list(passes)
    if not passes:
        return {}
    refunded_order = Q(order_line__order__state=OrderState.REFUNDED)
    rows = Renewal.objects.filter(
        member_pass__member_id__in={p.member_id for p in passes}, new_pass__isnull=False
    ).values_list(
        "new_pass_id",
        "member_pass_id",
        "member_pass__is_paid",
        "member_pass__commitment_payments",
        "member_pass__order_line__order__state",
    )
    previous = {
        new: (old, paid and state != OrderState.REFUNDED, committed)
        for new, old, paid, committed, state in rows
    }
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
    expires"), or None: a used-up pass's renewal starts like any pass."""
    if member_pass.renew_when == RenewWhen.EXPIRED and member_pass.valid_until is not None:
        return member_pass.valid_until + dt.timedelta(days=1)
    return None


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
    renewal = Renewal.objects.filter(member_pass=member_pass).select_related("order").first()
    if renewal is not None:
        raise PassError(
            _("This pass has been renewed already, with order %(reference)s.")
            % {"reference": renewal.order.reference},
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
    order already created and still unpaid is cancelled too, so no card is charged for a
    renewal staff stopped (when the order cannot be cancelled — its pass already paid for a
    session under P4 — its card retries stop and it stays for staff to settle)."""
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
        member_pass = lock_member_pass(member_pass)
        if not member_pass.auto_renew:
            raise PassError(_("This pass does not renew."), code="not_renewing")
        progress = commitment_progress(member_pass)
        member_pass.auto_renew = False
        member_pass.save(update_fields=["auto_renew"])
        message = _("Renewal stopped: %(reason)s") % {"reason": reason}
        if progress.required:
            message += " (" + progress.describe() + ")"
        log_action(
            member_pass,
            STOPPED,
            by,
            message,
            reason=reason,
            payments_made=progress.made,
            payments_required=progress.required,
        )
    _cancel_pending_renewal_order(member_pass, by)
    return member_pass


def _cancel_pending_renewal_order(member_pass: MemberPass, by) -> None:
    """After the pass's transaction (the order is locked before its passes, never after)."""
    from ..exceptions import CheckoutError
    from ..models import OrderState
    from .orders import cancel_order

    renewal = Renewal.objects.filter(
        member_pass=member_pass, order__state=OrderState.PENDING
    ).first()
    if renewal is None:
        return
    Renewal.objects.filter(pk=renewal.pk).update(next_charge_at=None)
    try:
        cancel_order(renewal.order, by)
    except CheckoutError:  # pass_in_use: the order is owed; staff settle it from the order
        pass


def run_renewals(today: dt.date | None = None, *, now: dt.datetime | None = None):
    """The daily job's renewals; see ``services.renewal_job.run_renewals``."""
    from .renewal_job import run_renewals as run

    return run(today, now=now)


__all__ = [
    "CommitmentProgress",
    "commitment_progress",
    "commitment_progress_for",
    "opt_in",
    "opt_out",
    "payments_made",
    "renewal_due_on",
    "renewal_starts_on",
    "run_renewals",
    "staff_stop_renewal",
]
