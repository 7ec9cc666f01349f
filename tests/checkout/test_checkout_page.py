"""The checkout page (GET): who may see it, what it shows, and why a product cannot be bought."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from wagtail.models import Site

from tests.host_layout import host_layout
from wagtail_passes.models import Order
from wagtail_passes.test.factories import PassPageFactory, ProductIndexPageFactory, sell

from . import checkout_url, soup_of, words

pytestmark = pytest.mark.django_db


def test_c1_anonymous_visitor_is_sent_to_log_in_and_back(client, member, product):
    response = client.get(checkout_url(product))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/passes/checkout/{product.pk}/"

    client.force_login(member)  # what the host's login view does, then it follows ?next=
    assert client.get(checkout_url(product)).status_code == 200


@override_settings(LOGIN_URL="/members/sign-in/")
def test_c1_login_url_is_the_hosts_own(client, product):
    response = client.get(checkout_url(product))

    assert response["Location"].startswith("/members/sign-in/?next=/passes/checkout/")


def test_c1_anonymous_post_is_sent_to_log_in_and_writes_nothing(client, product):
    response = client.post(checkout_url(product), {"quantity": 1})

    assert response.status_code == 302
    assert not Order.objects.exists()


def test_c1_page_shows_the_server_price_quantity_one_and_the_payment_method(member_client, product):
    response = member_client.get(checkout_url(product))

    assert response.status_code == 200
    soup = soup_of(response)
    assert words(soup.h1) == "Buy 10-class pass"
    row = soup.select_one(".wp-lines tbody tr")
    assert [words(td) for td in row.select("td")] == ["10-class pass", "1", "€90.00", "€90.00"]
    assert words(soup.select_one(".wp-checkout__total")) == "€90.00"
    assert soup.select_one("input[name=seen_total]")["value"] == "90.00"
    assert soup.select_one("input[name=quantity]")["value"] == "1"
    assert soup.select_one("input[name=token]")["value"]
    assert "Bank transfer or pay at the venue" in words(
        soup.select_one(".wp-checkout__payment")
    )
    assert words(soup.select_one("button[type=submit]")) == "Place order"
    # no terms, no access code: no such fields
    assert soup.select_one("input[name=accept_terms]") is None
    assert soup.select_one("input[name=access_code]") is None


def test_a3_page_shows_todays_pro_rata_price_not_the_full_price(client, member, time_machine):
    time_machine.move_to(dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC), tick=False)
    client.force_login(member)  # after the clock moved: the session is fresh
    product = PassPageFactory(
        validity_basis="fixed",
        fixed_start=dt.date(2027, 4, 1),
        fixed_end=dt.date(2027, 9, 30),
        pro_rata=True,
        pro_rata_from=dt.date(2027, 5, 1),
        pro_rata_minimum_price=Decimal("60.00"),
        price=Decimal("183.00"),
        currency="GBP",
    )

    soup = soup_of(client.get(checkout_url(product)))

    expected = product.price_today(dt.date(2027, 6, 1))
    assert expected.amount < Decimal("183.00")
    assert soup.select_one("input[name=seen_total]")["value"] == str(expected.amount)


def test_a5_terms_are_shown_with_a_required_checkbox(member_client):
    product = PassPageFactory(terms="<p>No refunds after <b>first use</b>.</p>")

    soup = soup_of(member_client.get(checkout_url(product)))

    assert words(soup.select_one(".wp-terms")) == "No refunds after first use."
    box = soup.select_one("input[type=checkbox][name=accept_terms]")
    assert box.has_attr("required")
    assert words(soup.select_one(f"label[for={box['id']}]")) == "I accept the terms above."


def test_u6_access_code_field_only_when_the_product_needs_one(member_client):
    product = PassPageFactory(access_code="SPRING26")

    soup = soup_of(member_client.get(checkout_url(product)))

    field = soup.select_one("input[name=access_code]")
    assert field is not None and field.get("value", "") == ""
    assert "SPRING26" not in str(soup)
    assert soup.select_one(".wp-alert") is None  # asking is not an error yet


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_archived": True}, "No longer available"),
        ({"stock_limit": 1}, "Sold out"),
    ],
    ids=["A2-archived", "A1-sold-out"],
)
def test_a1_a2_product_that_cannot_be_bought_shows_why_and_no_form(member_client, fields, message):
    product = PassPageFactory(**fields)
    if "stock_limit" in fields:
        sell(product)

    response = member_client.get(checkout_url(product))

    assert response.status_code == 200
    soup = soup_of(response)
    assert message.lower() in words(soup.select_one("[data-refusal]")).lower()
    assert soup.select_one("form") is None
    assert soup.select_one(f"a[href='{product.url}']") is not None


def test_c1_unknown_product_id_is_a_404_with_a_message(member_client):
    response = member_client.get(checkout_url(999_999))

    assert response.status_code == 404
    assert "does not exist" in words(soup_of(response).select_one("[data-refusal]"))


def test_c1_page_that_is_not_a_product_is_refused(member_client):
    home = Site.objects.get(is_default_site=True).root_page
    index = ProductIndexPageFactory()

    for page in (home, index):
        response = member_client.get(checkout_url(page))
        assert response.status_code == 404
        assert soup_of(response).select_one("form") is None


def test_a2_unpublished_product_is_refused(member_client, product):
    product.unpublish()

    response = member_client.get(checkout_url(product))

    assert response.status_code == 404
    assert "no longer published" in words(soup_of(response).select_one("[data-refusal]"))


def test_u5_buyer_restriction_is_explained(member_client):
    product = PassPageFactory(buyer_restriction="active_members")

    response = member_client.get(checkout_url(product))

    assert response.status_code == 200
    assert "booked before" in words(soup_of(response).select_one("[data-refusal]"))


def test_c1_checkout_refuses_other_methods(member_client, product):
    assert member_client.put(checkout_url(product)).status_code == 405


def test_c1_checkout_page_query_count_is_pinned(member_client, django_assert_max_num_queries):
    product = PassPageFactory(terms="<p>Be kind.</p>", stock_limit=10, access_code="X")
    member_client.get(checkout_url(product))  # warm caches (site, content types)

    with django_assert_max_num_queries(11):
        assert member_client.get(checkout_url(product)).status_code == 200


def test_c1_checkout_renders_inside_the_host_layout(member_client, product):
    with host_layout():
        soup = soup_of(member_client.get(checkout_url(product)))

    assert soup.select_one("body > header.site-header") is not None
    wrappers = soup.select(".wp-passes")
    assert len(wrappers) == 1
    assert wrappers[0].parent is soup.select_one("body > main#main-content")
    assert wrappers[0].select_one("form.wp-checkout") is not None
    links = soup.select("link[rel=stylesheet]")
    assert [link["href"] for link in links] == ["/static/wagtail_passes/css/passes.css"]
    assert soup.title.get_text(strip=True).startswith("Buy 10-class pass")
