"""Load demo data: a studio with a Pay-as-you-go yoga programme and a swim-club season.

Safe to run again: everything is looked up by its natural key first, and sessions
come from the schedules' idempotent generation. ``--logins`` also makes an admin
and a member login (only with DEBUG on, since the passwords are printed).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from ...conf import passes_settings
from ...models import LinkPool, Programme, ProgrammeClass, Schedule
from ...services import generate_sessions

DEMO_LOGINS = {
    "admin": ("admin", "passes-admin"),
    "member": ("member", "passes-member"),
}

# programme slug -> (fields, classes); each class: (name, fields, pool name, schedules)
# schedule: (weekdays, "HH:MM", minutes)
DEMO_PROGRAMMES = {
    "pay-as-you-go-yoga": (
        {
            "name": "Pay-as-you-go Yoga",
            "description": "Drop in to any yoga class and pay per session, or use a pass.",
            "default_unit_price": Decimal("12.00"),
            "booking_opens_days_before": 28,
            "booking_closes_minutes_before": 15,
            "cancellation_cutoff_hours": 12,
            "default_capacity": 14,
        },
        [
            (
                "Yoga Flow",
                {"location": "Studio 1", "instructor": "Maya"},
                "Flow & Vinyasa",
                [([0, 2], "18:30", 60), ([5], "10:00", 75)],
            ),
            (
                "Vinyasa",
                {"location": "Studio 1", "instructor": "Leo"},
                "Flow & Vinyasa",
                [([1, 3], "07:15", 45)],
            ),
            (
                "Yin Yoga",
                {
                    "location": "Studio 2",
                    "instructor": "Maya",
                    "unit_price": Decimal("10.00"),
                    "capacity": 10,
                },
                None,
                [([4], "19:00", 75)],
            ),
        ],
    ),
    "swim-club-season": (
        {
            "name": "Swim Club Season",
            "description": "Training for club members with a season pass.",
            "default_unit_price": Decimal("8.00"),
            "require_valid_pass": True,
            "booking_opens_days_before": 14,
            "booking_closes_minutes_before": 60,
            "cancellation_cutoff_hours": 24,
            "default_capacity": 20,
        },
        [
            (
                "Squad training",
                {"location": "Harbour Pool, lanes 1-4", "instructor": "Coach Sam"},
                None,
                [([0, 3], "06:30", 90)],
            ),
            (
                "Masters swim",
                {"location": "Harbour Pool, lanes 5-6", "instructor": "Coach Ana"},
                None,
                [([2], "20:00", 60), ([6], "08:00", 60)],
            ),
        ],
    ),
}


class Command(BaseCommand):
    help = "Load demo programmes, classes, schedules and sessions (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Also create an admin and a member login and print their passwords "
            "(refused unless DEBUG is on).",
        )

    def handle(self, *args, logins=False, **options):
        if logins and not settings.DEBUG:
            raise CommandError("Refusing to create demo logins with known passwords: DEBUG is off.")
        with transaction.atomic():
            programmes = [self._programme(slug, *spec) for slug, spec in DEMO_PROGRAMMES.items()]
            schedules = Schedule.objects.filter(programme_class__programme__in=programmes).order_by(
                "pk"
            )
        created = sum(len(generate_sessions(s, horizon_days=56).created) for s in schedules)
        self.stdout.write(
            f"Demo programmes: {', '.join(p.name for p in programmes)}; "
            f"{created} new sessions over the next 8 weeks."
        )
        if logins:
            self._logins()
        self._urls()

    def _programme(self, slug, fields, classes) -> Programme:
        fields = {"currency": passes_settings.DEFAULT_CURRENCY, **fields}
        programme, _ = Programme.objects.get_or_create(slug=slug, defaults=fields)
        today = timezone.localdate(timezone=passes_settings.tzinfo)
        for name, class_fields, pool_name, schedules in classes:
            pool = None
            if pool_name:
                pool, _ = LinkPool.objects.get_or_create(programme=programme, name=pool_name)
            klass, _ = ProgrammeClass.objects.get_or_create(
                programme=programme, name=name, defaults={**class_fields, "link_pool": pool}
            )
            for weekdays, start, minutes in schedules:
                Schedule.objects.get_or_create(
                    programme_class=klass,
                    start_time=dt.time.fromisoformat(start),
                    weekdays=weekdays,
                    defaults={"duration_minutes": minutes, "starts_on": today},
                )
        return programme

    def _logins(self):
        User = get_user_model()
        for role, (username, password) in DEMO_LOGINS.items():
            user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
            if user is None:
                user = User(**{User.USERNAME_FIELD: username})
            user.email = f"{username}@harbour-studio.example"
            user.is_staff = user.is_superuser = role == "admin"
            user.is_active = True
            user.set_password(password)
            user.save()
            self.stdout.write(f"{role.capitalize()} login: {username} / {password}")

    def _urls(self):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        base = "http://127.0.0.1:8000"
        self.stdout.write(f"Site:  {base}/")
        self.stdout.write(f"Admin: {base}/admin/  (Passes menu)")
        if site is None:
            self.stdout.write(
                self.style.WARNING("No default Wagtail site: create one in the admin.")
            )
