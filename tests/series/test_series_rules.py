"""T1's pure rules: the dates of a weekday between two days, bounded, and the session at
a local wall-clock time on each, across clock changes."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.checks import run_checks

from wagtail_passes.rules.series import match_sessions, plan_series, weekdays_between

BERLIN = ZoneInfo("Europe/Berlin")


def test_T1_weekdays_between_includes_both_ends():
    days = weekdays_between(1, dt.date(2027, 3, 2), dt.date(2027, 3, 30))
    assert days == [dt.date(2027, 3, d) for d in (2, 9, 16, 23, 30)]
    assert weekdays_between(1, dt.date(2027, 3, 3), dt.date(2027, 3, 8)) == []


def test_T1_plan_bounds_the_dates_exactly():
    start = dt.date(2027, 1, 5)  # a Tuesday
    fits = plan_series(1, start, start + dt.timedelta(weeks=51), 52)
    assert fits.ok and len(fits.days) == 52
    over = plan_series(1, start, start + dt.timedelta(weeks=52), 52)
    assert (over.ok, over.code) == (False, "too_many_dates")
    huge = plan_series(1, start, dt.date(9999, 12, 31), 52)
    assert huge.code == "too_many_dates"


def test_T1_plan_refuses_a_reversed_range_and_a_range_without_the_day():
    assert plan_series(1, dt.date(2027, 3, 9), dt.date(2027, 3, 2), 52).code == "invalid_range"
    assert plan_series(1, dt.date(2027, 3, 3), dt.date(2027, 3, 8), 52).code == "no_dates"
    assert plan_series(True, dt.date(2027, 3, 3), dt.date(2027, 3, 8), 52).code == (
        "invalid_weekday"
    )


def test_T1_match_keeps_the_wall_clock_time_across_the_clock_change():
    days = [dt.date(2027, 3, 23), dt.date(2027, 3, 30), dt.date(2027, 4, 6)]
    sessions = [
        (1, dt.datetime(2027, 3, 23, 17, 0, tzinfo=dt.UTC)),  # 18:00 CET
        (2, dt.datetime(2027, 3, 30, 16, 0, tzinfo=dt.UTC)),  # 18:00 CEST
        (3, dt.datetime(2027, 4, 6, 17, 0, tzinfo=dt.UTC)),  # 19:00 CEST: not the series
    ]
    matched = match_sessions(days, dt.time(18, 0), sessions, BERLIN)
    assert [(m.day, m.session_id) for m in matched] == [
        (days[0], 1),
        (days[1], 2),
        (days[2], None),
    ]


def test_T1_max_series_dates_setting_is_checked(settings):
    settings.WAGTAIL_PASSES_MAX_SERIES_DATES = 0
    assert "wagtail_passes.E010" in [e.id for e in run_checks()]
    settings.WAGTAIL_PASSES_MAX_SERIES_DATES = "52"
    assert "wagtail_passes.E010" in [e.id for e in run_checks()]
    settings.WAGTAIL_PASSES_MAX_SERIES_DATES = 52
    assert "wagtail_passes.E010" not in [e.id for e in run_checks()]
