"""Placing an order from the checkout (POST): what is written, and every bad input refused with
a clear message, nothing written and never a 500."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from wagtail_passes.models import Order, OrderLine, OrderState, TermsAcceptance
from wagtail_passes.test.factories import PassPageFactory, sell

from . import checkout_url, form_data, soup_of, words

pytestmark = pytest.mark.django_db


def open_checkout(client, product):
    response = client.get(checkout_url(product))
    assert response.status_code == 200
    return response


def post(client, product, data):
    return client.post(checkout_url(product), data)


def alert(response):
    return words(soup_of(response).select_one(".wp-alert"))


def assert_refused(response, message, *, orders=0):
    assert response.status_code == 200
    assert message in alert(response)
    assert Order.objects.count() == orders
    assert OrderLine.objects.count() == orders
    # the page offers the form again with today's total, ready to confirm
    assert soup_of(response).select_one("form.wp-checkout") is not None


def test_c1_place_order_writes_one_pending_order_and_redirects_to_it(
    member_client, member, product, django_capture_on_commit_callbacks
):
    page = open_checkout(member_client, product)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(member_client, product, form_data(page))

    order = Order.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("wagtail_passes:order", args=(order.reference,))
    assert (order.member, order.state, order.provider) == (member, OrderState.PENDING, "manual")
    assert order.total_money.amount == Decimal("90.00") and order.currency == "EUR"
    line = order.lines.get()
    assert (line.product_id, line.quantity, line.unit_price, line.total) == (
        product.pk,
        1,
        Decimal("90.00"),
        Decimal("90.00"),
    )
    assert order.expires_at is not None
    # C1: the confirmation email, with the reference and a link to the order page
    (email,) = mail.outbox
    assert order.reference in email.subject
    # at the address the member placed it from, not the default Site's "localhost"
    assert f"http://testserver/passes/orders/{order.reference}/" in email.body


def test_c1_following_the_redirect_shows_the_order(member_client, product):
    page = open_checkout(member_client, product)

    response = post(member_client, product, form_data(page))
    followed = member_client.get(response["Location"])

    assert followed.status_code == 200
    assert Order.objects.get().reference in words(soup_of(followed).h1)


def test_c2_free_product_is_paid_at_once(member_client, member):
    product = PassPageFactory(price=Decimal("0.00"))
    page = open_checkout(member_client, product)

    post(member_client, product, form_data(page))

    order = Order.objects.get()
    assert order.state == OrderState.PAID and order.provider == "free"
    assert order.lines.get().member_passes.count() == 1


@pytest.mark.parametrize("quantity", ["0", "-1", "21", "x", str(10**30), "1.5", ""])
def test_c1_tampered_quantity_is_refused(member_client, product, quantity):
    page = open_checkout(member_client, product)

    response = post(member_client, product, form_data(page, quantity=quantity))

    message = "The quantity" if quantity in ("x", "1.5", "") else "Buy between 1 and 20"
    assert_refused(response, message)
    assert soup_of(response).select_one("input[name=quantity]")["value"] == "1"


@pytest.mark.parametrize("seen_total", ["abc", "NaN", "1e999", "Infinity", "", "-90.00"])
def test_a6_tampered_total_is_refused(member_client, product, seen_total):
    page = open_checkout(member_client, product)

    response = post(member_client, product, form_data(page, seen_total=seen_total))

    assert response.status_code == 200
    assert Order.objects.count() == 0
    soup = soup_of(response)
    assert soup.select_one(".wp-alert") is not None
    assert soup.select_one("input[name=seen_total]")["value"] == "90.00"


def test_a6_quantity_changed_by_hand_asks_to_confirm_the_new_total(member_client, product):
    page = open_checkout(member_client, product)

    response = post(member_client, product, form_data(page, quantity="2"))

    assert response.status_code == 200
    assert Order.objects.count() == 0
    soup = soup_of(response)
    assert "€180.00" in words(soup.select_one("#wp-checkout-price-note"))
    assert soup.select_one("input[name=seen_total]")["value"] == "180.00"


def test_a6_price_changed_between_page_and_post_shows_the_new_total_and_places_nothing(
    member_client, product
):
    page = open_checkout(member_client, product)
    product.price = Decimal("95.00")
    product.save_revision().publish()

    response = post(member_client, product, form_data(page))

    assert response.status_code == 200
    assert Order.objects.count() == 0
    soup = soup_of(response)
    note = words(soup.select_one("#wp-checkout-price-note"))
    assert "now €95.00" in note and "confirm again" in note
    assert words(soup.select_one(".wp-checkout__total")) == "€95.00"
    assert soup.select_one("input[name=seen_total]")["value"] == "95.00"

    # confirming the new total places the order at it
    confirmed = post(member_client, product, form_data(response))
    assert confirmed.status_code == 303
    assert Order.objects.get().total == Decimal("95.00")


def test_a1_product_sold_out_between_page_and_post_is_refused(member_client, product):
    product.stock_limit = 1
    product.save_revision().publish()
    page = open_checkout(member_client, product)
    other = sell(product)  # someone else bought it

    response = post(member_client, product, form_data(page))

    assert response.status_code == 200
    assert "Sold out" in words(soup_of(response).select_one("[data-refusal]"))
    assert list(Order.objects.all()) == [other]


def test_a1_last_item_held_by_the_order(member_client, product):
    product.stock_limit = 1
    product.save_revision().publish()
    page = open_checkout(member_client, product)

    post(member_client, product, form_data(page))

    assert product.sold_count() == 1
    again = member_client.get(checkout_url(product))
    assert "Sold out" in words(soup_of(again).select_one("[data-refusal]"))


def test_a5_terms_unticked_is_refused_and_ticked_is_recorded(member_client):
    product = PassPageFactory(terms="<p>No refunds after first use.</p>")
    page = open_checkout(member_client, product)

    refused = post(member_client, product, form_data(page))
    assert_refused(refused, "Accept the terms")
    assert TermsAcceptance.objects.count() == 0

    placed = post(member_client, product, form_data(refused, accept_terms="on"))
    assert placed.status_code == 303
    assert TermsAcceptance.objects.get().terms == "No refunds after first use."


@pytest.mark.parametrize(
    ("code", "message"),
    [("", "Enter the access code"), ("SPRING25", "not valid"), (None, "Enter the access code")],
    ids=["empty", "wrong", "missing"],
)
def test_u6_missing_or_wrong_access_code_is_refused(member_client, code, message):
    product = PassPageFactory(access_code="SPRING26")
    page = open_checkout(member_client, product)

    response = post(member_client, product, form_data(page, access_code=code))

    assert_refused(response, message)
    assert "SPRING26" not in response.content.decode()


def test_u6_right_access_code_places_the_order(member_client):
    product = PassPageFactory(access_code="SPRING26")
    page = open_checkout(member_client, product)

    response = post(member_client, product, form_data(page, access_code=" spring26 "))

    assert response.status_code == 303
    assert Order.objects.count() == 1


def test_u5_buyer_restriction_refuses_the_post(member_client):
    product = PassPageFactory(buyer_restriction="active_members")

    response = post(member_client, product, {"quantity": "1", "seen_total": "50.00", "token": "x"})

    assert response.status_code == 200
    assert "booked before" in words(soup_of(response).select_one("[data-refusal]"))
    assert Order.objects.count() == 0


@pytest.mark.parametrize("pk", [999_999, "home", "index", "draft"])
def test_c1_post_for_a_product_that_is_not_one_writes_nothing(member_client, product, pk):
    from wagtail.models import Site

    from wagtail_passes.test.factories import ProductIndexPageFactory

    page = open_checkout(member_client, product)
    data = form_data(page)
    target = {
        999_999: 999_999,
        "home": Site.objects.get(is_default_site=True).root_page.pk,
        "index": ProductIndexPageFactory().pk,
        "draft": PassPageFactory().pk,
    }[pk]
    if pk == "draft":
        from wagtail.models import Page

        Page.objects.get(pk=target).unpublish()

    response = member_client.post(checkout_url(target), data)

    assert response.status_code == 404
    assert soup_of(response).select_one("[data-refusal]") is not None
    assert Order.objects.count() == 0


def test_c1_same_form_posted_twice_makes_one_order(member_client, product):
    page = open_checkout(member_client, product)
    data = form_data(page)

    first = post(member_client, product, data)
    second = post(member_client, product, data)

    assert Order.objects.count() == 1
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]


def test_c1_form_with_an_unknown_token_places_nothing(member_client, product):
    page = open_checkout(member_client, product)

    response = post(member_client, product, form_data(page, token="forged"))

    assert_refused(response, "This checkout page has expired")


def test_c1_the_same_form_placed_by_another_request_meanwhile_leads_to_that_order(
    member_client, product, member
):
    # Another request (another process: the session does not know yet) placed an order
    # with this very form's token an instant earlier; the database's unique token decides.
    from wagtail_passes.services import place_order

    page = open_checkout(member_client, product)
    data = form_data(page)
    # The form's signed token carries the nonce the order keeps (checkout/once.py).
    nonce = data["token"].split(":", 1)[0].rsplit(".", 1)[1]
    first = place_order(member, product, token=nonce)

    response = post(member_client, product, data)

    assert response.status_code == 303
    assert response["Location"].endswith(f"/{first.reference}/")
    assert Order.objects.count() == 1


def test_c1_two_checkout_tabs_make_two_orders(member_client, product):
    first_tab = open_checkout(member_client, product)
    second_tab = open_checkout(member_client, product)

    post(member_client, product, form_data(first_tab))
    post(member_client, product, form_data(second_tab))

    assert Order.objects.count() == 2  # two forms, two deliberate orders
