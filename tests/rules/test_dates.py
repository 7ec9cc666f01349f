"""Dates and times in words (rules.dates): the active language's formats, the zone passed
in. The expected strings are written by hand from the languages' conventions (CLDR)."""

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from wagtail_passes.rules import dates

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 3, 9)  # a Tuesday
EVENING = datetime(2027, 3, 9, 18, 30, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("language", "day", "weekday", "month", "short_day"),
    [
        ("en-gb", "9 March 2027", "Tuesday, 9 March 2027", "March 2027", "9 Mar 2027"),
        ("de", "9. März 2027", "Dienstag, 9. März 2027", "März 2027", "9. März 2027"),
        ("fr", "9 mars 2027", "mardi 9 mars 2027", "mars 2027", "9 mars 2027"),
        ("ar", "9 مارس 2027", "الثلاثاء، 9 مارس 2027", "مارس 2027", "9 مارس 2027"),
    ],
)
def test_days_read_as_the_active_language_writes_them(language, day, weekday, month, short_day):
    with translation.override(language):
        assert dates.format_day(DAY) == day
        assert dates.format_weekday(DAY) == weekday
        assert dates.format_month(DAY) == month
        assert dates.format_short_day(DAY) == short_day


@pytest.mark.parametrize(
    ("language", "moment", "weekday_moment", "brief", "time"),
    [
        (
            "en-gb",
            "9 March 2027, 18:30",
            "Tuesday, 9 March 2027, 18:30",
            "9 Mar, 18:30",
            "18:30",
        ),
        (
            "de",
            "9. März 2027, 18:30",
            "Dienstag, 9. März 2027, 18:30",
            "9. März, 18:30",
            "18:30",
        ),
        # Arabic joins with its own comma and counts hours to 12 with م (evening).
        ("ar", "9 مارس 2027، 6:30 م", "الثلاثاء، 9 مارس 2027، 6:30 م", "9 مارس، 6:30 م", "6:30 م"),
    ],
)
def test_moments_read_as_the_active_language_writes_them(
    language, moment, weekday_moment, brief, time
):
    with translation.override(language):
        assert dates.format_moment(EVENING, LONDON) == moment
        assert dates.format_weekday_moment(EVENING, LONDON) == weekday_moment
        assert dates.format_brief_moment(EVENING, LONDON) == brief
        assert dates.format_time(EVENING, LONDON) == time


def test_short_moment_for_lists_names_the_weekday():
    with translation.override("en-gb"):
        assert dates.format_short_moment(EVENING, LONDON) == "Tue, 9 Mar 2027, 18:30"


def test_v5_a_moment_is_shown_in_the_zone_given_across_the_spring_clock_change():
    """Europe/London moves to BST on Sunday 28 March 2027 at 01:00 UTC."""
    before, after = (
        datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
    )
    with translation.override("en-gb"):
        assert dates.format_moment(before, LONDON) == "28 March 2027, 00:30"  # GMT
        assert dates.format_moment(after, LONDON) == "28 March 2027, 02:30"  # BST
        assert dates.format_moment(after, UTC) == "28 March 2027, 01:30"
        assert dates.format_time(after, "Europe/London") == "02:30"


def test_v5_late_evening_utc_is_the_next_day_in_summer_london():
    late = datetime(2027, 7, 4, 23, 30, tzinfo=UTC)
    with translation.override("en-gb"):
        assert dates.local_date(late, LONDON) == date(2027, 7, 5)
        assert dates.format_weekday_moment(late, LONDON) == "Monday, 5 July 2027, 00:30"
        assert dates.format_weekday_moment(late, UTC) == "Sunday, 4 July 2027, 23:30"


def test_naive_moments_are_refused():
    with pytest.raises(ValueError):
        dates.format_moment(datetime(2027, 3, 9, 18, 30), LONDON)
    with pytest.raises(ValueError):
        dates.local_date(datetime(2027, 3, 9, 18, 30), "Europe/London")


def test_a1_sale_start_at_local_midnight_reads_as_a_day():
    midnight = datetime(2027, 3, 9, 0, 0, tzinfo=LONDON)
    with translation.override("en-gb"):
        assert dates.format_day_or_moment(midnight, LONDON) == "9 March 2027"
        assert dates.format_day_or_moment(EVENING, LONDON) == "9 March 2027, 18:30"


def test_weekday_names_start_on_monday():
    with translation.override("en-gb"):
        assert dates.format_weekday_names([0, 2, 6]) == "Mon, Wed, Sun"
    with translation.override("de"):
        assert dates.format_weekday_names([0, 2]) == "Mo., Mi."


def test_a_language_babel_does_not_know_falls_back_to_its_base_language_or_english():
    with translation.override("de-xx"):
        assert dates.format_day(DAY) == "9. März 2027"
    with translation.override("xx"):
        assert dates.format_day(DAY) == "March 9, 2027"


def test_without_an_active_language_the_site_language_applies():
    """The test settings' LANGUAGE_CODE is en-gb."""
    with translation.override(None):
        assert dates.format_day(DAY) == "March 9, 2027"  # translations off: English
    assert dates.format_day(DAY) == "9 March 2027"


# ---- one date helper ---------------------------------------------------------------

PACKAGE = Path(dates.__file__).parent.parent
HAND_FORMATTING = ("date_format(", "strftime(", '"j F Y"', "localtime(", "localdate(", "|date:")


def test_nothing_outside_rules_dates_formats_dates_by_itself():
    """Issue 8: one date/time helper. Python modules and templates call ``rules.dates``
    (through ``presentation`` and the ``passes_*`` filters), never Django's formats."""
    offenders = [
        f"{path.relative_to(PACKAGE)}: {needle}"
        for path in sorted(PACKAGE.rglob("*"))
        if path.suffix in {".py", ".html", ".txt"} and path != Path(dates.__file__)
        for needle in HAND_FORMATTING
        if needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
