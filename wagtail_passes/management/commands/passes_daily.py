"""``manage.py passes_daily``: the daily job (expiry, holds, renewals). Run it once a day."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from wagtail_passes.services.daily import run_daily


class Command(BaseCommand):
    help = (
        "Expire member passes past their validity window (writing off what was left) and "
        "move passes into and out of their holds, expire unpaid orders whose hold ran out (as "
        "passes_tidy does), create the renewal orders that are due and charge saved cards for "
        "them (N1). Safe to run more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="Judge statuses on this day (YYYY-MM-DD) instead of today, e.g. to catch up.",
        )

    def handle(self, *args, date=None, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from exc
        report = run_daily(today)
        self.stdout.write(self.style.SUCCESS(report.summary()))
