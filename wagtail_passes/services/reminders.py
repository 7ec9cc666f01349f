"""Expiry reminders (N3): before a member pass ends with something left, its holder is
emailed once per threshold of ``WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS``.

Which passes: usable ones (active or on hold: a hold has already moved the end out, and
the email says until when it is held), with a last valid day from today to the largest
threshold, with something left (a balance above 0, or unlimited), whose member has not
turned reminders off (``MemberProfile.expiry_reminders``; no profile means yes). A pass
that renews automatically is reminded too: the email says it renews.

Once per pass and threshold: ``ReminderSent`` rows are inserted under the pass's row lock
(``services.locking``) and re-read there, so two runs at once send one email; the unique
constraint is the last guard. One small transaction per pass; the email goes out on
commit (``notifications.email_on_commit``), rendered in the member's language when it
is sent (``services.reminder_email``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from ..conf import passes_settings
from ..exceptions import PassesError
from ..models import MemberPass, MemberProfile, PassStatus, ReminderSent
from ..presentation import local_today
from ..rules.reminders import days_left, thresholds_to_record
from ..rules.types import UNLIMITED
from .locking import lock_member_pass
from .notifications import EXPIRY_REMINDER, email_on_commit
from .profiles import wants_expiry_reminders


@dataclass
class ReminderReport:
    """``sent``: the passes reminded (their email enqueued on commit); ``recorded``: the
    ``ReminderSent`` rows written (more than the emails when a late run passed over a
    threshold)."""

    today: dt.date
    sent: list[int] = field(default_factory=list)
    recorded: int = 0

    def summary(self) -> str:
        return (
            f"{self.today.isoformat()}: {len(self.sent)} expiry reminders sent, "
            f"{self.recorded} thresholds recorded"
        )


def reminder_thresholds() -> list[int]:
    """The configured thresholds (checked by ``wagtail_passes.E006``), largest first."""
    return sorted(set(passes_settings.EXPIRY_REMINDER_DAYS), reverse=True)


def wants_reminders():
    """Members who have not turned expiry reminders off, for ``member`` lookups."""
    opted_out = MemberProfile.objects.filter(member=OuterRef("member"), expiry_reminders=False)
    return ~Exists(opted_out)


def passes_to_remind(today: dt.date, horizon: int):
    """Usable passes with something left whose last valid day lies from ``today`` to
    ``horizon`` days after it, held by members who want reminders."""
    return (
        MemberPass.objects.usable()
        .filter(
            Q(balance__gt=0) | Q(kind=UNLIMITED),
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=horizon),
        )
        .filter(wants_reminders())
        .order_by("pk")
    )


def send_expiry_reminders(today: dt.date | None = None) -> ReminderReport:
    """Email every pass due a reminder on ``today`` (default: the site's today), once per
    threshold. Safe to run twice, late, or twice at once. Returns what it did."""
    if today is not None and (not isinstance(today, dt.date) or isinstance(today, dt.datetime)):
        raise PassesError(
            "send_expiry_reminders takes a date (or None for today).", code="invalid_date"
        )
    today = today or local_today()
    report = ReminderReport(today=today)
    thresholds = reminder_thresholds()
    if not thresholds:
        return report
    due = passes_to_remind(today, thresholds[0])
    candidates = list(due.values_list("pk", "valid_until"))
    sent_before = defaultdict(set)
    # A subquery, not a list of ids: no limit on how many passes end this week.
    rows = ReminderSent.objects.filter(member_pass_id__in=due.values("pk"))
    for pass_id, days in rows.values_list("member_pass_id", "days_before"):
        sent_before[pass_id].add(days)
    for pk, valid_until in candidates:
        # A cheap first look without a lock; the decision is taken again under it.
        if thresholds_to_record(days_left(valid_until, today), thresholds, sent_before[pk]):
            recorded = _remind(pk, today, thresholds)
            if recorded:
                report.sent.append(pk)
                report.recorded += recorded
    return report


def _remind(pk: int, today: dt.date, thresholds: list[int]) -> int:
    """Record and email one pass's reminder under its lock; returns the rows written."""
    with transaction.atomic():
        member_pass = lock_member_pass(pk)
        if not _still_due(member_pass, today):
            return 0
        already = ReminderSent.objects.filter(member_pass=member_pass).values_list(
            "days_before", flat=True
        )
        due = thresholds_to_record(
            days_left(member_pass.valid_until, today), thresholds, list(already)
        )
        if not due:
            return 0
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the pass's lock held
                ReminderSent.objects.bulk_create(
                    [ReminderSent(member_pass=member_pass, days_before=days) for days in due]
                )
        except IntegrityError:  # another run recorded it first
            return 0
        email_on_commit(
            EXPIRY_REMINDER,
            member_pass.member,
            member_pass_id=member_pass.pk,
            days_before=due[0],
            today=today.isoformat(),
        )
        return len(due)


def _still_due(member_pass: MemberPass, today: dt.date) -> bool:
    """The candidate filter, again on the locked row (a booking may have used it up, staff
    cancelled it, the member turned reminders off)."""
    return (
        member_pass.status in (PassStatus.ACTIVE, PassStatus.ON_HOLD)
        and (member_pass.balance > 0 or member_pass.kind == UNLIMITED)
        and member_pass.valid_until is not None
        and member_pass.valid_until >= today
        and wants_expiry_reminders(member_pass.member_id)
    )
