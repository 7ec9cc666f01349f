"""The member's own orders: "My orders", one order with its receipt, and cancelling (C5)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.host_layout import host_layout
from wagtail_passes.models import Order, OrderState
from wagtail_passes.services.orders import mark_paid, place_order
from wagtail_passes.test.factories import PassPageFactory, StaffFactory, UserFactory

from . import order_url, soup_of, words

pytestmark = pytest.mark.django_db

ORDERS = "/passes/orders/"
INSTRUCTIONS = "Studio Ltd\nIBAN GB00 TEST 0000 0000 0000 00"


def cancel_url(order):
    return reverse("wagtail_passes:order_cancel", kwargs={"reference": order.reference})


@pytest.fixture
def order(member, product):
    return place_order(member, product)


def test_c1_orders_need_a_login(client, order):
    for url in (ORDERS, order_url(order), cancel_url(order)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_c1_my_orders_lists_the_members_own_newest_first(member_client, member, time_machine):
    time_machine.move_to(dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC), tick=False)
    member_client.force_login(member)
    older = place_order(member, PassPageFactory(title="5-class pass", price=Decimal("50.00")))
    time_machine.move_to(dt.datetime(2027, 3, 2, 10, tzinfo=dt.UTC), tick=False)
    newer = place_order(member, PassPageFactory(title="10-class pass", price=Decimal("90.00")))
    mark_paid(newer, StaffFactory(permissions=["change_order", "view_order"]))
    place_order(UserFactory(), PassPageFactory(title="Someone else's"))

    soup = soup_of(member_client.get(ORDERS))

    rows = soup.select(".wp-orders tbody tr")
    assert [[words(td) for td in row.select("td")] for row in rows] == [
        [newer.reference, "2 Mar, 10:00", "1 × 10-class pass", "€90.00", "Paid"],
        [older.reference, "1 Mar, 10:00", "1 × 5-class pass", "€50.00", "Awaiting payment"],
    ]
    assert rows[0].select_one("a")["href"] == order_url(newer)


def test_c1_my_orders_when_there_are_none(member_client):
    assert "no orders yet" in words(soup_of(member_client.get(ORDERS)).select_one(".wp-passes"))


@override_settings(WAGTAIL_PASSES_BANK_TRANSFER_INSTRUCTIONS=INSTRUCTIONS)
def test_c2_pending_order_shows_how_to_pay_with_the_reference_and_the_hold(member_client, order):
    soup = soup_of(member_client.get(order_url(order)))

    assert words(soup.h1) == f"Order {order.reference}"
    assert words(soup.select_one(".wp-order__state")) == "Awaiting payment"
    row = soup.select_one(".wp-lines tbody tr")
    assert [words(td) for td in row.select("td")] == ["10-class pass", "1", "€90.00", "€90.00"]
    pay = words(soup.select_one(".wp-order__pay"))
    assert f"quoting the reference {order.reference}" in pay
    assert "IBAN GB00 TEST 0000 0000 0000 00" in pay
    assert "Held until" in pay
    assert soup.select_one(f".wp-order__pay a[href='{cancel_url(order)}']") is not None
    assert soup.select_one(".wp-order__passes") is None


def test_c2_without_instructions_the_member_pays_at_the_venue(member_client, order):
    pay = words(soup_of(member_client.get(order_url(order))).select_one(".wp-order__pay"))

    assert f"pay at the venue, quoting the reference {order.reference}" in pay


def test_c3_paid_order_lists_its_passes_and_a_receipt(member_client, member):
    product = PassPageFactory(title="10-class pass")
    order = place_order(member, product, quantity=2)
    mark_paid(order, StaffFactory(permissions=["change_order", "view_order"]))

    soup = soup_of(member_client.get(order_url(order)))

    assert words(soup.select_one(".wp-receipt h1")) == f"Receipt for order {order.reference}"
    assert words(soup.select_one(".wp-order__state")) == "Paid"
    assert [words(li) for li in soup.select(".wp-order__passes li")] == ["10-class pass"] * 2
    assert soup.select_one(".wp-order__pay") is None
    assert words(soup.select_one(".wp-order__total")) == "€100.00"


def test_c1_another_members_order_is_a_404_for_everyone_but_them(client, order):
    other = UserFactory()
    client.force_login(other)
    assert client.get(order_url(order)).status_code == 404
    assert client.get(cancel_url(order)).status_code == 404
    assert client.post(cancel_url(order)).status_code == 404
    assert Order.objects.get().state == OrderState.PENDING

    client.force_login(UserFactory(is_staff=True, is_superuser=True))  # staff use the admin
    assert client.get(order_url(order)).status_code == 404
    assert client.post(cancel_url(order)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/passes/orders/ABC/",
        "/passes/orders/abcdefgh/",
        "/passes/orders/ABCDEFG0/",  # 0 is not in the alphabet
        "/passes/orders/ABCDEFGHJ/",
        "/passes/orders/..%2F..%2F/",
        "/passes/orders/ABCDEFGH/",  # the right shape, no such order
    ],
)
def test_c1_wrong_or_unknown_reference_is_a_404(member_client, path):
    assert member_client.get(path).status_code == 404


def test_c5_cancel_asks_first_then_cancels_and_releases_stock(member_client, member):
    product = PassPageFactory(stock_limit=1)
    order = place_order(member, product)
    assert product.sold_count() == 1

    confirm = member_client.get(cancel_url(order))
    assert confirm.status_code == 200
    assert Order.objects.get().state == OrderState.PENDING  # a GET changes nothing
    assert soup_of(confirm).select_one("form[method=post] button[type=submit]") is not None

    response = member_client.post(cancel_url(order))

    assert response.status_code == 303
    assert response["Location"] == order_url(order)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert product.sold_count() == 0
    shown = soup_of(member_client.get(order_url(order)))
    assert words(shown.select_one(".wp-order__state")) == "Cancelled"
    assert shown.select_one(".wp-order__pay") is None


def test_c5_a_paid_order_cannot_be_cancelled_by_the_member(member_client, order):
    mark_paid(order, StaffFactory(permissions=["change_order", "view_order"]))

    response = member_client.post(cancel_url(order))

    assert response.status_code == 200
    assert "Only an order awaiting payment can be cancelled" in words(soup_of(response))
    assert Order.objects.get().state == OrderState.PAID


def test_c1_order_page_query_count_is_pinned(member_client, member, django_assert_max_num_queries):
    order = place_order(member, PassPageFactory(), quantity=3)
    mark_paid(order, StaffFactory(permissions=["change_order", "view_order"]))
    for _ in range(3):  # more orders, the same number of queries for the list
        place_order(member, PassPageFactory())
    member_client.get(order_url(order))

    with django_assert_max_num_queries(6):  # + the order's payments (what the page says of them)
        assert member_client.get(order_url(order)).status_code == 200
    with django_assert_max_num_queries(5):
        assert member_client.get(ORDERS).status_code == 200


def test_c1_order_page_renders_inside_the_host_layout(member_client, order):
    with host_layout():
        soup = soup_of(member_client.get(order_url(order)))

    wrappers = soup.select(".wp-passes")
    assert len(wrappers) == 1
    assert wrappers[0].parent is soup.select_one("body > main#main-content")
    assert wrappers[0].select_one(".wp-receipt") is not None
