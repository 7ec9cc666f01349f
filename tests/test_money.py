from decimal import Decimal

import pytest

from wagtail_passes.rules.money import (
    Money,
    from_minor_units,
    has_valid_precision,
    quantize,
    to_minor_units,
)


def test_a6_rounds_half_up_to_minor_unit():
    assert quantize(Decimal("10.005"), "EUR") == Decimal("10.01")
    assert quantize(Decimal("10.5"), "JPY") == Decimal("11")


def test_a6_minor_units_for_stripe_include_zero_decimal_currencies():
    assert to_minor_units(Decimal("12.34"), "EUR") == 1234
    assert to_minor_units(Decimal("1500"), "JPY") == 1500
    assert from_minor_units(1234, "EUR") == Decimal("12.34")
    assert from_minor_units(1500, "JPY") == Decimal("1500")


def test_a6_precision_check_refuses_fractions_of_yen():
    assert has_valid_precision(Decimal("10"), "JPY")
    assert not has_valid_precision(Decimal("10.50"), "JPY")
    assert has_valid_precision(Decimal("10.50"), "EUR")


def test_a6_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(10.5, "EUR")
    with pytest.raises(ValueError):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "GBP")
    assert Money(Decimal("2.50"), "EUR") * 3 == Money(Decimal("7.50"), "EUR")
    assert str(Money(Decimal("7.5"), "EUR")) == "€7.50"  # tests run in en-gb
