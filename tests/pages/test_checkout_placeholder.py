"""The checkout placeholder behind the Buy button, until the real checkout (C1) replaces it."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import Site

from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
)

pytestmark = pytest.mark.django_db


def checkout_url(pk):
    return reverse("wagtail_passes:checkout", args=(pk,))


@pytest.mark.parametrize("factory", [PassPageFactory, CreditPackPageFactory])
def test_c1_checkout_says_buying_online_is_not_available_yet(client, factory):
    product = factory(title="10-class pass")

    response = client.get(checkout_url(product.pk))

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text(strip=True) == "10-class pass"
    assert "Buying online is not available yet — contact the studio" in soup.get_text()
    back = soup.select_one("main a")
    assert back["href"] == product.url
    assert back.get_text(strip=True) == "Back to 10-class pass"


def test_c1_checkout_works_for_a_product_that_cannot_be_bought_now(client):
    product = PassPageFactory(is_archived=True)

    assert client.get(checkout_url(product.pk)).status_code == 200


def test_c1_checkout_404_for_an_unknown_id(client):
    assert client.get(checkout_url(999_999)).status_code == 404


def test_c1_checkout_404_for_a_page_that_is_not_a_product(client):
    home = Site.objects.get(is_default_site=True).root_page
    index = ProductIndexPageFactory()

    assert client.get(checkout_url(home.pk)).status_code == 404
    assert client.get(checkout_url(index.pk)).status_code == 404


def test_a2_checkout_404_for_a_draft_product(client):
    product = PassPageFactory()
    product.unpublish()

    assert client.get(checkout_url(product.pk)).status_code == 404


def test_c1_checkout_placeholder_refuses_posts(client):
    product = PassPageFactory()

    assert client.post(checkout_url(product.pk)).status_code == 405
