"""The tidy job (C5): the frequent housekeeping that cannot wait for the daily job.

Unpaid orders whose hold ran out expire and their members are emailed. What they held
stopped counting the moment the hold ran out (``models.holds``): the job brings the stored
state and the emails in line, it frees nothing itself. Then refunds requested but never
answered by the payment provider (the process asking died, the provider could not be
reached) are asked again with the same idempotency key, and refunds left unconfirmed too
long are shown to staff (``refund_requests.send_waiting_requests``). Run it every few minutes:
``manage.py passes_tidy`` (cron, systemd timer) or the ``wagtail_passes.tasks.run_tidy_job``
task. Each step is idempotent and works one row per transaction, so running it twice, or
beside checkouts and the daily job, changes nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .orders import expire_orders
from .refund_requests import send_waiting_requests


@dataclass
class TidyReport:
    at: dt.datetime
    orders_expired: int = 0
    refunds_sent: int = 0  # requests the provider answered now
    refunds_waiting: int = 0  # requests the provider could not be asked about (again)
    refunds_to_check: int = 0  # requests or refunds staff were asked to check by hand

    def summary(self) -> str:
        when = self.at.isoformat(timespec="seconds")
        return (
            f"{when}: {self.orders_expired} unpaid orders expired, {self.refunds_sent} "
            f"waiting refunds sent, {self.refunds_waiting} still waiting, "
            f"{self.refunds_to_check} for staff to check"
        )


def run_tidy(now: dt.datetime | None = None) -> TidyReport:
    """Run every tidy step at ``now`` (default: the current time). Add further steps here,
    each with its count on the report and in ``summary``."""
    report = TidyReport(at=now or timezone.now())
    report.orders_expired = expire_orders(report.at)
    sent = send_waiting_requests(report.at)
    report.refunds_sent = sent["sent"] + sent["refused"]
    report.refunds_waiting = sent["unavailable"]
    report.refunds_to_check = sent["stuck"]
    return report
