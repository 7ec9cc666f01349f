"""One member pass in words (rules.describe, second half), from plain values, in the test
settings' English (en-gb). Money text is money's own (rules.money); these tests check what
is said around it."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from wagtail_passes.rules import describe
from wagtail_passes.rules.money import Money


@pytest.mark.parametrize(
    ("kind", "left", "quantity", "expected"),
    [
        ("entries", Decimal(7), Decimal(10), "7 of 10 entries"),
        ("entries", Decimal(1), Decimal(1), "1 of 1 entry"),
        ("days", Decimal(1), Decimal(1), "1 of 1 day"),
        ("credits", Decimal("20.00"), Decimal(20), "20 of 20 credits"),
        ("unlimited", Decimal(0), None, "Unlimited"),
    ],
)
def test_k1_k5_balance_in_the_kind_s_units(kind, left, quantity, expected):
    assert describe.balance(kind, left, quantity, "EUR") == expected


def test_k5_money_balance_is_money():
    assert describe.balance("money", Decimal("32.50"), Decimal(50), "GBP") == str(
        Money(Decimal("32.50"), "GBP")
    )


def test_issued_with_reads_as_the_product_says_it():
    assert describe.issued_with("entries", Decimal(10), "EUR") == "10 entries"
    assert describe.issued_with("days", Decimal(3), "EUR") == "3 days of access"
    assert describe.issued_with("unlimited", None, "EUR") == "Unlimited"


@pytest.mark.parametrize(
    ("basis", "days", "expected"),
    [
        ("first_use", 7, "Starts at first use"),
        ("payment", 30, "Starts when paid"),
        ("purchase", 30, "No expiry"),  # a purchase window always has its dates
        ("first_use", 0, "No expiry"),
    ],
)
def test_v2_v3_last_valid_day_before_the_window_starts(basis, days, expected):
    assert (
        describe.last_valid_day(None, basis=basis, duration_days=days, valid_from=None) == expected
    )


def test_last_valid_day_long_in_sentences_short_in_lists():
    end = date(2027, 3, 9)
    kwargs = {"basis": "purchase", "duration_days": 30, "valid_from": date(2027, 2, 7)}
    assert describe.last_valid_day(end, **kwargs) == "9 March 2027"
    assert describe.last_valid_day(end, short=True, **kwargs) == "9 Mar 2027"
    with translation.override("de"):
        assert describe.last_valid_day(end, **kwargs) == "9. März 2027"


def test_first_valid_day():
    assert (
        describe.first_valid_day(date(2027, 3, 1), basis="purchase", duration_days=30)
        == "1 March 2027"
    )
    assert describe.first_valid_day(None, basis="first_use", duration_days=7) == (
        "Starts at first use"
    )
    assert describe.first_valid_day(None, basis="purchase", duration_days=0) == "—"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("purchase", 30), "30 days from purchase"),
        (("payment", 1), "1 day from payment"),
        (
            ("first_use", 7),
            "7 days from the first session booked with it, including the whole last day",
        ),
        (("purchase", 0), "Never expires"),
        (
            ("fixed", 0, date(2027, 1, 1), date(2027, 3, 31)),
            "Fixed dates: from 1 January 2027 to 31 March 2027",
        ),
        (("fixed", 0, None, date(2027, 3, 31)), "Fixed dates: from purchase until 31 March 2027"),
    ],
)
def test_v1_v4_validity_rule_in_full(args, expected):
    assert describe.validity_rule(*args) == expected


def test_u1_usage_limit_in_full():
    assert describe.usage_limit(None, None) == "No limit"
    assert describe.usage_limit("week", 2) == "At most 2 uses per week (Monday to Sunday)"
    assert describe.usage_limit("day", 1) == "At most 1 use per day"
    assert describe.usage_limit("month", 4) == "At most 4 uses per calendar month"
    with pytest.raises(ValueError):
        describe.usage_limit("fortnight", 2)


def test_u2_coverage_in_full():
    assert describe.coverage_in_full() == "Every programme and class"
    assert describe.coverage_in_full(["Swim", "Yoga"], ["Dance – Salsa"]) == (
        "Programmes: Swim, Yoga; Classes (and the classes linked to them): Dance – Salsa"
    )
    # It named programmes that were deleted since.
    assert describe.coverage_in_full([], [], limited=True) == (
        "Programmes and classes that no longer exist"
    )


def test_u3_attendees_rule():
    assert describe.attendees_rule(False) == "One place per session"
    assert describe.attendees_rule(True) == (
        "One booking may hold several places, each paid by the pass"
    )


def test_r3_ledger_amounts_carry_their_sign():
    assert describe.signed_amount("entries", Decimal(10), "EUR") == "+10"
    assert describe.signed_amount("entries", Decimal(-1), "EUR") == "-1"
    assert describe.signed_amount("credits", Decimal(0), "EUR") == "0"
    assert describe.signed_amount("money", Decimal("-12.00"), "EUR") == (
        f"-{Money(Decimal('12.00'), 'EUR')}"
    )
    assert describe.balance_after("entries", Decimal("9.00"), "EUR") == "9"
    assert describe.balance_after("unlimited", Decimal(0), "EUR") == "—"


def test_numbers_drop_only_empty_decimals():
    assert describe.number(Decimal("7.00")) == "7"
    assert describe.number(Decimal("2.50")) == "2.50"


def test_r4_why_a_finished_pass_cannot_pay():
    assert describe.why_ended(True, date(2027, 3, 9)) == "Cancelled"
    assert describe.why_ended(False, date(2027, 3, 9)) == "Expired on 9 March 2027"
    assert describe.why_ended(False, None) == "Expired"


# ---- one wording ------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parents[2] / "wagtail_passes"
# The phrases that put a pass's contents or validity into words; rules/describe.py owns them.
PASS_WORDING = re.compile(
    r"""(?:gettext|ngettext|_)\(\s*["'](?:%\((?:n|left|total)\)s (?:of %\(total\)s )?"""
    r"""(?:entry|entries|credit|credits|day|days)\b|Unlimited["']|No expiry|Never expires|"""
    r"""Starts at first use|Starts when paid)"""
)


def test_nothing_outside_rules_describes_a_pass_in_words_by_itself():
    """Issue 8: one "pass in words" module. Pages, admin and emails get the words from
    ``rules.describe`` (through ``presentation``), never by phrasing them again."""
    offenders = [
        f"{path.relative_to(PACKAGE)}: {match.group()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "rules" not in path.relative_to(PACKAGE).parts
        for match in PASS_WORDING.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_wording_check_recognises_a_phrase_written_again():
    # The check itself, on the shapes the admin once had.
    assert PASS_WORDING.search('ngettext("%(left)s of %(total)s entry", "...", n)')
    assert PASS_WORDING.search('gettext_now("Unlimited")') is None  # not a translation call
    assert PASS_WORDING.search('gettext("Unlimited")')
    assert PASS_WORDING.search('_("Starts at first use")')
