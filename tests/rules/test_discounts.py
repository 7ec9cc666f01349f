"""The discount on one line (A4, A6), worked out by hand, and its properties."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagtail_passes.rules.discounts import FIXED, PERCENTAGE, line_discount
from wagtail_passes.rules.money import Money, has_valid_precision


def money(amount, currency="EUR"):
    return Money(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("percent", "total", "currency", "expected"),
    [
        ("10", "90.00", "EUR", "9.00"),
        ("15", "19.99", "EUR", "3.00"),  # 2.9985 -> 3.00
        ("12.5", "0.20", "EUR", "0.03"),  # 0.025 half-up -> 0.03
        ("33", "10.00", "GBP", "3.30"),
        ("100", "45.50", "EUR", "45.50"),
        ("15", "1000", "JPY", "150"),
        ("33", "1001", "JPY", "330"),  # 330.33 -> 330
        ("12.5", "1004", "JPY", "126"),  # 125.5 half-up -> 126
        ("1", "0.00", "EUR", "0.00"),
    ],
)
def test_a4_a6_percentage_rounded_half_up_to_the_minor_unit(percent, total, currency, expected):
    discount = line_discount(PERCENTAGE, Decimal(percent), "", money(total, currency))
    assert discount == money(expected, currency)


@pytest.mark.parametrize(
    ("value", "total", "currency", "expected"),
    [
        ("10.00", "90.00", "EUR", "10.00"),
        ("100.00", "90.00", "EUR", "90.00"),  # never more than the line
        ("500", "300", "JPY", "300"),
        ("200", "1500", "JPY", "200"),
    ],
)
def test_a4_fixed_amount_never_more_than_the_line(value, total, currency, expected):
    discount = line_discount(FIXED, Decimal(value), currency, money(total, currency))
    assert discount == money(expected, currency)


def test_a4_a_fixed_amount_in_another_currency_does_not_apply():
    assert line_discount(FIXED, Decimal("10.00"), "EUR", money("90.00", "GBP")) is None
    assert line_discount(FIXED, Decimal("1000"), "JPY", money("90.00", "EUR")) is None


def test_a6_floats_and_negative_values_are_refused():
    with pytest.raises(TypeError):
        line_discount(PERCENTAGE, 10.0, "", money("90.00"))
    with pytest.raises(ValueError):
        line_discount(FIXED, Decimal("-1"), "EUR", money("90.00"))
    with pytest.raises(ValueError):
        line_discount("bogus", Decimal("1"), "EUR", money("90.00"))


CURRENCIES = st.sampled_from(["EUR", "GBP", "JPY", "USD", "KRW"])


@st.composite
def lines_and_codes(draw):
    currency = draw(CURRENCIES)
    places = 0 if currency in ("JPY", "KRW") else 2
    total = Decimal(draw(st.integers(0, 10**8))).scaleb(-places)
    kind = draw(st.sampled_from([PERCENTAGE, FIXED]))
    if kind == PERCENTAGE:
        value = Decimal(draw(st.integers(100, 10_000))).scaleb(-2)  # 1.00 .. 100.00
        code_currency = ""
    else:
        value = Decimal(draw(st.integers(1, 10**8))).scaleb(-places)
        code_currency = draw(st.sampled_from([currency, currency, "EUR", "JPY"]))
    return kind, value, code_currency, Money(total, currency)


@given(lines_and_codes())
def test_a4_a6_property_never_negative_never_above_the_line_always_in_minor_units(case):
    kind, value, code_currency, total = case
    discount = line_discount(kind, value, code_currency, total)
    if discount is None:
        assert kind == FIXED and code_currency != total.currency
        return
    assert discount.currency == total.currency
    assert Decimal(0) <= discount.amount <= total.amount
    assert has_valid_precision(discount.amount, total.currency)
    assert (total - discount).amount >= 0
    if kind == PERCENTAGE and value == 100:
        assert discount == total
