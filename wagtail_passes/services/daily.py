"""The daily job (V6, V7): stored statuses follow the calendar.

Past its window a pass expires, with an ``expire`` movement writing off what was left;
a pass whose hold covers today is *on hold*, and *active* again once the hold is over.
N1: a pass that renews "when it is used up" and expires with something left never renews:
it stops renewing and its renewal order awaiting payment is cancelled, in the expiry's
transaction (``renewals.stop_renewal_if_expired_unused``); one that renews "when it
expires" keeps its renewal order, made two days before.
Everything goes through ``ledger.refresh_status`` — the rule every write also applies —
one pass per transaction under its lock, so running the job twice, or beside bookings,
changes nothing more.

Then no-shows marked without their programme's policy get it (L2,
``services.charges.apply_pending_no_shows``; once: a no-show charged is never charged again).

Then the renewals (N1): renewal orders due today are created and saved cards charged
(``services.renewal_job``), after the statuses so a pass's window is today's; then the
expiry reminders (N3, ``services.reminders``); then the held dates of series bookings whose
booking has opened (T1, ``services.series``).

Run it once a day: ``manage.py passes_daily`` (cron, systemd timer) or the
``wagtail_passes.tasks.run_daily_job`` task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from ..exceptions import PassesError
from ..models import MemberPass, PassStatus
from ..presentation import local_today
from .charges import apply_pending_no_shows
from .ledger import refresh_status
from .locking import lock_member_pass
from .orders import expire_orders
from .reminders import ReminderReport, send_expiry_reminders
from .renewal_job import RenewalReport, run_renewals
from .renewals import lock_pending_renewal_orders, stop_renewal_if_expired_unused
from .series import HeldReport, book_held_dates


@dataclass
class DailyReport:
    today: dt.date
    expired: list[int] = field(default_factory=list)
    on_hold: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)
    written_off: list[int] = field(default_factory=list)
    orders_expired: int = 0
    no_shows_charged: list[int] = field(default_factory=list)
    renewals: RenewalReport | None = None
    reminders: ReminderReport | None = None
    series: HeldReport | None = None

    def summary(self) -> str:
        text = (
            f"{self.today.isoformat()}: {len(self.expired)} expired, "
            f"{len(self.on_hold)} put on hold, {len(self.resumed)} active again, "
            f"{len(self.written_off)} written off, {self.orders_expired} unpaid orders expired"
        )
        if self.no_shows_charged:
            text += f", {len(self.no_shows_charged)} no-show policies applied"
        if self.renewals is not None:
            text += ", " + self.renewals.summary()
        if self.reminders is not None:
            text += f", {len(self.reminders.sent)} expiry reminders sent"
        if self.series is not None:
            text += ", " + self.series.summary()
        return text


def passes_to_check(today: dt.date):
    """Passes whose stored status may differ from the rule on ``today``."""
    finished = [PassStatus.CANCELLED, PassStatus.EXPIRED]
    return MemberPass.objects.filter(
        (~Q(status__in=finished) & (Q(valid_until__lt=today) | ~Q(hold_ranges=[])))
        | Q(status=PassStatus.ON_HOLD)
        | Q(status__in=finished, balance__gt=0)
    ).order_by("pk")


def run_daily(today: dt.date | None = None) -> DailyReport:
    """Bring every pass's stored status to what it is on ``today`` (default: the site's
    today). Idempotent."""
    if today is not None and (not isinstance(today, dt.date) or isinstance(today, dt.datetime)):
        raise PassesError("run_daily takes a date (or None for today).", code="invalid_date")
    today = today or local_today()
    report = DailyReport(today=today)
    for pk in passes_to_check(today).values_list("pk", flat=True):
        with transaction.atomic():
            lock_pending_renewal_orders([pk])  # an expiry may cancel one: orders first
            member_pass = lock_member_pass(pk)
            before = member_pass.status
            write_off = refresh_status(member_pass, today=today)
            after = member_pass.status
            if after == PassStatus.EXPIRED and before != PassStatus.EXPIRED:
                report.expired.append(pk)  # refresh_status sent ``pass_expired``
                stop_renewal_if_expired_unused(member_pass)
            elif write_off is not None:
                report.written_off.append(pk)
            elif after == PassStatus.ON_HOLD and before != PassStatus.ON_HOLD:
                report.on_hold.append(pk)
            elif before == PassStatus.ON_HOLD and after != PassStatus.ON_HOLD:
                report.resumed.append(pk)
    # Unpaid orders whose hold ran out (C5) expire by the clock, not by ``today``.
    report.orders_expired = expire_orders()
    # L2: no-shows marked without their policy (a backstop: marking applies it).
    report.no_shows_charged = apply_pending_no_shows()
    report.renewals = run_renewals(today)
    # N3: after the renewals, on the statuses just written.
    report.reminders = send_expiry_reminders(today)
    # T1: held series dates whose booking has opened (a deferred task books them on time
    # where the Tasks backend can defer; this catches the rest).
    report.series = book_held_dates()
    return report
