"""Money in words (A6): babel's currency format for the active language, the currency's
minor unit always shown. Expectations written by hand from CLDR's conventions; the tests
run with LANGUAGE_CODE "en-gb"."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from wagtail_passes.rules.money import Money, format_money

NBSP = "\N{NO-BREAK SPACE}"
RLM = "\N{RIGHT-TO-LEFT MARK}"


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en-gb", "90", "EUR", "€90.00"),
        ("en-gb", "12", "GBP", "£12.00"),
        ("en-gb", "1000", "JPY", "JP¥1,000"),
        ("en-gb", "1234.5", "EUR", "€1,234.50"),
        ("de", "90", "EUR", f"90,00{NBSP}€"),
        ("de", "1234.5", "EUR", f"1.234,50{NBSP}€"),
        ("de", "1000", "JPY", f"1.000{NBSP}¥"),
        ("ar", "90", "EUR", f"{RLM}90.00{NBSP}€"),
        ("ar", "1000", "JPY", f"{RLM}1,000{NBSP}JP¥"),
    ],
)
def test_a6_money_reads_as_the_active_language_writes_it(language, amount, currency, expected):
    with translation.override(language):
        assert str(Money(Decimal(amount), currency)) == expected


def test_a6_money_outside_any_request_reads_in_the_site_language():
    # get_language() falls back to LANGUAGE_CODE ("en-gb" in the tests).
    assert str(Money(Decimal("90"), "EUR")) == "€90.00"


def test_a6_money_in_an_unknown_language_falls_back_to_english():
    with translation.override("xx"):
        assert str(Money(Decimal("90"), "EUR")) == "€90.00"


def test_a6_two_decimal_currencies_keep_their_cents_though_cldr_rounds_them_away():
    # CLDR gives HUF no decimals for display; prices (and Stripe) have two.
    with translation.override("en-gb"):
        assert format_money(Decimal("1234.50"), "HUF") == "HUF1,234.50"


def test_a6_negative_amounts_keep_their_sign():
    with translation.override("en-gb"):
        assert str(Money(Decimal("-5"), "EUR")) == "-€5.00"


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ("{{ price|passes_money }}", {"price": Money(Decimal("90"), "EUR")}, f"90,00{NBSP}€"),
        (
            "{{ due|passes_money:currency }}",
            {"due": Decimal("1000"), "currency": "JPY"},
            f"1.000{NBSP}¥",
        ),
        ("{{ due|passes_money:currency }}", {"due": Decimal("5"), "currency": ""}, ""),
        ("{{ due|passes_money:currency }}", {"due": None, "currency": "EUR"}, ""),
    ],
)
def test_a6_templates_write_money_through_the_same_function(template, context, expected):
    with translation.override("de"):
        rendered = Template("{% load passes_tags %}" + template).render(Context(context))
    assert rendered == expected
