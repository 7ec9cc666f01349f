"""``manage.py passes_front_desk_group``: create the "Front desk" staff group."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from wagtail_passes.services.staff_roles import (
    FRONT_DESK_GROUP,
    FRONT_DESK_PERMISSIONS,
    ensure_front_desk_group,
)


class Command(BaseCommand):
    help = (
        "Create the 'Front desk' group: check-in, bookings, desk sales and payments; no "
        "refunds, discount codes, reports or programme settings. Run again to put its "
        "permissions back. Add your desk staff to it in Settings > Users."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", default=FRONT_DESK_GROUP, help="The group's name.")

    def handle(self, *args, name=FRONT_DESK_GROUP, **options):
        try:
            group, created = ensure_front_desk_group(name)
        except LookupError as error:
            raise CommandError(str(error)) from error
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} the group '{group.name}' with {len(FRONT_DESK_PERMISSIONS)} permissions."
            )
        )
