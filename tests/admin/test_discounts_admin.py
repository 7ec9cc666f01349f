"""Discount codes in the admin (A4): list, create, edit, delete; bounds and validation next to
each field with nothing saved; the model's own permissions."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from wagtail_passes import services
from wagtail_passes.models import DiscountCode, DiscountCodeProduct, DiscountRedemption
from wagtail_passes.test.factories import (
    DiscountCodeFactory,
    PassPageFactory,
    UserFactory,
)

from . import admin_url, error_shown_next_to, row_cells, staff_client

pytestmark = pytest.mark.django_db

INDEX_URL = admin_url("discountcode", "index")
CREATE_URL = admin_url("discountcode", "create")
HUGE = "99999999999999999999999"


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def code_data(*products, **overrides):
    data = {
        "code": "spring-26",
        "kind": "percentage",
        "value": "15",
        "currency": "",
        "max_uses": "",
        "valid_from": "",
        "valid_until": "",
        "is_active": "on",
        "product_links-TOTAL_FORMS": str(len(products)),
        "product_links-INITIAL_FORMS": "0",
        "product_links-MIN_NUM_FORMS": "0",
        "product_links-MAX_NUM_FORMS": "1000",
    }
    for index, product in enumerate(products):
        data[f"product_links-{index}-product"] = str(getattr(product, "pk", product))
        data[f"product_links-{index}-id"] = ""
        data[f"product_links-{index}-ORDER"] = str(index + 1)
        data[f"product_links-{index}-DELETE"] = ""
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def snapshot():
    return (
        list(DiscountCode.objects.order_by("pk").values()),
        list(DiscountCodeProduct.objects.order_by("pk").values()),
    )


def test_a4_superuser_creates_a_code_for_chosen_products(admin):
    ten, workshop = PassPageFactory(title="Ten classes"), PassPageFactory(title="Workshop")

    response = admin.post(
        CREATE_URL,
        code_data(
            ten,
            workshop,
            max_uses="50",
            valid_from="2031-03-01 00:00",
            valid_until="2031-04-01 00:00",
        ),
    )

    assert response.status_code == 302, response.context["form"].errors
    code = DiscountCode.objects.get()
    assert (code.code, code.kind, code.value, code.max_uses, code.is_active) == (
        "SPRING-26",  # stored upper case
        "percentage",
        Decimal("15.00"),
        50,
        True,
    )
    assert set(code.products.values_list("pk", flat=True)) == {ten.pk, workshop.pk}
    assert timezone.is_aware(code.valid_from)


def test_a4_a_fixed_amount_code_needs_its_currency(admin):
    response = admin.post(CREATE_URL, code_data(kind="fixed", value="10.00", currency=""))
    assert "currency" in response.context["form"].errors

    response = admin.post(CREATE_URL, code_data(kind="fixed", value="10.00", currency="EUR"))
    assert response.status_code == 302
    assert DiscountCode.objects.get().describe_value == "€10.00"


def test_a4_the_list_shows_kind_value_products_uses_and_dates(admin):
    product = PassPageFactory(title="Ten classes")
    code = DiscountCodeFactory(code="SPRING", value=Decimal(15), max_uses=5, products=[product])
    everywhere = DiscountCodeFactory(code="ALL", kind="fixed", value=Decimal(5), currency="GBP")
    order = services.place_order(UserFactory(), product, discount_code="SPRING")
    services.place_order(UserFactory(), product, discount_code="SPRING")
    services.cancel_order(order, by=order.member)  # no longer counts

    response = admin.get(INDEX_URL)

    assert response.status_code == 200
    cells = row_cells(response, code)
    assert cells[:4] == ["SPRING", "15 %", "Ten classes", "1 / 5"]
    assert cells[-1] == "Yes"
    assert row_cells(response, everywhere)[:4] == ["ALL", "£5.00", "All products", "0 / ∞"]


# ---- bounds and validation: a message next to the field, nothing saved ----------------------

BAD_VALUES = {
    "percentage_zero": ({"value": "0"}, "value"),
    "percentage_over_100": ({"value": "100.01"}, "value"),
    "percentage_negative": ({"value": "-5"}, "value"),
    "amount_zero": ({"kind": "fixed", "currency": "EUR", "value": "0"}, "value"),
    "amount_beyond_max_price": ({"kind": "fixed", "currency": "EUR", "value": "1000001"}, "value"),
    "amount_huge": ({"kind": "fixed", "currency": "EUR", "value": HUGE}, "value"),
    "amount_nan": ({"kind": "fixed", "currency": "EUR", "value": "NaN"}, "value"),
    "yen_with_cents": ({"kind": "fixed", "currency": "JPY", "value": "10.50"}, "value"),
    "unknown_kind": ({"kind": "free-beer"}, "kind"),
    "unknown_currency": ({"kind": "fixed", "currency": "XXX", "value": "5"}, "currency"),
    "code_too_short": ({"code": "ab"}, "code"),
    "code_too_long": ({"code": "A" * 33}, "code"),
    "code_odd_characters": ({"code": "SPRING 26!"}, "code"),
    "code_accented": ({"code": "ÉTÉ-26"}, "code"),
    "code_empty": ({"code": "   "}, "code"),
    "uses_zero": ({"max_uses": "0"}, "max_uses"),
    "uses_negative": ({"max_uses": "-1"}, "max_uses"),
    "uses_huge": ({"max_uses": HUGE}, "max_uses"),
    "until_before_from": (
        {"valid_from": "2031-03-01 00:00", "valid_until": "2031-02-01 00:00"},
        "valid_until",
    ),
    "until_equals_from": (
        {"valid_from": "2031-03-01 00:00", "valid_until": "2031-03-01 00:00"},
        "valid_until",
    ),
    "year_9999": ({"valid_until": "9999-12-31 23:00"}, "valid_until"),
    "year_1": ({"valid_from": "0001-01-01 00:00"}, "valid_from"),
    "not_a_date": ({"valid_from": "2031-02-30 10:00"}, "valid_from"),
}


@pytest.mark.parametrize("case", BAD_VALUES, ids=list(BAD_VALUES))
def test_a4_out_of_range_values_get_a_field_error_and_change_nothing(admin, case):
    overrides, field = BAD_VALUES[case]
    DiscountCodeFactory(code="EXISTING")
    before = snapshot()

    response = admin.post(CREATE_URL, code_data(**overrides))

    assert response.status_code == 200, response.status_code
    errors = response.context["form"].errors
    assert field in errors, errors
    assert error_shown_next_to(response, f"id_{field}")
    assert snapshot() == before


def test_a4_a_code_that_exists_in_any_case_is_refused(admin):
    DiscountCodeFactory(code="SPRING")
    before = snapshot()

    response = admin.post(CREATE_URL, code_data(code=" spring "))

    assert "code" in response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize("product", ["not-a-product", HUGE, "-1"])
def test_a4_a_product_that_is_not_one_is_refused(admin, product):
    if product == "not-a-product":
        product = Page.objects.get(depth=1).pk  # the root page: a page, not a product
    before = snapshot()

    response = admin.post(CREATE_URL, code_data(product))

    assert response.status_code == 200
    assert snapshot() == before


def test_a4_the_same_product_twice_is_refused(admin):
    product = PassPageFactory()
    before = snapshot()
    response = admin.post(CREATE_URL, code_data(product, product))
    assert response.status_code == 200
    assert "Each product can be chosen once." in response.content.decode()
    assert snapshot() == before


def test_a4_edit_a_code_and_its_products(admin):
    old, new = PassPageFactory(), PassPageFactory()
    code = DiscountCodeFactory(code="SPRING", products=[old])
    link = code.product_links.get()
    # The saved row comes first (removed), then the new one.
    data = code_data(old, new, code="SPRING", value="20", max_uses="3")
    data.update(
        {
            "product_links-INITIAL_FORMS": "1",
            "product_links-0-id": str(link.pk),
            "product_links-0-DELETE": "1",
        }
    )

    response = admin.post(admin_url("discountcode", "edit", code.pk), data)

    assert response.status_code == 302, response.context["form"].errors
    code.refresh_from_db()
    assert (code.value, code.max_uses) == (Decimal("20.00"), 3)
    assert list(code.product_links.values_list("product_id", flat=True)) == [new.pk]


def test_a4_an_unused_code_is_deleted_a_used_one_is_kept(admin):
    unused = DiscountCodeFactory()
    used = DiscountCodeFactory()
    services.place_order(UserFactory(), PassPageFactory(), discount_code=used.code)

    response = admin.post(admin_url("discountcode", "delete", unused.pk))
    assert response.status_code == 302
    assert not DiscountCode.objects.filter(pk=unused.pk).exists()

    response = admin.post(admin_url("discountcode", "delete", used.pk))
    assert response.status_code == 200  # the page says what blocks it
    assert DiscountCode.objects.filter(pk=used.pk).exists()
    assert DiscountRedemption.objects.count() == 1


# ---- permissions ---------------------------------------------------------------------------


def test_a4_an_editor_without_the_permissions_is_turned_away():
    code = DiscountCodeFactory()
    client = staff_client("view_order")
    for url in (
        INDEX_URL,
        CREATE_URL,
        admin_url("discountcode", "edit", code.pk),
        admin_url("discountcode", "delete", code.pk),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("wagtailadmin_home")
    response = client.post(CREATE_URL, code_data())
    assert response.status_code == 302
    assert DiscountCode.objects.count() == 1


def test_a4_view_permission_lists_change_permission_edits():
    code = DiscountCodeFactory()
    viewer = staff_client("view_discountcode", group_name="Code viewers")
    assert viewer.get(INDEX_URL).status_code == 200
    assert viewer.get(admin_url("discountcode", "edit", code.pk)).status_code == 302
    assert viewer.get(CREATE_URL).status_code == 302

    editor = staff_client("change_discountcode", group_name="Code editors")
    assert editor.get(admin_url("discountcode", "edit", code.pk)).status_code == 200
    assert editor.get(CREATE_URL).status_code == 302  # adding needs add_discountcode

    adder = staff_client("add_discountcode", group_name="Code adders")
    assert adder.post(CREATE_URL, code_data()).status_code == 302
    assert DiscountCode.objects.filter(code="SPRING-26").exists()


def test_a4_help_texts_and_labels_name_no_rule_ids(admin):
    html = admin.get(CREATE_URL).content.decode()
    texts = " ".join(re.findall(r">([^<]+)<", html))
    assert not re.search(r"\((?:[^)]*\b)?[A-Z]{1,3}\d{1,2}\b[^)]*\)", texts)
    assert "A percentage from 1 to 100" in texts
