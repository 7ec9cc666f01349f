"""``manage.py passes_tidy``: the tidy job (unpaid orders whose hold ran out expire). Run it
every few minutes."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from wagtail_passes.services.tidy import run_tidy


class Command(BaseCommand):
    help = (
        "Expire the unpaid orders whose hold has run out and email their members (C5). "
        "Meant for cron every few minutes; safe to run at any time, as often as you like."
    )

    def handle(self, *args, **options):
        report = run_tidy()
        self.stdout.write(self.style.SUCCESS(report.summary()))
