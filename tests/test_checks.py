"""System checks and lazily read settings.

Every check id has a test that makes it fire and one that it stays quiet on a correct setup.
"""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.apps import AppConfig
from django.conf import global_settings
from django.conf import settings as django_settings
from django.core.checks import Tags, run_checks
from django.test import override_settings

from wagtail_passes.checks import (
    REQUIRED_APPS,
    check_required_apps,
    check_time_zone,
    check_values,
)
from wagtail_passes.conf import passes_settings


def ids(messages):
    return [m.id for m in messages]


ROOT = Path(__file__).resolve().parent.parent


def passes_ids(messages):
    return [m.id for m in messages if m.id and m.id.startswith("wagtail_passes.")]


@pytest.mark.django_db  # Django 6.1 runs checks that query the database
def test_shipped_test_settings_pass_every_check():
    assert passes_ids(run_checks()) == []


# E001: a required app is missing. The check asks the app registry (apps.is_installed), not
# the raw INSTALLED_APPS strings. Re-populating the real registry in-process is not possible
# (Wagtail 8's snippets app mounts its API router in ready(), once per process), so these
# tests hand the check a registry built from an INSTALLED_APPS list the way Django builds
# its own (AppConfig.create), and a subprocess runs `manage.py check` on real host settings.


class Registry:
    """The part of django.apps.apps the check reads, built from INSTALLED_APPS entries."""

    def __init__(self, installed_apps):
        self.names = {AppConfig.create(entry).name for entry in installed_apps}

    def is_installed(self, app_name):
        return app_name in self.names


def installed(entries):
    return mock.patch("wagtail_passes.checks.apps", Registry(entries))


def without(*names):
    return [app for app in django_settings.INSTALLED_APPS if app not in names]


APP_CONFIG_PATHS = {
    "wagtail": "wagtail.apps.WagtailAppConfig",
    "wagtail.admin": "wagtail.admin.apps.WagtailAdminAppConfig",
    "wagtail.users": "wagtail.users.apps.WagtailUsersAppConfig",
    "wagtail_modeladmin": "wagtail_modeladmin.apps.WagtailModelAdminAppConfig",
    "taggit": "taggit.apps.TaggitAppConfig",
}


def by_app_config_path(entries):
    return [APP_CONFIG_PATHS.get(app, app) for app in entries]


@pytest.mark.parametrize("app", REQUIRED_APPS)
def test_missing_required_app_is_an_error(app):
    with installed(without(app)):
        errors = check_required_apps()
    assert ids(errors) == ["wagtail_passes.E001"]
    assert repr(app) in errors[0].msg


def test_missing_required_app_is_reported_by_run_checks():
    with installed(by_app_config_path(without("wagtail_modeladmin"))):
        assert passes_ids(run_checks(tags=[Tags.compatibility])) == ["wagtail_passes.E001"]


def test_required_apps_present_is_quiet():
    assert check_required_apps() == []  # the real registry of tests/settings.py


def test_required_apps_listed_by_their_app_config_path_are_quiet():
    entries = by_app_config_path(django_settings.INSTALLED_APPS)
    assert set(APP_CONFIG_PATHS.values()) <= set(entries)
    with installed(entries):
        assert check_required_apps() == []


def test_crispy_forms_is_not_required():
    # No form or template of the app uses crispy-forms (docs/decisions.md, "Packaging").
    with installed(without("crispy_forms", "crispy_bootstrap5")):
        assert check_required_apps() == []


HOST_SETTINGS = """
from tests.settings import *  # noqa: F403

INSTALLED_APPS = {installed!r}
del DEFAULT_FROM_EMAIL  # a host that never set it: Django's "webmaster@localhost"
"""


def manage_py_check(tmp_path, installed_apps):
    (tmp_path / "host_settings.py").write_text(HOST_SETTINGS.format(installed=installed_apps))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="host_settings", PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}")
    return subprocess.run(
        [sys.executable, "-m", "django", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_manage_py_check_on_a_host_listing_app_configs_without_crispy(tmp_path):
    entries = by_app_config_path(without("crispy_forms", "crispy_bootstrap5"))
    result = manage_py_check(tmp_path, entries)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "wagtail_passes.E001" not in output
    assert "wagtail_passes.W001" in output


def test_manage_py_check_without_a_required_app_fails(tmp_path):
    result = manage_py_check(tmp_path, by_app_config_path(without("wagtail_modeladmin")))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "wagtail_passes.E001" in output
    assert "'wagtail_modeladmin'" in output


# E002: USE_TZ is off.


def test_use_tz_off_is_an_error():
    with override_settings(USE_TZ=False):
        assert ids(check_time_zone()) == ["wagtail_passes.E002"]


def test_use_tz_on_is_quiet():
    with override_settings(USE_TZ=True):
        assert check_time_zone() == []


# E003: the time zone is not a known IANA name.


@pytest.mark.parametrize(
    "value", ["Mars/Olympus_Mons", "/etc/localtime", ZoneInfo("Europe/Berlin"), 1]
)
def test_unknown_time_zone_is_an_error(settings, value):
    settings.WAGTAIL_PASSES_TIME_ZONE = value
    assert ids(check_time_zone()) == ["wagtail_passes.E003"]


def test_unknown_time_zone_is_reported_by_run_checks(settings):
    settings.WAGTAIL_PASSES_TIME_ZONE = "Mars/Olympus_Mons"
    assert passes_ids(run_checks(tags=[Tags.compatibility])) == ["wagtail_passes.E003"]


@pytest.mark.parametrize("value", ["Europe/Berlin", "UTC", None])
def test_known_time_zone_is_quiet(settings, value):
    settings.WAGTAIL_PASSES_TIME_ZONE = value  # None: TIME_ZONE ("Europe/London")
    assert check_time_zone() == []


# E004: the default currency is not supported. E005: the schedule horizon is out of range.


@pytest.mark.parametrize("currency", ["KWD", "eur", "EURO", None])  # KWD: three decimals
def test_unsupported_currency_is_an_error(settings, currency):
    settings.WAGTAIL_PASSES_DEFAULT_CURRENCY = currency
    assert ids(check_values()) == ["wagtail_passes.E004"]


@pytest.mark.parametrize("currency", ["EUR", "GBP", "JPY"])
def test_supported_currency_is_quiet(settings, currency):
    settings.WAGTAIL_PASSES_DEFAULT_CURRENCY = currency
    assert check_values() == []


@pytest.mark.parametrize("horizon", ["56", 0, 731, 14.0, True, None])
def test_bad_horizon_is_an_error(settings, horizon):
    settings.WAGTAIL_PASSES_SCHEDULE_HORIZON_DAYS = horizon
    assert ids(check_values()) == ["wagtail_passes.E005"]


@pytest.mark.parametrize("horizon", [1, 56, 730])
def test_good_horizon_is_quiet(settings, horizon):
    settings.WAGTAIL_PASSES_SCHEDULE_HORIZON_DAYS = horizon
    assert check_values() == []


def test_value_errors_are_reported_together(settings):
    settings.WAGTAIL_PASSES_DEFAULT_CURRENCY = "KWD"
    settings.WAGTAIL_PASSES_SCHEDULE_HORIZON_DAYS = "56"
    settings.DEFAULT_FROM_EMAIL = ""
    assert ids(check_values()) == [
        "wagtail_passes.E004",
        "wagtail_passes.E005",
        "wagtail_passes.W001",
    ]


# W001: booking emails have no real sender.


def test_unset_sender_is_a_warning(settings):
    # A host that never sets DEFAULT_FROM_EMAIL gets Django's "webmaster@localhost".
    settings.DEFAULT_FROM_EMAIL = global_settings.DEFAULT_FROM_EMAIL
    assert settings.DEFAULT_FROM_EMAIL == "webmaster@localhost"
    warnings = check_values()
    assert ids(warnings) == ["wagtail_passes.W001"]
    assert "DEFAULT_FROM_EMAIL" in warnings[0].msg


def test_unset_sender_is_reported_by_run_checks(settings):
    settings.DEFAULT_FROM_EMAIL = global_settings.DEFAULT_FROM_EMAIL
    assert passes_ids(run_checks(tags=[Tags.compatibility])) == ["wagtail_passes.W001"]


@pytest.mark.parametrize("sender", ["", "Harbour Studio", "webmaster@localhost"])
def test_empty_or_placeholder_sender_is_a_warning(settings, sender):
    settings.DEFAULT_FROM_EMAIL = sender
    assert ids(check_values()) == ["wagtail_passes.W001"]


def test_bad_passes_sender_is_a_warning_naming_its_setting(settings):
    settings.WAGTAIL_PASSES_FROM_EMAIL = "bookings"
    warnings = check_values()
    assert ids(warnings) == ["wagtail_passes.W001"]
    assert "WAGTAIL_PASSES_FROM_EMAIL" in warnings[0].msg


@pytest.mark.parametrize(
    "default, passes",
    [
        ("studio@example.com", None),
        ("Harbour Studio <hello@harbour-studio.example>", None),
        ("webmaster@localhost", "bookings@example.com"),  # booking emails have their own
    ],
)
def test_real_sender_is_quiet(settings, default, passes):
    settings.DEFAULT_FROM_EMAIL = default
    settings.WAGTAIL_PASSES_FROM_EMAIL = passes
    assert check_values() == []


# The settings themselves.


def test_settings_are_read_lazily_so_overrides_apply(settings):
    assert passes_settings.SCHEDULE_HORIZON_DAYS == 56
    settings.WAGTAIL_PASSES_SCHEDULE_HORIZON_DAYS = 14
    assert passes_settings.SCHEDULE_HORIZON_DAYS == 14
    settings.TIME_ZONE = "Europe/Berlin"
    assert passes_settings.time_zone_name == "Europe/Berlin"
    settings.WAGTAIL_PASSES_TIME_ZONE = "Asia/Tokyo"
    assert str(passes_settings.tzinfo) == "Asia/Tokyo"


def test_unknown_setting_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="NOT_A_SETTING"):
        passes_settings.NOT_A_SETTING  # noqa: B018


def test_w003_a_site_still_overriding_the_retired_calendar_templates_is_warned(tmp_path):
    from wagtail_passes.checks import check_retired_template_overrides

    assert check_retired_template_overrides() == []
    folder = tmp_path / "wagtail_passes" / "calendars"
    folder.mkdir(parents=True)
    (folder / "session.html").write_text("<li>{{ row.title }}</li>")
    templates = [{**django_settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    with override_settings(TEMPLATES=templates):
        warnings = check_retired_template_overrides()
    assert [w.id for w in warnings] == ["wagtail_passes.W003"]
    assert "calendars/session.html" in warnings[0].msg and "days.html" in warnings[0].hint
