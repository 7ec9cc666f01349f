"""Pro-rata prices (A3, A6) and what a booking costs each kind of pass (K1-K5)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.rules import eur, make_session, make_terms
from wagtail_passes.rules.money import Money
from wagtail_passes.rules.pricing import pro_rata_price, redemption_cost

SEASON = {"fixed_start": date(2027, 3, 1), "fixed_end": date(2027, 3, 10)}


def price(today, *, full="100.00", minimum="0.00", pro_rata_from=date(2027, 3, 1), **season):
    return pro_rata_price(
        eur(full),
        **(season or SEASON),
        pro_rata_from=pro_rata_from,
        minimum=eur(minimum),
        today=today,
    )


# A3 -------------------------------------------------------------------------------------


def test_a3_full_price_before_pro_rata_from():
    assert price(date(2027, 3, 5), pro_rata_from=date(2027, 3, 6)) == eur("100.00")
    assert price(date(2027, 2, 1)) == eur("100.00")


def test_a3_pro_rata_share_of_days_left():
    # 10 days in the season; on the 4th, the 4th..10th are left: 7 days.
    assert price(date(2027, 3, 4)) == eur("70.00")
    assert price(date(2027, 3, 1)) == eur("100.00")
    assert price(date(2027, 3, 10)) == eur("10.00")


def test_a3_pro_rata_before_season_start_is_full():
    assert price(date(2027, 2, 20), pro_rata_from=date(2027, 2, 1)) == eur("100.00")


def test_a3_pro_rata_never_below_minimum():
    assert price(date(2027, 3, 9), minimum="25.00") == eur("25.00")
    assert price(date(2027, 4, 1), minimum="25.00") == eur("25.00")  # season over


def test_a3_minimum_above_full_never_raises_the_price():
    assert price(date(2027, 3, 9), minimum="150.00") == eur("100.00")


def test_a3_pro_rata_refuses_reversed_dates_and_mixed_currencies():
    with pytest.raises(ValueError):
        price(date(2027, 3, 4), fixed_start=date(2027, 3, 10), fixed_end=date(2027, 3, 1))
    with pytest.raises(ValueError):
        pro_rata_price(
            eur("10.00"),
            **SEASON,
            pro_rata_from=date(2027, 3, 1),
            minimum=Money(Decimal(0), "GBP"),
            today=date(2027, 3, 2),
        )


def test_a6_pro_rata_rounds_half_up_to_minor_unit():
    three_days = {"fixed_start": date(2027, 3, 1), "fixed_end": date(2027, 3, 3)}
    assert price(date(2027, 3, 2), **three_days) == eur("66.67")
    assert price(date(2027, 3, 3), **three_days) == eur("33.33")
    yen = pro_rata_price(
        Money(Decimal(10000), "JPY"),
        **three_days,
        pro_rata_from=date(2027, 3, 1),
        minimum=Money(Decimal(0), "JPY"),
        today=date(2027, 3, 3),
    )
    assert yen == Money(Decimal(3333), "JPY")
    assert yen.amount.as_tuple().exponent == 0


@given(
    full=st.decimals(min_value=0, max_value=10000, places=2),
    minimum=st.decimals(min_value=0, max_value=10000, places=2),
    length=st.integers(0, 400),
    lead=st.integers(-30, 30),
)
def test_a3_property_monotonic_and_within_minimum_and_full(full, minimum, length, lead):
    start = date(2027, 9, 1)
    end = start + timedelta(days=length)
    pro_rata_from = start + timedelta(days=lead)
    prices = [
        pro_rata_price(
            eur(str(full)),
            fixed_start=start,
            fixed_end=end,
            pro_rata_from=pro_rata_from,
            minimum=eur(str(minimum)),
            today=start + timedelta(days=offset),
        )
        for offset in range(-35, length + 3)
    ]
    floor = min(minimum, full)
    for earlier, later in zip(prices, prices[1:], strict=False):
        assert later.amount <= earlier.amount
    assert all(floor <= p.amount <= full for p in prices)


# K1-K5 ----------------------------------------------------------------------------------


def cost(kind, attendees=1, *, used=False, **session):
    return redemption_cost(
        make_terms(kind=kind), make_session(**session), attendees, day_already_used=used
    )


def test_k1_each_attendee_uses_an_entry():
    assert cost("entries") == 1
    assert cost("entries", 3) == 3


def test_k2_unlimited_costs_nothing():
    assert cost("unlimited", 4) == 0


def test_k3_one_day_per_distinct_day_whatever_the_attendees():
    assert cost("days") == 1
    assert cost("days", 3) == 1
    assert cost("days", 3, used=True) == 0


def test_k4_credit_cost_per_attendee():
    assert cost("credits") == 1
    assert cost("credits", 2, credit_cost=3) == 6


def test_k5_money_costs_the_unit_price_per_attendee():
    assert cost("money", 2, unit_price=eur("12.50")) == Decimal("25.00")


def test_k5_money_in_another_currency_cannot_be_costed():
    with pytest.raises(ValueError):
        cost("money", unit_price=Money(Decimal(12), "GBP"))


def test_cost_needs_an_attendee():
    with pytest.raises(ValueError):
        cost("entries", 0)
