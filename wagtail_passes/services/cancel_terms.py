"""P6 in one place: may a member still cancel a booking of this session, and how that reads.

``cancel_terms`` is what ``services.booking.cancel_booking`` asks before it lets a member
cancel, and what the booking page, the booked page, the calendar's row of a booked session
and the emails (``notifications.cancel_until``) show: the moment a member reads is the moment
that applies (``Session.cancellation_deadline``, ``rules.booking_window``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ..presentation import format_weekday_moment
from ..rules.attendance_policy import late_cancel_outcome

#: What a booking would lose by not being cancelled in time (the closed sentence's end).
ENTRY = "entry"  # a pass pays: its entry, credit or money stays used
DUE = "due"  # no pass pays: the amount due stays owed
PAID = "paid"  # no pass paid, the price was paid online: the money stays paid
NOTHING = "nothing"  # a free session


@dataclass(frozen=True)
class CancelTerms:
    open: bool  # a member may still cancel online
    deadline: dt.datetime  # local, the last moment that counts
    until: str  # the deadline in words: "Tuesday, 8 December 2026, 18:00"
    text: str  # the sentence a member reads before (and after) booking

    def __str__(self) -> str:
        return self.text


def cancel_terms(session, now: dt.datetime | None = None, *, losing: str = ENTRY) -> CancelTerms:
    """P6 for ``session`` at ``now``: "Free cancellation until …", or that cancelling is
    closed and what stays used (``losing``: ENTRY, DUE, PAID or NOTHING); or, after the
    cutoff under a policy that lets members cancel late (L1), what cancelling now costs in
    the rule's words (``open`` stays False: the cutoff has passed)."""
    deadline = session.cancellation_deadline
    until = format_weekday_moment(deadline)
    if session.member_may_cancel(now or timezone.now()):
        text = _("Free cancellation until %(when)s") % {"when": until}
        return CancelTerms(True, deadline, until, text)
    policy = session.programme_class.programme.attendance_policy()
    if policy.members_may_cancel_late:  # L1: still open, at the policy's cost
        outcome = late_cancel_outcome(policy, pass_paid=losing == ENTRY, amount_due=None)
        return CancelTerms(False, deadline, until, outcome.text)
    if losing == DUE:
        text = _("Cancelling is closed for this session: the price stays due")
    elif losing == PAID:
        text = _("Cancelling is closed for this session: the money will not come back")
    elif losing == NOTHING:
        text = _("Cancelling is closed for this session")
    else:
        text = _("Cancelling is closed for this session: the entry will not come back")
    return CancelTerms(False, deadline, until, text)


def losing_for(booking) -> str:
    """What ``booking`` keeps used after the cutoff: its pass's entry, its amount due, the
    money paid for it, or nothing (a free session)."""
    if booking.member_pass_id is not None:
        return ENTRY
    if booking.amount_due:
        return DUE
    return PAID if booking.price else NOTHING
