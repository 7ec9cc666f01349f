"""P3, A6: what a product costs per session, in Decimal, rounded half-up to the currency's
minor unit — the order the "Get a pass" page lists products in."""

from decimal import Decimal

import pytest

from wagtail_passes.rules.money import Money
from wagtail_passes.rules.per_session import cheapest_first_key, pays_one, per_session_cost

EUR12 = Money(Decimal("12.00"), "EUR")


def cost(kind, quantity, price, *, credit_cost=1, unit_price=EUR12, currency="EUR"):
    return per_session_cost(
        kind=kind,
        quantity=None if quantity is None else Decimal(quantity),
        price=Money(Decimal(price), currency),
        credit_cost=credit_cost,
        unit_price=unit_price,
    )


@pytest.mark.parametrize(
    ("kind", "quantity", "price", "credit_cost", "expected"),
    [
        ("entries", 10, "90.00", 1, "9.00"),
        ("entries", 3, "100.00", 1, "33.33"),  # 33.333… down
        ("entries", 3, "50.00", 1, "16.67"),  # 16.666… up
        ("entries", 2, "0.05", 1, "0.03"),  # 0.025: half-up, not to even (0.02)
        ("entries", 8, "0.20", 1, "0.03"),  # 0.025 again, from another division
        ("credits", 20, "170.00", 2, "17.00"),  # a class of 2 credits
        ("credits", 20, "170.00", 3, "25.50"),
        ("days", 3, "45.00", 1, "15.00"),  # a day, whatever the sessions that day
        ("money", 50, "45.00", 1, "10.80"),  # 12.00 of 50.00 credit bought for 45.00
        ("entries", 1, "0.00", 1, "0.00"),  # a free trial
    ],
)
def test_p3_per_session_cost_is_decimal_and_rounded_half_up(
    kind, quantity, price, credit_cost, expected
):
    result = cost(kind, quantity, price, credit_cost=credit_cost)
    assert isinstance(result.amount, Decimal)
    assert result == Money(Decimal(expected), "EUR")
    assert str(result.amount) == expected


def test_a6_zero_decimal_currencies_round_to_whole_units():
    assert cost("entries", 3, "1000", currency="JPY").amount == Decimal("333")
    assert cost("entries", 3, "1001", currency="JPY").amount == Decimal("334")  # 333.67


def test_p3_an_unlimited_pass_has_no_per_session_number():
    assert cost("unlimited", None, "120.00") is None


def test_p3_only_decimals_are_accepted():
    with pytest.raises(TypeError):
        per_session_cost(
            kind="entries", quantity=10.0, price=EUR12, credit_cost=1, unit_price=EUR12
        )


@pytest.mark.parametrize(
    ("kind", "quantity", "credit_cost", "pays"),
    [
        ("money", "10", 1, False),  # 10.00 of credit, a 12.00 class (K5)
        ("money", "12", 1, True),
        ("credits", "2", 3, False),
        ("credits", "3", 3, True),
        ("entries", "1", 5, True),  # credits per session mean nothing to an entry pass
        ("unlimited", None, 1, True),
    ],
)
def test_p3_k5_a_pass_that_could_not_pay_one_session_is_not_offered(
    kind, quantity, credit_cost, pays
):
    quantity = None if quantity is None else Decimal(quantity)
    assert pays_one(kind, quantity, credit_cost=credit_cost, unit_price=EUR12) is pays


def test_p3_cheapest_per_session_first_then_unlimited_by_price():
    rows = [
        ("Unlimited", None, "120.00"),
        ("10 classes", "9.00", "90.00"),
        ("Unlimited cheap", None, "60.00"),
        ("5 classes", "10.00", "50.00"),
        ("Trial", "0.00", "0.00"),
    ]

    def key(row):
        title, per, price = row
        per = None if per is None else Money(Decimal(per), "EUR")
        return cheapest_first_key(per, Money(Decimal(price), "EUR"), title)

    assert [r[0] for r in sorted(rows, key=key)] == [
        "Trial",
        "10 classes",
        "5 classes",
        "Unlimited cheap",
        "Unlimited",
    ]
