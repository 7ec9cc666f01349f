"""Django system checks that catch a misconfigured host site early.

IDs: wagtail_passes.E001 ... for errors, W001 ... for warnings. They are listed
in docs/reference/settings.md.
"""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from email.utils import parseaddr

from django.apps import apps
from django.conf import global_settings, settings
from django.core.checks import Error, Tags, Warning, register

from .conf import passes_settings
from .rules.money import SUPPORTED_CURRENCIES

# Apps the package needs at run time, by app name (an AppConfig's ``name``), so a host that
# lists one by its AppConfig path ("wagtail_modeladmin.apps.WagtailModelAdminAppConfig")
# is recognised too.
REQUIRED_APPS = [
    "wagtail",
    "wagtail.admin",
    "wagtail.users",
    "wagtail_modeladmin",
    "modelcluster",
    "taggit",
]


@register(Tags.compatibility)
def check_required_apps(app_configs=None, **kwargs):
    return [
        Error(
            f"wagtail_passes needs {app!r} in INSTALLED_APPS.",
            hint=f"Add {app!r} to INSTALLED_APPS (see docs/tutorial/quickstart.md).",
            id="wagtail_passes.E001",
        )
        for app in REQUIRED_APPS
        if not apps.is_installed(app)
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
    name = passes_settings.time_zone_name
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        # TypeError: not a string at all, e.g. a ZoneInfo object instead of its name.
        errors.append(
            Error(
                f"WAGTAIL_PASSES_TIME_ZONE {name!r} is not a known time zone.",
                hint="Use an IANA name such as 'Europe/Berlin', or leave it unset for TIME_ZONE.",
                id="wagtail_passes.E003",
            )
        )
    return errors


def _sender_problem(sender) -> str | None:
    """Why booking emails would go out without a usable sender, or None."""
    if not sender:
        return "is empty"
    if not isinstance(sender, str) or "@" not in parseaddr(sender)[1]:
        return f"{sender!r} is not an email address"
    if sender == global_settings.DEFAULT_FROM_EMAIL:
        # What every host that never set DEFAULT_FROM_EMAIL gets.
        return f"is Django's placeholder {sender!r}"
    return None


@register(Tags.compatibility)
def check_values(app_configs=None, **kwargs):
    errors = []
    currency = passes_settings.DEFAULT_CURRENCY
    if not isinstance(currency, str) or currency not in SUPPORTED_CURRENCIES:
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
    problem = _sender_problem(passes_settings.from_email)
    if problem:
        setting = (
            "WAGTAIL_PASSES_FROM_EMAIL" if passes_settings.FROM_EMAIL else "DEFAULT_FROM_EMAIL"
        )
        errors.append(
            Warning(
                f"Booking emails have no real sender: {setting} {problem}.",
                hint=(
                    "Set DEFAULT_FROM_EMAIL (or WAGTAIL_PASSES_FROM_EMAIL for booking emails "
                    "only) to an address members can reply to, e.g. "
                    "'Harbour Studio <hello@example.com>'."
                ),
                id="wagtail_passes.W001",
            )
        )
    return errors


@register(Tags.compatibility)
def check_stripe(app_configs=None, **kwargs):
    """Card payments need both Stripe settings: with only one, Stripe is silently off."""
    has_key = bool(passes_settings.STRIPE_SECRET_KEY)
    has_secret = bool(passes_settings.STRIPE_WEBHOOK_SECRET)
    if has_key == has_secret:
        return []
    missing = "WEBHOOK_SECRET" if has_key else "SECRET_KEY"
    return [
        Warning(
            f"Card payments by Stripe are off: WAGTAIL_PASSES_STRIPE_{missing} is not set.",
            hint=(
                "Set both WAGTAIL_PASSES_STRIPE_SECRET_KEY and "
                "WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET to offer card payments, or neither "
                "(see docs/how-to/stripe.md)."
            ),
            id="wagtail_passes.W002",
        )
    ]


def expiry_reminder_days_problem(value) -> str | None:
    """Why WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS is unusable, or None (N3)."""
    if not isinstance(value, list | tuple):
        return f"must be a list of whole numbers of days, not {value!r}"
    for days in value:
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            return f"must hold whole numbers of days of 1 or more; {days!r} is not one"
    if len(set(value)) != len(value):
        return f"names a number of days twice: {list(value)!r}"
    return None


@register(Tags.compatibility)
def check_expiry_reminders(app_configs=None, **kwargs):
    problem = expiry_reminder_days_problem(passes_settings.EXPIRY_REMINDER_DAYS)
    if problem is None:
        return []
    return [
        Error(
            f"WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS {problem}.",
            hint="Use distinct days before the last valid day, e.g. [7, 1]; [] sends no reminders.",
            id="wagtail_passes.E006",
        )
    ]


DARK_MODES = ("host", "os", "never")


@register(Tags.compatibility)
def check_dark_mode(app_configs=None, **kwargs):
    value = passes_settings.DARK_MODE
    if value in DARK_MODES:
        return []
    return [
        Error(
            f"WAGTAIL_PASSES_DARK_MODE {value!r} is not one of {', '.join(map(repr, DARK_MODES))}.",
            hint=(
                "'host' (the default) turns the public pages dark when your page says it is "
                "dark, 'os' also follows the visitor's system, 'never' keeps them light "
                "(see docs/reference/templates.md)."
            ),
            id="wagtail_passes.E007",
        )
    ]


@register(Tags.compatibility)
def check_base_url(app_configs=None, **kwargs):
    """The address emails link to must be a usable one (services.base_url)."""
    from .services.base_url import base_url_problem

    value = passes_settings.BASE_URL
    if value is None:
        return []
    problem = base_url_problem(value)
    if problem is None:
        return []
    return [
        Error(
            f"WAGTAIL_PASSES_BASE_URL {problem}.",
            hint=(
                "Set it to the address members reach the site at, e.g. "
                "'https://studio.example.com', or leave it unset to use WAGTAILADMIN_BASE_URL."
            ),
            id="wagtail_passes.E008",
        )
    ]


# A web worker waiting longer than this is as good as hung (and most front ends give up).
MAX_LOCK_TIMEOUT = 60


def lock_timeout_problem(value) -> str | None:
    """Why WAGTAIL_PASSES_LOCK_TIMEOUT is unusable, or None (services.lock_waits)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return f"must be a number of seconds, not {value!r}"
    if not 0 < value <= MAX_LOCK_TIMEOUT:
        return f"must be more than 0 and at most {MAX_LOCK_TIMEOUT} seconds, not {value!r}"
    return None


@register(Tags.compatibility)
def check_lock_timeout(app_configs=None, **kwargs):
    problem = lock_timeout_problem(passes_settings.LOCK_TIMEOUT)
    if problem is None:
        return []
    return [
        Error(
            f"WAGTAIL_PASSES_LOCK_TIMEOUT {problem}.",
            hint=(
                "Set how long a booking or checkout may wait for a lock, e.g. 3 (the "
                "default); it is refused 'busy, try again' after that."
            ),
            id="wagtail_passes.E009",
        )
    ]


#: The largest bound on a series' dates a host may set: ten years of weekly dates.
MAX_SERIES_DATES_LIMIT = 520


def max_series_dates_problem(value) -> str | None:
    """Why WAGTAIL_PASSES_MAX_SERIES_DATES is unusable, or None (T1)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of dates, not {value!r}"
    if not 1 <= value <= MAX_SERIES_DATES_LIMIT:
        return f"must be between 1 and {MAX_SERIES_DATES_LIMIT}, not {value!r}"
    return None


@register(Tags.compatibility)
def check_max_series_dates(app_configs=None, **kwargs):
    problem = max_series_dates_problem(passes_settings.MAX_SERIES_DATES)
    if problem is None:
        return []
    return [
        Error(
            f"WAGTAIL_PASSES_MAX_SERIES_DATES {problem}.",
            hint="Set the most dates one series booking may cover, e.g. 52 (the default).",
            id="wagtail_passes.E010",
        )
    ]


#: Calendar templates the app no longer renders (issue 20: days and sessions render in one
#: loop, ``calendars/days.html``); a site's override of one would be silently ignored.
RETIRED_TEMPLATES = ("wagtail_passes/calendars/day.html", "wagtail_passes/calendars/session.html")


@register(Tags.templates)
def check_retired_template_overrides(app_configs=None, **kwargs):
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    warnings = []
    for name in RETIRED_TEMPLATES:
        try:
            get_template(name)  # the app ships neither: a hit is the site's own override
        except TemplateDoesNotExist:
            continue
        warnings.append(
            Warning(
                f"The template {name} is no longer used: the calendar renders its days and "
                "sessions in one loop.",
                hint=(
                    "Move your changes into wagtail_passes/calendars/days.html (the day and "
                    "row fields are the same; see docs/reference/templates.md)."
                ),
                id="wagtail_passes.W003",
            )
        )
    return warnings
