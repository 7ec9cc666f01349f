"""Attendance policies (L1, L2): what a late cancellation or a no-show costs.

One rule, one function each: ``late_cancel_outcome`` and ``no_show_outcome`` decide what
happens and word it, and everything else asks them: the services that enforce it, the
cancel page's warning ("Cancelling now costs …"), the emails, the charge's reason and the
programme's help text (``describe_policy``). Pure: the caller reads the programme and
counts the earlier no-shows (``services.charges``).

A no-show's grace ("the first no-show in a month is free") counts the attendee's *other*
no-shows in the same day, week (Monday to Sunday) or calendar month, on session dates in
the site's time zone (U1, ``rules.periods``). A graced no-show costs nothing under any
policy: no fee, and the entry (or amount due) goes back, as under ``free``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .money import Money
from .types import DAY, MONTH, WEEK

# Late cancellation (L1).
KEEP_ENTRY = "keep_entry"  # today: members cannot cancel late; staff choose
FORFEIT = "forfeit"  # members may cancel late; the entry / amount due is kept
FEE = "fee"  # the entry goes back (as in time) and a fee becomes an amount due
FREE = "free"  # nothing is kept, nothing charged

LATE_CANCEL_POLICIES = (KEEP_ENTRY, FORFEIT, FEE, FREE)
NO_SHOW_POLICIES = (KEEP_ENTRY, FEE, FREE)
GRACE_PERIODS = (DAY, WEEK, MONTH)

# What a charge records (``AttendanceCharge.state`` when it is made).
DUE = "due"  # a fee (or a kept amount due) is owed
KEPT = "kept"  # the entry stays used
NOTHING = "free"  # it cost nothing: the entry or amount due went back

LATE_CANCEL = "late_cancel"
NO_SHOW = "no_show"


@dataclass(frozen=True)
class Policy:
    """A programme's attendance policies. Fees are Money in the programme's currency (None
    when the policy charges none)."""

    late_cancel: str = KEEP_ENTRY
    late_cancel_fee: Money | None = None
    no_show: str = KEEP_ENTRY
    no_show_fee: Money | None = None
    grace: int = 0
    grace_period: str = MONTH

    def __post_init__(self):
        if self.late_cancel not in LATE_CANCEL_POLICIES:
            raise ValueError(f"unknown late cancellation policy: {self.late_cancel!r}")
        if self.no_show not in NO_SHOW_POLICIES:
            raise ValueError(f"unknown no-show policy: {self.no_show!r}")
        if self.grace_period not in GRACE_PERIODS:
            raise ValueError(f"unknown grace period: {self.grace_period!r}")
        if not isinstance(self.grace, int) or self.grace < 0:
            raise ValueError("the grace count is a whole number, 0 or more")

    @property
    def members_may_cancel_late(self) -> bool:
        return self.late_cancel != KEEP_ENTRY

    @property
    def no_show_is_default(self) -> bool:
        """Today's behaviour: the entry is kept, nothing more, nothing recorded."""
        return self.no_show == KEEP_ENTRY and self.grace == 0


@dataclass(frozen=True)
class Outcome:
    """What a late cancellation or a no-show does, and how it reads."""

    kind: str  # LATE_CANCEL or NO_SHOW
    policy: str
    return_entry: bool  # the pass's entry (or the amount due) goes back
    fee: Money | None  # a new amount due (a fee, or the kept price under FORFEIT), or None
    record: bool  # a charge records it (never at the defaults: today's behaviour)
    state: str  # DUE, KEPT or NOTHING: the recorded charge's state
    graced: bool
    text: str  # for the member, before and after: "Cancelling now costs a fee of €5.00."
    reason: str  # the charge's reason, shown with it: "No-show fee"


def _charges(fee: Money | None) -> bool:
    """A fee worth charging; a fee policy saved around validation with none charges nothing."""
    return fee is not None and fee.amount > 0


def _period_words(period: str) -> str:
    return {DAY: _("day"), WEEK: _("week"), MONTH: _("month")}[period]


def late_cancel_outcome(policy: Policy, *, pass_paid: bool, amount_due: Money | None) -> Outcome:
    """L1: what cancelling after the programme's cutoff does. ``pass_paid``: a pass paid
    the booking; ``amount_due``: what the booking owes (None or zero: nothing)."""
    owes = amount_due is not None and not amount_due.is_zero
    kind = LATE_CANCEL
    if policy.late_cancel == FEE and _charges(policy.late_cancel_fee):
        fee = policy.late_cancel_fee
        text = _("Cancelling now costs a late cancellation fee of %(fee)s.") % {"fee": fee}
        if pass_paid:
            text += " " + _("Your entry goes back to your pass.")
        elif owes:
            text += " " + _("The session's price is no longer due.")
        return Outcome(kind, FEE, True, fee, True, DUE, False, text, _("Late cancellation fee"))
    if policy.late_cancel in (FREE, FEE):  # a fee of nothing (saved around validation): free
        text = _("Cancelling now costs nothing.")
        return Outcome(kind, FREE, True, None, False, NOTHING, False, text, _("Late cancellation"))
    if policy.late_cancel == FORFEIT:
        if pass_paid:  # recorded: staff can give the entry back (L3)
            text = _("Cancelling now frees your place, but the entry is not given back.")
            reason = _("Late cancellation: entry kept")
            return Outcome(kind, FORFEIT, False, None, True, KEPT, False, text, reason)
        if owes:  # the price stays owed, as a charge of the cancelled booking
            text = _("Cancelling now frees your place, but the price of %(amount)s stays due.") % {
                "amount": amount_due
            }
            reason = _("Late cancellation: price kept")
            return Outcome(kind, FORFEIT, False, amount_due, True, DUE, False, text, reason)
        text = _("Cancelling now frees your place; nothing is given back.")
        reason = _("Late cancellation")
        return Outcome(kind, FORFEIT, False, None, False, KEPT, False, text, reason)
    text = _("Bookings cannot be cancelled online after the cutoff; please contact the studio.")
    return Outcome(kind, KEEP_ENTRY, False, None, False, KEPT, False, text, _("Late cancellation"))


def no_show_outcome(policy: Policy, *, others_in_period: int) -> Outcome:
    """L2: what a no-show costs, given how many other no-shows the attendee has in the
    booking's grace period (day, week or month of its session)."""
    kind = NO_SHOW
    if policy.grace and others_in_period < policy.grace and policy.no_show != FREE:
        text = ngettext(
            "No-show: free, the first in its %(period)s.",
            "No-show: free, one of the first %(n)d in its %(period)s.",
            policy.grace,
        ) % {"n": policy.grace, "period": _period_words(policy.grace_period)}
        return Outcome(kind, policy.no_show, True, None, True, NOTHING, True, text, text)
    if policy.no_show == FEE and _charges(policy.no_show_fee):
        fee = policy.no_show_fee
        text = _("A no-show costs a fee of %(fee)s; the entry is not given back.") % {"fee": fee}
        return Outcome(kind, FEE, False, fee, True, DUE, False, text, _("No-show fee"))
    if policy.no_show == FREE:
        text = _("A no-show costs nothing: the entry goes back.")
        return Outcome(kind, FREE, True, None, True, NOTHING, False, text, _("No-show: free"))
    text = _("A no-show keeps the entry: it is not given back.")
    return Outcome(
        kind,
        KEEP_ENTRY,
        False,
        None,
        not policy.no_show_is_default,
        KEPT,
        False,
        text,
        _("No-show: entry kept"),
    )


def describe_policy(policy: Policy) -> list[str]:
    """The policy in sentences, for the programme's admin and the member's pages."""
    late = {
        KEEP_ENTRY: _("After the cutoff, members cannot cancel online (staff can)."),
        FORFEIT: _("After the cutoff, members may cancel; the entry or price is kept."),
        FEE: _("After the cutoff, members may cancel for a fee of %(fee)s."),
        FREE: _("After the cutoff, members may still cancel at no cost."),
    }[policy.late_cancel]
    if policy.late_cancel == FEE:
        late %= {"fee": policy.late_cancel_fee}
    no_show = {
        KEEP_ENTRY: _("A no-show keeps the entry."),
        FEE: _("A no-show keeps the entry and costs a fee of %(fee)s."),
        FREE: _("A no-show costs nothing."),
    }[policy.no_show]
    if policy.no_show == FEE:
        no_show %= {"fee": policy.no_show_fee}
    lines = [late, no_show]
    if policy.grace and policy.no_show != FREE:
        lines.append(
            ngettext(
                "The first no-show in a %(period)s is free.",
                "The first %(n)d no-shows in a %(period)s are free.",
                policy.grace,
            )
            % {"n": policy.grace, "period": _period_words(policy.grace_period)}
        )
    return lines
