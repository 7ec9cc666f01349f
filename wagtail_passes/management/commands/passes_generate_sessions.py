"""Generate sessions for every schedule; run it daily to keep the horizon filled."""

from django.core.management.base import BaseCommand

from ...services import generate_all_sessions


class Command(BaseCommand):
    help = "Generate the sessions of every schedule up to the scheduling horizon (idempotent)."

    def handle(self, *args, **options):
        reports = generate_all_sessions()
        for report in reports:
            style = self.style.WARNING if report.kept_with_bookings else self.style.SUCCESS
            self.stdout.write(style(report.summary()))
        if not reports:
            self.stdout.write("No schedule can produce sessions any more.")
