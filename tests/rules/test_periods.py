"""Period limits (U1), counted on local session dates, across DST."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.rules import make_terms
from wagtail_passes.rules.dates import local_date
from wagtail_passes.rules.periods import (
    check_period_limit,
    period_bounds,
    period_limit_allows,
    uses_in_period,
)
from wagtail_passes.rules.types import Redemption

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def test_u1_period_bounds():
    wednesday = date(2027, 3, 3)
    assert period_bounds("day", wednesday) == (wednesday, wednesday)
    assert period_bounds("week", wednesday) == (date(2027, 3, 1), date(2027, 3, 7))
    assert period_bounds("month", wednesday) == (date(2027, 3, 1), date(2027, 3, 31))
    assert period_bounds("month", date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_bounds("week", date(2027, 12, 29)) == (date(2027, 12, 27), date(2028, 1, 2))


def test_u1_unknown_period_is_refused():
    with pytest.raises(ValueError):
        period_bounds("fortnight", date(2027, 3, 3))


@given(st.sampled_from(["day", "week", "month"]), st.dates())
def test_u1_property_period_contains_day(period, day):
    first, last = period_bounds(period, day)
    assert first <= day <= last


@given(st.dates(date(1, 1, 8), date(9999, 12, 24)))
def test_u1_property_weeks_run_monday_to_sunday(day):
    first, last = period_bounds("week", day)
    assert first.weekday() == 0 and last.weekday() == 6
    assert (last - first).days == 6


@given(st.dates(max_value=date(9999, 11, 30)))
def test_u1_property_months_are_calendar_months(day):
    first, last = period_bounds("month", day)
    assert first == day.replace(day=1)
    assert (last + timedelta(days=1)).day == 1
    assert last.month == day.month


def test_u1_uses_in_period_sums_attendees():
    redemptions = (
        Redemption(1, date(2027, 3, 1), 2),
        Redemption(2, date(2027, 3, 7), 1),
        Redemption(3, date(2027, 3, 8), 3),  # next week
        Redemption(4, date(2027, 2, 28), 1),  # previous week and month
    )
    assert uses_in_period("week", date(2027, 3, 4), redemptions) == 3
    assert uses_in_period("day", date(2027, 3, 1), redemptions) == 2
    assert uses_in_period("month", date(2027, 3, 31), redemptions) == 6


def test_u1_limit_allows_up_to_max():
    assert period_limit_allows(2, 1, 1)
    assert not period_limit_allows(2, 2, 1)
    assert not period_limit_allows(2, 1, 2)
    assert not period_limit_allows(0, 0, 1)


def test_u1_local_date_needs_an_aware_datetime():
    with pytest.raises(ValueError):
        local_date(datetime(2027, 3, 1, 19, 0), LONDON)


def test_u1_local_date_accepts_a_zone_name():
    aware = datetime(2027, 7, 4, 23, 30, tzinfo=UTC)
    assert local_date(aware, "Europe/London") == date(2027, 7, 5)


def _week_uses(sessions, candidate, tz):
    redemptions = [Redemption(i, local_date(s, tz), 1) for i, s in enumerate(sessions)]
    return uses_in_period("week", local_date(candidate, tz), redemptions)


def test_u1_week_counts_monday_to_sunday_across_dst():
    """Europe/London moves to BST on Sunday 28 March 2027 at 01:00 UTC.

    Monday 29 March 00:30 BST is still Sunday 23:30 in UTC: it belongs to the London week
    that starts that Monday, never to the week before. Sunday 23:30 BST (22:30 UTC) belongs
    to the week ending that Sunday.
    """
    monday_gmt = datetime(2027, 3, 22, 10, 0, tzinfo=LONDON)
    sunday_late_bst = datetime(2027, 3, 28, 23, 30, tzinfo=LONDON)
    monday_early_bst = datetime(2027, 3, 29, 0, 30, tzinfo=LONDON)
    assert monday_early_bst.astimezone(UTC).date() == date(2027, 3, 28)  # Sunday in UTC

    assert local_date(sunday_late_bst, LONDON) == date(2027, 3, 28)
    assert local_date(monday_early_bst, LONDON) == date(2027, 3, 29)
    # The week of 22 March holds the Monday and the Sunday night: 2 uses.
    assert _week_uses([monday_gmt, sunday_late_bst, monday_early_bst], monday_gmt, LONDON) == 2
    # The week of 29 March holds only the Monday just after midnight.
    later = datetime(2027, 3, 31, 18, 0, tzinfo=LONDON)
    assert _week_uses([monday_gmt, sunday_late_bst, monday_early_bst], later, LONDON) == 1

    # Counting on UTC dates would have put all three in the same week: the bug this prevents.
    utc_days = [local_date(s, UTC) for s in (monday_gmt, sunday_late_bst, monday_early_bst)]
    assert {period_bounds("week", d) for d in utc_days} == {(date(2027, 3, 22), date(2027, 3, 28))}


def test_u1_week_counts_across_the_autumn_change():
    """BST ends on Sunday 31 October 2027; Monday 25 October 00:30 BST is Sunday in UTC."""
    monday_early_bst = datetime(2027, 10, 25, 0, 30, tzinfo=LONDON)
    sunday_after_change = datetime(2027, 10, 31, 23, 30, tzinfo=LONDON)  # GMT again
    assert monday_early_bst.astimezone(UTC).date() == date(2027, 10, 24)
    sessions = [monday_early_bst, sunday_after_change]
    assert _week_uses(sessions, datetime(2027, 10, 27, 12, 0, tzinfo=LONDON), LONDON) == 2
    assert _week_uses(sessions, datetime(2027, 10, 24, 12, 0, tzinfo=LONDON), LONDON) == 0


def test_u1_sunday_night_behind_utc_stays_in_the_local_week():
    """Sunday 23:30 in New York is Monday in UTC; the site's week still ends that Sunday."""
    sunday_night = datetime(2027, 3, 14, 23, 30, tzinfo=NEW_YORK)  # first Sunday of EDT
    assert sunday_night.astimezone(UTC).date() == date(2027, 3, 15)
    assert local_date(sunday_night, NEW_YORK) == date(2027, 3, 14)
    wednesday = datetime(2027, 3, 10, 18, 0, tzinfo=NEW_YORK)
    assert _week_uses([sunday_night], wednesday, NEW_YORK) == 1


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (
            "day",
            "Daily limit reached: 1 of 1 on 3 March 2027; free again on Thursday, 4 March 2027",
        ),
        (
            "week",
            "Weekly limit reached: 1 of 1 in the week of 1 March 2027; "
            "free again on Monday, 8 March 2027",
        ),
        (
            "month",
            "Monthly limit reached: 1 of 1 in March 2027; free again on Thursday, 1 April 2027",
        ),
    ],
)
def test_u1_limit_reached_is_temporary_and_named(period, message):
    terms = make_terms(period_limit=period, period_max_uses=1)
    booked = (Redemption(7, date(2027, 3, 3), 1),)
    verdict = check_period_limit(terms, booked, date(2027, 3, 3), 1)
    assert (verdict.ok, verdict.code, verdict.temporary) == (False, "period_limit", True)
    assert verdict.message == message


def test_u1_limit_not_reached_but_too_many_places():
    terms = make_terms(period_limit="week", period_max_uses=2)
    booked = (Redemption(7, date(2027, 3, 3), 1),)
    verdict = check_period_limit(terms, booked, date(2027, 3, 5), 2)
    assert verdict.message == "Weekly limit: 1 of 2 used in the week of 1 March 2027, 2 requested"
    assert check_period_limit(terms, booked, date(2027, 3, 5), 1) is None


def test_u1_no_limit_never_refuses():
    booked = tuple(Redemption(i, date(2027, 3, 3), 5) for i in range(10))
    assert check_period_limit(make_terms(), booked, date(2027, 3, 3), 1) is None
