"""Ready-made staff groups: the "Front desk" (check-in, bookings, desk sales).

A studio's front desk checks members in, books them, sells at the desk and takes payments;
it does not refund, make discount codes, see the reports or change programme settings.
``ensure_front_desk_group`` creates the group (or puts its permissions back to exactly
these) and is run by ``manage.py passes_front_desk_group``; docs/how-to/front-desk.md
lists what each permission opens.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

FRONT_DESK_GROUP = "Front desk"

#: (app label, codename): what the front desk may do, and nothing else.
FRONT_DESK_PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    # the registers, check-in, booking members, cancelling bookings, paid at the desk
    ("wagtail_passes", "view_booking"),
    ("wagtail_passes", "add_booking"),
    ("wagtail_passes", "change_booking"),
    ("wagtail_passes", "view_session"),
    # a member's passes, orders and registrations (the member profile)
    ("wagtail_passes", "view_memberpass"),
    ("wagtail_passes", "view_order"),
    ("wagtail_passes", "view_registration"),
    # desk sales and "Mark paid"
    ("wagtail_passes", "sell_at_desk"),
)


def front_desk_permissions() -> list[Permission]:
    wanted = Q(pk__in=[])
    for app_label, codename in FRONT_DESK_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(wanted).select_related("content_type"))
    found = {(p.content_type.app_label, p.codename) for p in permissions}
    missing = sorted(set(FRONT_DESK_PERMISSIONS) - found)
    if missing:
        # Permissions are created by ``migrate``; a missing one means it has not run.
        raise LookupError(
            "Missing permissions (run manage.py migrate first): "
            + ", ".join(f"{app}.{code}" for app, code in missing)
        )
    return permissions


def ensure_front_desk_group(name: str = FRONT_DESK_GROUP) -> tuple[Group, bool]:
    """The front-desk group with exactly ``FRONT_DESK_PERMISSIONS``; (group, created).
    Running it again puts back permissions someone changed by hand."""
    with transaction.atomic():
        group, created = Group.objects.get_or_create(name=name)
        group.permissions.set(front_desk_permissions())
    return group, created
