"""The products index page: its live products, in the editors' order, with summary and price."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    sell,
)

pytestmark = pytest.mark.django_db


def cards(client, index):
    response = client.get(index.url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        {
            "title": card.select_one(".wp-card__title").get_text(strip=True),
            "href": card.select_one(".wp-card__title a")["href"],
            "summary": card.select_one(".wp-facts__summary").get_text(strip=True),
            "price": " ".join(card.select_one(".wp-facts__price").stripped_strings),
            "status": " ".join(s.get_text(strip=True) for s in card.select(".wp-status")),
        }
        for card in soup.select(".wp-card")
    ]


def test_index_lists_live_products_with_summary_and_price(client):
    index = ProductIndexPageFactory(title="Passes", intro="<p>Our offers.</p>")
    yoga = ProgrammeFactory(name="Yoga")
    ten = PassPageFactory(parent=index, title="10-class pass", programmes=[yoga])
    CreditPackPageFactory(
        parent=index, title="Credit pack 20", slug="credit-pack-20", price=Decimal("150.00")
    )
    PassPageFactory(parent=index, title="Trial class", price=Decimal(0), quantity=Decimal(1))
    draft = PassPageFactory(parent=index, title="Draft pass")
    draft.unpublish()

    listed = cards(client, index)

    assert [card["title"] for card in listed] == ["10-class pass", "Credit pack 20", "Trial class"]
    assert listed[0] == {
        "title": "10-class pass",
        "href": ten.url,
        "summary": "10 entries, no expiry, for Yoga",
        "price": "€50.00",
        "status": "",
    }
    assert listed[1]["summary"] == "20 credits, no expiry, for all classes"
    assert listed[1]["price"] == "€150.00"
    assert listed[2]["price"] == "Free"


def test_a1_a2_index_says_why_a_product_cannot_be_bought(client):
    index = ProductIndexPageFactory()
    sold_out = PassPageFactory(parent=index, stock_limit=1)
    sell(sold_out)
    PassPageFactory(parent=index, is_archived=True)
    PassPageFactory(parent=index, access_code="SECRET")

    assert [card["status"] for card in cards(client, index)] == [
        "Sold out.",
        "No longer available.",
        "",
    ]


def test_index_without_products_says_so(client):
    index = ProductIndexPageFactory()

    response = client.get(index.url)

    assert "Nothing is on offer at the moment." in response.content.decode()


def test_index_only_lists_its_own_children(client):
    index = ProductIndexPageFactory()
    PassPageFactory(parent=index, title="Mine")
    PassPageFactory(title="Elsewhere")

    assert [card["title"] for card in cards(client, index)] == ["Mine"]


def test_offers_helper_fetches_coverage_once_per_page_type(django_assert_num_queries):
    index = ProductIndexPageFactory()
    klass = ProgrammeClassFactory()
    for i in range(3):
        PassPageFactory(parent=index, programmes=[klass.programme], classes=[klass])
        CreditPackPageFactory(parent=index, slug=f"pack-{i}", classes=[klass], stock_limit=5)

    # children + 2 specific types + (programmes + classes + age ranges, F2) x 2 types + stock
    with django_assert_num_queries(10):
        offers = index.offers(now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert len(offers) == 6
    assert offers[0].summary.endswith(f"for {klass.programme.name} and {klass.name}")


def make_index(n):
    index = ProductIndexPageFactory()
    programme = ProgrammeFactory()
    klass = ProgrammeClassFactory(programme=programme)
    for i in range(n):
        PassPageFactory(parent=index, programmes=[programme], classes=[klass], stock_limit=9)
        CreditPackPageFactory(parent=index, slug=f"pack-{i}", kind="money", quantity=Decimal(50))
    return index


@pytest.mark.parametrize("products", [1, 5])
def test_index_page_query_count_does_not_grow_with_products(
    client, django_assert_max_num_queries, products
):
    index = make_index(products)
    client.get(index.url)  # warm Wagtail's site-root cache

    with django_assert_max_num_queries(INDEX_PAGE_QUERIES):
        response = client.get(index.url)
    assert response.status_code == 200
    assert response.content.decode().count('class="wp-card"') == 2 * products


# Measured, the same for 2 and 10 products: 5 by Wagtail's serving (site, one page per tree
# level down to the index, aliases, view restrictions) + 10 of ours (children, one query per
# specific page type, programmes, classes and age ranges (F2) per page type, stock).
INDEX_PAGE_QUERIES = 15
