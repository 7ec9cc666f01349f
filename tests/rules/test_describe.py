"""A product in plain words (rules.describe), in the test settings' English: each kind
(K1-K5), each validity basis (V1-V4), each period limit (U1), coverage (U2), additional
attendees (U3) and who may buy (U5)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from wagtail_passes.rules.describe import (
    coverage,
    describe_product,
    gives,
    join_names,
    period_limit,
    summarize,
    validity,
    who_may_buy,
)
from wagtail_passes.rules.types import BASES, KINDS, PERIODS


def describe(**overrides):
    values = {
        "kind": "entries",
        "quantity": Decimal(10),
        "currency": "EUR",
        "validity_basis": "purchase",
        "duration_days": 0,
    }
    values.update(overrides)
    return summarize(describe_product(**values))


# K1-K5 what it gives ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, quantity, currency, words",
    [
        ("entries", Decimal(10), "EUR", "10 entries"),
        ("entries", Decimal(1), "EUR", "1 entry"),
        ("entries", Decimal("10.00"), "EUR", "10 entries"),
        ("unlimited", None, "EUR", "unlimited"),
        ("days", Decimal(3), "EUR", "3 days of access"),
        ("days", Decimal(1), "EUR", "1 day of access"),
        ("credits", Decimal(20), "EUR", "20 credits"),
        ("credits", Decimal(1), "EUR", "1 credit"),
        ("money", Decimal(50), "GBP", "£50.00 of credit"),
        ("money", Decimal("12.5"), "EUR", "€12.50 of credit"),
        ("money", Decimal(5000), "JPY", "JP¥5,000 of credit"),
    ],
)
def test_k1_to_k5_what_each_kind_gives(kind, quantity, currency, words):
    assert gives(kind, quantity, currency) == words


def test_k1_entry_pass_sentence_reads_as_in_the_brief():
    sentence = describe(
        kind="entries",
        quantity=Decimal(10),
        validity_basis="first_use",
        duration_days=90,
        period="week",
        period_max_uses=2,
        programme_names=["Yoga"],
    )
    assert sentence == "10 entries, valid 90 days from first use, max 2 per week, for Yoga"


def test_k2_unlimited_sentence():
    assert describe(kind="unlimited", quantity=None, duration_days=30) == (
        "Unlimited, valid 30 days from purchase, for all classes"
    )


def test_k3_day_pass_sentence_with_fixed_end():
    sentence = describe(
        kind="days",
        quantity=Decimal(3),
        validity_basis="fixed",
        fixed_start=date(2027, 1, 1),
        fixed_end=date(2027, 3, 31),
        today=date(2027, 2, 1),
    )
    assert sentence == "3 days of access, valid until 31 March 2027, for all classes"


def test_k4_and_k5_sentences_start_with_a_capital():
    assert describe(kind="credits", quantity=Decimal(20)).startswith("20 credits, no expiry")
    assert describe(kind="money", quantity=Decimal(50), currency="GBP").startswith(
        "£50.00 of credit, no expiry"
    )


def test_unknown_kind_or_missing_quantity_is_a_programming_error():
    with pytest.raises(ValueError):
        gives("coupons", Decimal(1), "EUR")
    with pytest.raises(ValueError):
        gives("entries", None, "EUR")


# V1-V4 validity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "basis, days, words",
    [
        ("purchase", 30, "valid 30 days from purchase"),
        ("purchase", 1, "valid 1 day from purchase"),
        ("payment", 30, "valid 30 days from payment"),
        ("payment", 1, "valid 1 day from payment"),
        ("first_use", 7, "valid 7 days from first use"),
        ("first_use", 1, "valid 1 day from first use"),
    ],
)
def test_v1_v2_v3_duration_from_each_start(basis, days, words):
    assert validity(basis, days) == words


@pytest.mark.parametrize("basis", ["purchase", "payment", "first_use"])
def test_v1_zero_days_means_no_expiry(basis):
    assert validity(basis, 0) == "no expiry"


def test_v4_fixed_dates_before_the_season_name_both_dates():
    words = validity("fixed", 0, date(2027, 4, 1), date(2028, 3, 31), today=date(2027, 3, 15))
    assert words == "valid from 1 April 2027 to 31 March 2028"
    assert validity("fixed", 0, date(2027, 4, 1), date(2028, 3, 31)) == words


def test_v4_fixed_dates_once_the_season_runs_name_only_the_end():
    for today in (date(2027, 4, 1), date(2027, 9, 1), date(2028, 3, 31)):
        assert validity("fixed", 0, date(2027, 4, 1), date(2028, 3, 31), today=today) == (
            "valid until 31 March 2028"
        )


def test_v4_fixed_dates_ignore_the_duration():
    assert validity("fixed", 30, date(2027, 4, 1), date(2027, 4, 30)) == (
        "valid from 1 April 2027 to 30 April 2027"
    )


def test_v4_half_set_fixed_dates_still_read_sensibly():
    assert validity("fixed", 0, None, date(2027, 4, 30)) == "valid until 30 April 2027"
    assert validity("fixed", 0, date(2027, 4, 1), None) == "valid from 1 April 2027"
    assert validity("fixed", 0) == "valid on fixed dates"


def test_unknown_basis_or_negative_duration_is_a_programming_error():
    with pytest.raises(ValueError):
        validity("forever", 1)
    with pytest.raises(ValueError):
        validity("purchase", -1)


# U1 period limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period, n, words",
    [
        ("day", 1, "max 1 per day"),
        ("day", 2, "max 2 per day"),
        ("week", 3, "max 3 per week"),
        ("month", 8, "max 8 per calendar month"),
    ],
)
def test_u1_each_period_limit(period, n, words):
    assert period_limit(period, n) == words


@pytest.mark.parametrize("period, n", [(None, None), ("", None), (None, 2), ("week", None)])
def test_u1_no_limit_says_nothing(period, n):
    assert period_limit(period, n) == ""
    assert "max" not in describe(period=period, period_max_uses=n)


# U2 coverage, U3 additional attendees ------------------------------------------------------


def test_u2_everywhere():
    assert coverage() == "for all classes"


def test_u2_programmes_then_classes():
    assert coverage(["Yoga"]) == "for Yoga"
    assert coverage(["Yoga", "Swim"]) == "for Yoga and Swim"
    assert coverage([], ["Yin Yoga"]) == "for Yin Yoga"
    assert coverage(["Swim"], ["Yin Yoga", "Vinyasa"]) == "for Swim, Yin Yoga and Vinyasa"


def test_join_names():
    assert join_names([]) == ""
    assert join_names(["A"]) == "A"
    assert join_names(["A", "B"]) == "A and B"
    assert join_names(["A", "B", "C", "D"]) == "A, B, C and D"


def test_u3_additional_attendees_are_mentioned_only_when_allowed():
    assert describe(allows_additional_attendees=True).endswith(
        "for all classes, valid for additional attendees in one booking"
    )
    assert "attendees" not in describe(allows_additional_attendees=False)


# U5 who may buy ---------------------------------------------------------------------------


def test_u5_who_may_buy():
    assert who_may_buy() == ()
    assert who_may_buy("anyone") == ()
    assert who_may_buy("new_joiners") == ("Only for new joiners (no earlier bookings).",)
    assert who_may_buy("active_members") == ("Only for members who have booked before.",)
    assert who_may_buy("anyone", "Club membership") == (
        "Only for members holding an active, paid “Club membership” (or one the studio gave them).",
    )
    with pytest.raises(ValueError):
        who_may_buy("friends")


# Translation and exhaustive checks --------------------------------------------------------


def test_words_are_translated():
    with translation.override("de"):
        # Django ships German month names; our own strings fall back to English.
        assert "März" in validity("fixed", 0, date(2027, 3, 1), date(2027, 3, 31))


@given(
    kind=st.sampled_from(sorted(KINDS)),
    quantity=st.integers(min_value=1, max_value=10_000),
    currency=st.sampled_from(["EUR", "GBP", "JPY"]),
    basis=st.sampled_from(sorted(BASES)),
    days=st.integers(min_value=0, max_value=3650),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    length=st.integers(min_value=0, max_value=400),
    period=st.sampled_from([None, *sorted(PERIODS)]),
    max_uses=st.one_of(st.none(), st.integers(min_value=1, max_value=50)),
    programmes=st.lists(st.sampled_from(["Yoga", "Swim", "Pilates"]), max_size=3, unique=True),
    classes=st.lists(st.sampled_from(["Flow", "Yin", "Masters"]), max_size=3, unique=True),
    extra=st.booleans(),
)
def test_every_valid_combination_reads_as_one_sentence(
    kind,
    quantity,
    currency,
    basis,
    days,
    start,
    length,
    period,
    max_uses,
    programmes,
    classes,
    extra,
):
    phrases = describe_product(
        kind=kind,
        quantity=None if kind == "unlimited" else Decimal(quantity),
        currency=currency,
        validity_basis=basis,
        duration_days=days,
        fixed_start=start,
        fixed_end=start + timedelta(days=length),
        period=period,
        period_max_uses=max_uses,
        programme_names=programmes,
        class_names=classes,
        allows_additional_attendees=extra,
        today=start,
    )
    assert all(phrase and phrase == phrase.strip() for phrase in phrases)
    assert 3 <= len(phrases) <= 5
    sentence = summarize(phrases)
    assert not sentence[0].islower()  # a capital, a number or an amount ("£50.00", "50,00 €")
    assert all(name in sentence for name in [*programmes, *classes])
    if kind != "unlimited" and kind != "money":
        assert sentence.startswith(str(quantity))
