"""Bounds of the product page editor: every out-of-range value a browser can send is refused
with a message next to its field (never a 500) and changes nothing; values at the bounds are
accepted; counts read as whole numbers; staff never see rule IDs.

The bounds live in ``wagtail_passes.bounds``: durations up to 3660 days, up to 100,000 entries,
days or credits (whole numbers), money up to 1,000,000, 1-1,000 uses per period, stock up to
1,000,000, dates in the years 2000-2100.
"""

import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.urls import reverse
from wagtail.models import Revision
from wagtail.users.models import UserProfile

from tests.admin import error_shown_next_to
from tests.page_types import BasePage as Page
from tests.page_types import CreditPackPage, PassPage
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
)

from . import add_url, form_errors, product_form_data, publish

pytestmark = pytest.mark.django_db

BEYOND_THE_DATABASE = "99999999999999999999"  # more than any integer column holds
HUGE = "999999999999"
TEN_TO_THE_12 = "1000000000000"
LESS_OR_EQUAL = "Ensure this value is less than or equal to"
AT_LEAST_0 = "Ensure this value is greater than or equal to 0."
AT_LEAST_1 = "Ensure this value is greater than or equal to 1."
YEARS = "Enter a date between 2000 and 2100."
PRO_RATA = {
    "validity_basis": "fixed",
    "fixed_start": "2027-01-01",
    "fixed_end": "2027-03-31",
    "pro_rata": True,
    "pro_rata_from": "2027-01-15",
    "pro_rata_minimum_price": "20.00",
}
CREDITS = {"kind": "credits", "quantity": "20"}
MONEY = {"kind": "money", "quantity": "50.00"}

# name: (changes to a valid 10-entry pass, field, a message next to that field)
OUT_OF_RANGE = {
    "duration_days_huge": ({"duration_days": HUGE}, "duration_days", f"{LESS_OR_EQUAL} 3660."),
    "duration_days_beyond_the_database": (
        {"duration_days": BEYOND_THE_DATABASE},
        "duration_days",
        f"{LESS_OR_EQUAL} 3660.",
    ),
    "duration_days_over_ten_years": (
        {"duration_days": "3661"},
        "duration_days",
        f"{LESS_OR_EQUAL} 3660.",
    ),
    "duration_days_negative": ({"duration_days": "-1"}, "duration_days", AT_LEAST_0),
    "entries_over_100000": (
        {"quantity": "100001"},
        "quantity",
        "Enter at most 100,000 entries, days or credits.",
    ),
    "entries_huge": ({"quantity": HUGE}, "quantity", LESS_OR_EQUAL),
    "entries_negative": ({"quantity": "-3"}, "quantity", AT_LEAST_0),
    "days_over_100000": (
        {"kind": "days", "quantity": "250000"},
        "quantity",
        "Enter at most 100,000 entries, days or credits.",
    ),
    "credits_fractional": (
        {**CREDITS, "quantity": "20.5"},
        "quantity",
        "Enter a whole number of at least 1.",
    ),
    "credits_over_100000": (
        {**CREDITS, "quantity": "100001"},
        "quantity",
        "Enter at most 100,000 entries, days or credits.",
    ),
    "credits_beyond_the_database": (
        {**CREDITS, "quantity": BEYOND_THE_DATABASE},
        "quantity",
        LESS_OR_EQUAL,
    ),
    "money_over_a_million": (
        {**MONEY, "quantity": "1000000.01"},
        "quantity",
        f"{LESS_OR_EQUAL} 1000000.",
    ),
    "money_ten_to_the_12": ({**MONEY, "quantity": TEN_TO_THE_12}, "quantity", LESS_OR_EQUAL),
    "money_cents_of_yen": (
        {**MONEY, "currency": "JPY", "price": "4500", "quantity": "5000.50"},
        "quantity",
        "JPY has no fractional units; enter a whole amount.",
    ),
    "price_over_a_million": ({"price": "1000000.01"}, "price", f"{LESS_OR_EQUAL} 1000000."),
    "price_ten_to_the_12": ({"price": TEN_TO_THE_12}, "price", LESS_OR_EQUAL),
    "price_negative": ({"price": "-0.01"}, "price", AT_LEAST_0),
    "pro_rata_minimum_price_ten_to_the_12": (
        {**PRO_RATA, "pro_rata_minimum_price": TEN_TO_THE_12},
        "pro_rata_minimum_price",
        LESS_OR_EQUAL,
    ),
    "period_max_uses_huge": (
        {"period_limit": "week", "period_max_uses": HUGE},
        "period_max_uses",
        f"{LESS_OR_EQUAL} 1000.",
    ),
    "period_max_uses_beyond_the_database": (
        {"period_limit": "week", "period_max_uses": BEYOND_THE_DATABASE},
        "period_max_uses",
        f"{LESS_OR_EQUAL} 1000.",
    ),
    "period_max_uses_zero": (
        {"period_limit": "week", "period_max_uses": "0"},
        "period_max_uses",
        AT_LEAST_1,
    ),
    "stock_over_a_million": (
        {"stock_limit": "1000001"},
        "stock_limit",
        f"{LESS_OR_EQUAL} 1000000.",
    ),
    "stock_beyond_the_database": (
        {"stock_limit": BEYOND_THE_DATABASE},
        "stock_limit",
        f"{LESS_OR_EQUAL} 1000000.",
    ),
    "stock_negative": ({"stock_limit": "-1"}, "stock_limit", AT_LEAST_0),
    "commitment_payments_huge": (
        {"commitment_payments": HUGE},
        "commitment_payments",
        f"{LESS_OR_EQUAL} 1000.",
    ),
    "fixed_start_year_9999": (
        {"validity_basis": "fixed", "fixed_start": "9999-01-01", "fixed_end": "9999-12-31"},
        "fixed_start",
        YEARS,
    ),
    "fixed_end_year_9999": (
        {"validity_basis": "fixed", "fixed_start": "2027-01-01", "fixed_end": "9999-12-31"},
        "fixed_end",
        YEARS,
    ),
    "fixed_start_year_1999": (
        {"validity_basis": "fixed", "fixed_start": "1999-12-31", "fixed_end": "2027-01-01"},
        "fixed_start",
        YEARS,
    ),
    "pro_rata_from_year_9999": (
        {**PRO_RATA, "pro_rata_from": "9999-01-15"},
        "pro_rata_from",
        YEARS,
    ),
    "sale_starts_year_1": ({"sale_starts_at": "0001-01-01 00:00"}, "sale_starts_at", YEARS),
    "sale_ends_year_9999": ({"sale_ends_at": "9999-12-31 23:59"}, "sale_ends_at", YEARS),
    "sale_ends_year_10000": (
        {"sale_ends_at": "10000-01-01 00:00"},
        "sale_ends_at",
        "Enter a valid date/time.",
    ),
    "programmes_id_beyond_the_database": (
        {"programmes": [BEYOND_THE_DATABASE]},
        "programmes",
        "Select a valid choice.",
    ),
    "classes_id_beyond_the_database": (
        {"classes": [BEYOND_THE_DATABASE]},
        "classes",
        "Select a valid choice.",
    ),
    "required_product_id_beyond_the_database": (
        {"required_product": BEYOND_THE_DATABASE},
        "required_product",
        "Select a valid choice.",
    ),
    "image_id_beyond_the_database": (
        {"image": BEYOND_THE_DATABASE},
        "image",
        "Select a valid choice.",
    ),
}

RULE_ID_IN_PARENTHESES = re.compile(r"\([^)]*\b[A-Z]{1,3}\d{1,2}\b[^)]*\)")
RULE_ID = re.compile(r"\b[A-Z]{1,3}\d{1,2}\b")


def model_of(changes):
    return CreditPackPage if changes.get("kind") in ("credits", "money") else PassPage


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def stored(page):
    """The product's row and its revisions, to compare before and after a refused save."""
    row = type(page).objects.filter(pk=page.pk).values().get()
    return row, Revision.objects.filter(object_id=str(page.pk)).count()


def assert_refused_next_to(response, field, message):
    errors = form_errors(response)
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors
    assert message in error_shown_next_to(response, f"id_{field}")
    for messages in errors.values():
        for error in messages:
            assert not RULE_ID_IN_PARENTHESES.search(error), error


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def index():
    return ProductIndexPageFactory()


@pytest.mark.parametrize("case", OUT_OF_RANGE, ids=[f"bounds_{name}" for name in OUT_OF_RANGE])
def test_bounds_out_of_range_refused_on_create(admin, index, case):
    changes, field, message = OUT_OF_RANGE[case]
    model = model_of(changes)
    pages_before = Page.objects.count()

    response = admin.post(add_url(model, index), publish(product_form_data(**changes)))

    assert_refused_next_to(response, field, message)
    assert Page.objects.count() == pages_before
    assert not model.objects.exists()


@pytest.mark.parametrize("case", OUT_OF_RANGE, ids=[f"bounds_{name}" for name in OUT_OF_RANGE])
def test_bounds_out_of_range_refused_on_edit(admin, index, case):
    changes, field, message = OUT_OF_RANGE[case]
    model = model_of(changes)
    if model is CreditPackPage:
        page = CreditPackPageFactory(parent=index, slug="pack", kind="credits", quantity=20)
        base = {"slug": "pack", **CREDITS}
    else:
        page = PassPageFactory(parent=index, slug="ten", quantity=10, duration_days=90)
        base = {"slug": "ten"}
    before = stored(page)
    pages_before = Page.objects.count()

    response = admin.post(edit_url(page), publish(product_form_data(**{**base, **changes})))

    assert_refused_next_to(response, field, message)
    assert stored(page) == before
    assert Page.objects.count() == pages_before


@pytest.mark.parametrize(
    "case",
    [
        "duration_days_beyond_the_database",
        "credits_fractional",
        "fixed_end_year_9999",
        "programmes_id_beyond_the_database",
    ],
    ids=lambda name: f"bounds_{name}",
)
def test_bounds_out_of_range_refused_when_saving_a_draft(admin, index, case):
    changes, field, message = OUT_OF_RANGE[case]
    model = model_of(changes)
    pages_before = Page.objects.count()

    response = admin.post(add_url(model, index), product_form_data(**changes))

    assert_refused_next_to(response, field, message)
    assert Page.objects.count() == pages_before


def editor_in_time_zone(superuser, zone):
    profile = UserProfile.get_for_user(superuser)
    profile.current_time_zone = zone
    profile.save()


@pytest.mark.parametrize("field", ["go_live_at", "expire_at", "sale_starts_at", "sale_ends_at"])
@pytest.mark.parametrize(
    ("zone", "moment"),
    [
        ("", "9999-12-31 23:59"),
        # In UTC these are year 10000 and year 0: the save itself would overflow.
        ("America/New_York", "9999-12-31 23:59"),
        ("Asia/Tokyo", "0001-01-01 00:00"),
    ],
    ids=["site-zone-9999", "new-york-9999", "tokyo-year-1"],
)
def test_bounds_far_dates_refused_whatever_the_editors_time_zone(
    admin, superuser, index, field, zone, moment
):
    if zone:
        editor_in_time_zone(superuser, zone)
    pages_before = Page.objects.count()

    response = admin.post(add_url(PassPage, index), publish(product_form_data(**{field: moment})))

    assert_refused_next_to(response, field, YEARS)
    assert Page.objects.count() == pages_before


AT_THE_BOUNDS = {
    "longest_duration": {"duration_days": "3660"},
    "most_entries": {"quantity": "100000"},
    "most_credits": {**CREDITS, "quantity": "100000"},
    "most_money": {**MONEY, "quantity": "1000000.00"},
    "highest_price": {"price": "1000000.00"},
    "most_uses_per_period": {"period_limit": "day", "period_max_uses": "1000"},
    "largest_stock": {"stock_limit": "1000000"},
    "most_commitment_payments": {"commitment_payments": "1000"},
    "widest_fixed_dates": {
        "validity_basis": "fixed",
        "fixed_start": "2000-01-01",
        "fixed_end": "2100-12-31",
    },
    "widest_sale_window": {
        "sale_starts_at": "2000-01-01 00:00",
        "sale_ends_at": "2100-12-31 23:59",
    },
}


@pytest.mark.parametrize("case", AT_THE_BOUNDS, ids=[f"bounds_{name}" for name in AT_THE_BOUNDS])
def test_bounds_values_at_the_limit_are_accepted(admin, index, case):
    changes = AT_THE_BOUNDS[case]
    model = model_of(changes)

    response = admin.post(add_url(model, index), publish(product_form_data(**changes)))

    assert response.status_code == 302, form_errors(response)
    assert model.objects.get().live


def test_bounds_number_inputs_carry_their_limits(admin, index):
    soup = BeautifulSoup(admin.get(add_url(PassPage, index)).content, "html.parser")

    def limits(name):
        field = soup.select_one(f'input[name="{name}"]')
        return field.get("min"), field.get("max")

    assert limits("duration_days") == ("0", "3660")
    assert limits("period_max_uses") == ("1", "1000")
    assert limits("stock_limit") == ("0", "1000000")
    assert limits("price") == ("0", "1000000")
    quantity = soup.select_one('input[name="quantity"]')
    assert (quantity["step"], quantity["min"], quantity["max"]) == ("1", "1", "100000")


def test_bounds_credit_pack_quantity_input_allows_money_amounts(admin, index):
    soup = BeautifulSoup(admin.get(add_url(CreditPackPage, index)).content, "html.parser")

    quantity = soup.select_one('input[name="quantity"]')
    assert (quantity["step"], quantity["min"], quantity["max"]) == ("0.01", "0", "1000000")


# Whole numbers for counts --------------------------------------------------------------------


def quantity_input(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.select_one('input[name="quantity"]')["value"]


def test_k4_credit_pack_quantity_shows_as_a_whole_number_in_the_editor(admin, index):
    response = admin.post(
        add_url(CreditPackPage, index),
        publish(product_form_data(slug="credits-20", **CREDITS)),
    )
    assert response.status_code == 302
    page = CreditPackPage.objects.get()
    assert page.quantity == Decimal("20.00")

    response = admin.get(edit_url(page))

    assert quantity_input(response) == "20"


def test_k1_entry_pass_quantity_shows_as_a_whole_number_in_the_editor(admin, index):
    page = PassPageFactory(parent=index, quantity=Decimal("10.00"))
    page.refresh_from_db()

    assert quantity_input(admin.get(edit_url(page))) == "10"


def test_k5_money_amount_keeps_the_currencys_decimals_in_the_editor(admin, index):
    euros = CreditPackPageFactory(parent=index, slug="eur", kind="money", quantity=Decimal(50))
    yen = CreditPackPageFactory(
        parent=index,
        slug="jpy",
        kind="money",
        currency="JPY",
        quantity=Decimal(5000),
        price=Decimal(4500),
    )

    assert quantity_input(admin.get(edit_url(euros))) == "50.00"
    response = admin.get(edit_url(yen))
    assert quantity_input(response) == "5000"
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one('input[name="price"]')["value"] == "4500"


def test_k4_credit_pack_page_says_20_credits(admin, client, index):
    admin.post(
        add_url(CreditPackPage, index),
        publish(product_form_data(slug="credits-20", **CREDITS)),
    )
    page = CreditPackPage.objects.get()

    response = client.get(page.url)

    summary = BeautifulSoup(response.content, "html.parser").select_one(".wp-facts__summary")
    assert summary.get_text(strip=True).startswith("20 credits")
    assert "20.00" not in response.content.decode()


# Wording for staff: no rule IDs --------------------------------------------------------------


def staff_words_of(model):
    """Every help text, label and choice label of a model's fields, and its own names."""
    words = [str(model._meta.verbose_name), str(model._meta.verbose_name_plural)]
    for field in model._meta.get_fields():
        for attribute in ("verbose_name", "help_text"):
            value = getattr(field, attribute, "")
            if value:
                words.append(str(value))
        for _value, label in getattr(field, "flatchoices", None) or ():
            words.append(str(label))
    return words


@pytest.mark.parametrize(
    "model",
    list(apps.get_app_config("wagtail_passes").get_models()),
    ids=lambda model: model.__name__,
)
def test_no_rule_ids_in_help_texts_labels_or_choices(model):
    for words in staff_words_of(model):
        assert not RULE_ID.search(words), f"{model.__name__}: {words!r}"


def test_no_rule_ids_on_the_product_editor(admin, index):
    for model in (PassPage, CreditPackPage):
        soup = BeautifulSoup(admin.get(add_url(model, index)).content, "html.parser")
        main = soup.select_one("main") or soup
        assert not RULE_ID_IN_PARENTHESES.search(main.get_text(" ")), model
