"""A2 where products are listed: the product index page and the product list block show a
product only to visitors who may view its page. Editors may still choose a private product
in the block's chooser: only visitors who may view it see it."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse
from wagtail.models import PageViewRestriction

from wagtail_passes.blocks import ProductListBlock

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def titles(response):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(response.content, "html.parser")
    return [card.select_one("h2, h3").get_text(strip=True) for card in soup.select(".wp-card")]


def test_a2_the_index_lists_a_private_product_only_to_who_may_view_it(
    client, member, teacher, index, public, for_teachers, with_password
):
    assert titles(client.get(index.url)) == ["Open pass"]
    client.force_login(member)
    assert titles(client.get(index.url)) == ["Open pass"]
    client.force_login(teacher)
    assert titles(client.get(index.url)) == ["Open pass", "Teachers pass"]

    restriction = with_password.restriction
    client.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, with_password.pk]),
        {"password": PASSWORD, "return_url": with_password.url},
    )
    assert titles(client.get(index.url)) == ["Open pass", "Teachers pass", "Friends pass"]


def test_a2_the_index_offers_helper_is_for_an_anonymous_visitor_without_a_request(
    index, public, for_teachers, with_password
):
    assert [offer.page.pk for offer in index.offers()] == [public.pk]


@pytest.fixture
def block():
    return ProductListBlock()


def render(block, pages, user=None, passed=()):
    request = RequestFactory().get("/")
    if user is not None:
        request.user = user
    request.session = SessionStore()
    request.session[PageViewRestriction.passed_view_restrictions_session_key] = list(passed)
    value = block.to_python({"heading": "Passes", "products": [page.pk for page in pages]})
    return block.render(value, context={"request": request})


def test_a2_the_product_list_block_shows_a_private_product_only_to_who_may_view_it(
    block, member, teacher, public, for_teachers, with_password
):
    pages = [for_teachers, with_password, public]
    checkout = "/passes/checkout/{}/"
    # Editors may choose private products in the block's chooser...
    chosen = block.clean(block.to_python({"heading": "", "products": [p.pk for p in pages]}))
    assert [page.pk for page in chosen["products"]] == [p.pk for p in pages]
    # ... and only visitors who may view a product's page see it.

    html = render(block, pages)  # anonymous
    assert checkout.format(public.pk) in html
    assert "Teachers pass" not in html and "Friends pass" not in html
    assert "Teachers pass" not in render(block, pages, member)
    html = render(block, pages, teacher)
    assert checkout.format(for_teachers.pk) in html and "Friends pass" not in html
    html = render(block, pages, member, passed=[with_password.restriction.pk])
    assert checkout.format(with_password.pk) in html and "Teachers pass" not in html


def test_a2_a_block_of_only_private_products_renders_nothing_for_outsiders(
    block, member, for_teachers
):
    assert render(block, [for_teachers], member).strip() == ""
