"""Django system checks that catch a misconfigured host site early.

IDs: wagtail_passes.E001 ... for errors, W001 ... for warnings. They are listed
in docs/reference/settings.md.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .conf import passes_settings
from .rules.money import SUPPORTED_CURRENCIES

REQUIRED_APPS = [
    "wagtail",
    "wagtail.admin",
    "wagtail.users",
    "wagtail_modeladmin",
    "modelcluster",
    "taggit",
    "crispy_forms",
    "crispy_bootstrap5",
]


@register(Tags.compatibility)
def check_required_apps(app_configs=None, **kwargs):
    installed = set(settings.INSTALLED_APPS)
    return [
        Error(
            f"wagtail_passes needs {app!r} in INSTALLED_APPS.",
            hint=f"Add {app!r} to INSTALLED_APPS (see docs/tutorial/quickstart.md).",
            id="wagtail_passes.E001",
        )
        for app in REQUIRED_APPS
        if app not in installed
    ]


@register(Tags.compatibility)
def check_time_zone(app_configs=None, **kwargs):
    errors = []
    if not settings.USE_TZ:
        errors.append(
            Error(
                "wagtail_passes needs USE_TZ = True: session times are stored as aware datetimes.",
                hint="Set USE_TZ = True in your settings.",
                id="wagtail_passes.E002",
            )
        )
    try:
        zoneinfo.ZoneInfo(passes_settings.time_zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(
            Error(
                f"WAGTAIL_PASSES_TIME_ZONE {passes_settings.time_zone_name!r} is not a known "
                "time zone.",
                hint="Use an IANA name such as 'Europe/Berlin', or leave it unset for TIME_ZONE.",
                id="wagtail_passes.E003",
            )
        )
    return errors


@register(Tags.compatibility)
def check_values(app_configs=None, **kwargs):
    errors = []
    currency = passes_settings.DEFAULT_CURRENCY
    if currency not in SUPPORTED_CURRENCIES:
        errors.append(
            Error(
                f"WAGTAIL_PASSES_DEFAULT_CURRENCY {currency!r} is not a supported currency code.",
                hint="Use an ISO 4217 code with 0 or 2 decimals, e.g. 'EUR', 'GBP', 'JPY'.",
                id="wagtail_passes.E004",
            )
        )
    horizon = passes_settings.SCHEDULE_HORIZON_DAYS
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= 730:
        errors.append(
            Error(
                f"WAGTAIL_PASSES_SCHEDULE_HORIZON_DAYS must be a whole number of days between "
                f"1 and 730, not {horizon!r}.",
                id="wagtail_passes.E005",
            )
        )
    if not passes_settings.from_email:
        errors.append(
            Warning(
                "DEFAULT_FROM_EMAIL is empty, so booking emails have no sender.",
                hint="Set DEFAULT_FROM_EMAIL or WAGTAIL_PASSES_FROM_EMAIL.",
                id="wagtail_passes.W001",
            )
        )
    return errors
