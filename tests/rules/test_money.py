"""Money (A6): Decimal amounts rounded to the currency's minor unit; Stripe minor units."""

from decimal import Decimal

import pytest

from tests.rules import eur, make_state, make_terms
from wagtail_passes.rules.money import Money, from_minor_units, to_minor_units


def test_a6_rounds_half_up_to_the_minor_unit():
    assert Money(Decimal("10.005"), "EUR").amount == Decimal("10.01")
    assert Money(Decimal("10.004"), "EUR").amount == Decimal("10.00")
    assert Money(Decimal("1000.5"), "JPY").amount == Decimal("1001")


def test_a6_stripe_minor_units_include_zero_decimal_currencies():
    assert to_minor_units(Decimal("12.34"), "EUR") == 1234
    assert to_minor_units(Decimal("1200"), "JPY") == 1200
    assert from_minor_units(1234, "EUR") == Decimal("12.34")
    assert from_minor_units(1200, "JPY") == Decimal("1200")


def test_a6_floats_are_refused_everywhere():
    with pytest.raises(TypeError):
        Money(0.1, "EUR")
    with pytest.raises(TypeError):
        make_state(balance=10.0)
    with pytest.raises(TypeError):
        make_terms(kind="money", quantity=50.0)
    with pytest.raises(TypeError):
        eur("1.00") * 1.5


def test_a6_currencies_never_mix():
    with pytest.raises(ValueError):
        eur("1.00") + Money(Decimal(1), "GBP")
