"""System checks and lazily read settings."""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from wagtail_passes.checks import check_required_apps, check_time_zone, check_values
from wagtail_passes.conf import passes_settings


def ids(messages):
    return [m.id for m in messages]


@pytest.mark.django_db  # Django 6.1 runs checks that query the database
def test_shipped_test_settings_pass_every_check():
    assert [m for m in run_checks() if m.id and m.id.startswith("wagtail_passes")] == []


def test_missing_required_app_is_an_error(settings):
    # Patch what the check reads: really changing INSTALLED_APPS reloads the app registry.
    apps = [a for a in settings.INSTALLED_APPS if a != "wagtail_modeladmin"]
    with mock.patch("wagtail_passes.checks.settings", SimpleNamespace(INSTALLED_APPS=apps)):
        errors = check_required_apps()
    assert ids(errors) == ["wagtail_passes.E001"]
    assert "wagtail_modeladmin" in errors[0].msg


def test_use_tz_off_is_an_error():
    with override_settings(USE_TZ=False):
        assert "wagtail_passes.E002" in ids(check_time_zone())


def test_unknown_time_zone_is_an_error(settings):
    settings.WAGTAIL_PASSES_TIME_ZONE = "Mars/Olympus_Mons"
    assert ids(check_time_zone()) == ["wagtail_passes.E003"]


def test_unsupported_currency_and_bad_horizon_are_errors(settings):
    settings.WAGTAIL_PASSES_DEFAULT_CURRENCY = "KWD"  # three decimals: not supported
    settings.WAGTAIL_PASSES_SCHEDULE_HORIZON_DAYS = "56"
    assert ids(check_values()) == ["wagtail_passes.E004", "wagtail_passes.E005"]


def test_empty_sender_is_a_warning(settings):
    settings.DEFAULT_FROM_EMAIL = ""
    assert ids(check_values()) == ["wagtail_passes.W001"]


def test_settings_are_read_lazily_so_overrides_apply(settings):
    assert passes_settings.SCHEDULE_HORIZON_DAYS == 56
    settings.WAGTAIL_PASSES_SCHEDULE_HORIZON_DAYS = 14
    assert passes_settings.SCHEDULE_HORIZON_DAYS == 14
    settings.TIME_ZONE = "Europe/Berlin"
    assert passes_settings.time_zone_name == "Europe/Berlin"
    settings.WAGTAIL_PASSES_TIME_ZONE = "Asia/Tokyo"
    assert str(passes_settings.tzinfo) == "Asia/Tokyo"


def test_unknown_setting_name_is_an_attribute_error():
    try:
        passes_settings.NOT_A_SETTING  # noqa: B018
    except AttributeError as exc:
        assert "NOT_A_SETTING" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
