"""The pure rule behind the colours of My passes (M1, U1, V6, V7): rules.standing."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagtail_passes.rules.standing import (
    GREEN,
    RED,
    YELLOW,
    amount,
    limit_lifts_on,
    renewal,
    standing,
    time_left,
    usage,
)
from wagtail_passes.rules.types import Hold, PassState, PassTerms, Redemption

WED = dt.date(2026, 12, 2)


def terms(**changes):
    values = {
        "kind": "entries",
        "quantity": Decimal(10),
        "currency": "EUR",
        "validity_basis": "purchase",
        "duration_days": 0,
    }
    return PassTerms(**{**values, **changes})


def state(**changes):
    values = {
        "status": "active",
        "balance": Decimal(10),
        "paid": True,
        "purchased_on": dt.date(2026, 11, 1),
    }
    return PassState(**{**values, **changes})


@pytest.mark.parametrize(
    ("period", "day", "lifts"),
    [
        ("day", WED, dt.date(2026, 12, 3)),
        ("week", WED, dt.date(2026, 12, 7)),  # the next Monday
        ("week", dt.date(2026, 12, 6), dt.date(2026, 12, 7)),  # Sunday: the next day
        ("week", dt.date(2026, 12, 7), dt.date(2026, 12, 14)),  # Monday: a week later
        ("month", WED, dt.date(2027, 1, 1)),  # across the year
        ("month", dt.date(2027, 2, 28), dt.date(2027, 3, 1)),
        ("month", dt.date(2028, 2, 29), dt.date(2028, 3, 1)),  # leap year
    ],
)
def test_u1_limit_lifts_on_the_first_day_of_the_next_period(period, day, lifts):
    assert limit_lifts_on(period, day) == lifts


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 1)))
def test_u1_limit_lifts_after_the_day_and_within_a_month(day):
    for period in ("day", "week", "month"):
        lifts = limit_lifts_on(period, day)
        assert day < lifts <= day + dt.timedelta(days=31)
    assert limit_lifts_on("week", day).weekday() == 0
    assert limit_lifts_on("month", day).day == 1


def test_m1_green_available_now():
    result = standing(terms(), state(), WED)
    assert (result.colour, result.code, result.message) == (GREEN, "ok", "Available now")
    assert result.is_current


def test_m1_yellow_weekly_limit_reached_says_when_it_lifts():
    used = (Redemption(1, dt.date(2026, 11, 30)), Redemption(2, dt.date(2026, 12, 4)))
    result = standing(terms(period_limit="week", period_max_uses=2), state(redemptions=used), WED)
    assert result.colour == YELLOW
    assert result.code == "period_limit"
    assert result.message == (
        "Weekly limit reached (2 of 2): available again on Monday, 7 December 2026"
    )


def test_m1_limit_of_last_week_does_not_hold_this_week():
    used = (Redemption(1, dt.date(2026, 11, 27)), Redemption(2, dt.date(2026, 11, 29)))
    result = standing(terms(period_limit="week", period_max_uses=2), state(redemptions=used), WED)
    assert result.colour == GREEN


def test_m1_yellow_daily_and_monthly_limits():
    today = (Redemption(1, WED),)
    daily = standing(terms(period_limit="day", period_max_uses=1), state(redemptions=today), WED)
    assert daily.message == (
        "Daily limit reached (1 of 1): available again on Thursday, 3 December 2026"
    )
    monthly = standing(
        terms(period_limit="month", period_max_uses=1), state(redemptions=today), WED
    )
    assert monthly.message == (
        "Monthly limit reached (1 of 1): available again on Friday, 1 January 2027"
    )


def test_v7_yellow_on_hold_today():
    held = (Hold(dt.date(2026, 12, 1), dt.date(2026, 12, 9)),)
    result = standing(terms(), state(holds=held), WED)
    assert (result.colour, result.message) == (YELLOW, "On hold until 9 December 2026")


def test_v4_yellow_before_a_season_starts_and_v2_before_payment():
    season = terms(validity_basis="fixed", fixed_start=dt.date(2027, 1, 1))
    assert standing(season, state(), WED).message == "Valid from 1 January 2027"
    unpaid = terms(validity_basis="payment", duration_days=30)
    result = standing(unpaid, state(paid=False), WED)
    assert (result.colour, result.code) == (YELLOW, "not_started")


def test_v3_first_use_pass_not_used_yet_is_available():
    result = standing(terms(validity_basis="first_use", duration_days=30), state(), WED)
    assert result.colour == GREEN


@pytest.mark.parametrize(
    ("the_terms", "the_state", "message"),
    [
        (terms(), state(status="cancelled"), "Cancelled"),
        (terms(), state(balance=Decimal(0)), "Used up"),
        (terms(duration_days=10), state(), "Expired on 11 November 2026"),
        (
            terms(duration_days=10),
            state(status="expired", balance=Decimal(0)),
            "Expired on 11 November 2026",
        ),
    ],
)
def test_v6_red_when_over(the_terms, the_state, message):
    result = standing(the_terms, the_state, WED)
    assert (result.colour, result.message) == (RED, message)
    assert not result.is_current


def test_v6_expiry_outranks_a_limit_and_a_hold():
    used = (Redemption(1, dt.date(2026, 11, 10)),)
    held = (Hold(dt.date(2026, 12, 1), dt.date(2026, 12, 3)),)
    result = standing(
        terms(duration_days=5, period_limit="week", period_max_uses=1),
        state(redemptions=used, holds=held, purchased_on=dt.date(2026, 11, 1)),
        WED,
    )
    assert result.colour == RED


# ---- the member's pages in words ----------------------------------------------------


def test_m1_usage_in_each_kinds_own_words():
    assert usage("entries", Decimal(3), Decimal(10), "EUR") == "3 of 10 entries used"
    assert usage("entries", Decimal(1), Decimal(1), "EUR") == "1 of 1 entry used"
    assert usage("days", Decimal(2), Decimal(5), "EUR") == "2 of 5 days used"
    assert usage("credits", Decimal(0), Decimal(20), "EUR") == "0 of 20 credits used"
    assert usage("money", Decimal("12.00"), Decimal("50.00"), "EUR") == "€12.00 of €50.00 used"
    assert usage("unlimited", Decimal(0), Decimal(0), "EUR", 4) == (
        "Unlimited: 4 places booked so far"
    )


def test_m2_amount_a_booking_took():
    assert amount("entries", Decimal(1), "EUR") == "1 entry"
    assert amount("credits", Decimal(3), "EUR") == "3 credits"
    assert amount("days", Decimal(1), "EUR") == "1 day"
    assert amount("money", Decimal("12.50"), "GBP") == "£12.50"


def test_m1_time_left():
    friday = dt.date(2026, 12, 4)
    assert time_left(friday, WED, ended=False, fallback="x") == (
        "Valid until Friday, 4 December 2026 — 2 days left"
    )
    assert time_left(dt.date(2026, 12, 3), WED, ended=False, fallback="x") == (
        "Valid until Thursday, 3 December 2026 — 1 day left"
    )
    assert time_left(WED, WED, ended=False, fallback="x") == (
        "Valid until Wednesday, 2 December 2026 — last day today"
    )
    assert time_left(friday, WED, ended=True, fallback="x") == "Valid until Friday, 4 December 2026"
    assert time_left(None, WED, ended=False, fallback="No expiry") == "No expiry"


def test_n1_renewal_words():
    assert renewal(False, "expired") == "Does not renew"
    assert renewal(True, "expired") == "Renews when it expires"
    assert renewal(True, "used_up") == "Renews when it is used up"
    assert renewal(True, None) == "Set to renew"
