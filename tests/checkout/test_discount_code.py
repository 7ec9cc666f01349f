"""A discount code typed on the checkout page (A4, C1): the member sees the total with it
before the order is placed; a code that does not apply is said and nothing is written."""

from decimal import Decimal

import pytest

from wagtail_passes.models import DiscountRedemption, Order
from wagtail_passes.test.factories import DiscountCodeFactory

from . import checkout_url, form_data, soup_of, words

pytestmark = pytest.mark.django_db


def alert(response):
    return words(soup_of(response).select_one(".wp-alert"))


def total_shown(response):
    return words(soup_of(response).select_one(".wp-checkout__total"))


def test_a4_c1_a_code_shows_the_discounted_total_then_places_the_order(member_client, product):
    DiscountCodeFactory(code="SPRING", value=Decimal(10))
    page = member_client.get(checkout_url(product))
    assert soup_of(page).select_one("input[name=discount_code]") is not None

    # Typed with the first confirmation: the total seen was before the code, so the page
    # shows the total with it and asks again. Nothing is written yet.
    shown = member_client.post(checkout_url(product), form_data(page, discount_code=" spring "))
    assert shown.status_code == 200
    assert "With the discount code SPRING the total is €81.00." in alert(shown)
    assert total_shown(shown) == "€81.00"
    assert "Discount code SPRING" in words(soup_of(shown).select_one("tfoot"))
    assert Order.objects.count() == 0

    placed = member_client.post(checkout_url(product), form_data(shown))
    assert placed.status_code == 303
    order = Order.objects.get()
    assert order.total == Decimal("81.00")
    assert DiscountRedemption.objects.get(order=order).amount == Decimal("9.00")


@pytest.mark.parametrize("typed", ["WINTER", "x" * 100, "<b>SPRING</b>"])
def test_a4_a_code_that_does_not_apply_is_said_and_nothing_is_written(
    member_client, product, typed
):
    DiscountCodeFactory(code="SPRING", value=Decimal(10))
    page = member_client.get(checkout_url(product))

    response = member_client.post(checkout_url(product), form_data(page, discount_code=typed))

    assert response.status_code == 200
    assert "discount code" in alert(response).lower()
    assert total_shown(response) == "€90.00"
    assert Order.objects.count() == 0 and DiscountRedemption.objects.count() == 0


def test_a4_an_inactive_code_is_said(member_client, product):
    DiscountCodeFactory(code="ONCE", is_active=False)
    page = member_client.get(checkout_url(product))

    response = member_client.post(checkout_url(product), form_data(page, discount_code="once"))

    assert "The discount code “ONCE” is no longer valid." in alert(response)
    assert Order.objects.count() == 0
