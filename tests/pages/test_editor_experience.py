"""What editors expect of the product pages: found by the site's search, the promote tab
intact, a listing image on the index, and a preview that shows the real page with the draft's
words (not a placeholder)."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils.form_data import rich_text

from tests.page_types import CUSTOM_PAGE_MODEL, BasePage, CreditPackPage, PassPage
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
)

from . import product_form_data

pytestmark = pytest.mark.django_db


def soup_of(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def test_products_are_found_by_the_sites_search():
    index = ProductIndexPageFactory()
    yoga = PassPageFactory(parent=index, title="Yoga ten", intro="<p>Ten sunrise flows.</p>")
    spin = PassPageFactory(parent=index, title="Spin ten", intro="<p>Ten rides.</p>")
    pack = CreditPackPageFactory(parent=index, title="Studio credit", intro="<p>Sunrise too.</p>")

    # Through the site's page model, as a host's search view queries it.
    found = {page.pk for page in BasePage.objects.live().search("sunrise")}
    assert found == {yoga.pk, pack.pk}
    assert {p.pk for p in PassPage.objects.live().search("rides")} == {spin.pk}
    assert {p.pk for p in CreditPackPage.objects.live().search("credit")} == {pack.pk}


@pytest.mark.skipif(CUSTOM_PAGE_MODEL, reason="Wagtail's Page has these promote fields")
def test_promote_tab_keeps_wagtails_fields(admin_client):
    page = PassPageFactory()
    form = soup_of(admin_client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))))
    for name in ("slug", "seo_title", "search_description", "show_in_menus"):
        assert form.select_one(f"[name={name}]") is not None, name


def test_index_shows_each_products_listing_image(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    index = ProductIndexPageFactory()
    photo = Image.objects.create(title="Mats", file=get_test_image_file())
    PassPageFactory(parent=index, title="With photo", image=photo)
    PassPageFactory(parent=index, title="Without")

    cards = soup_of(client.get(index.url)).select(".wp-card")

    by_title = {card.select_one(".wp-card__title").get_text(strip=True): card for card in cards}
    image = by_title["With photo"].select_one("img.wp-card__image")
    assert image is not None and image["alt"] == ""  # the title beside it says what it is
    assert by_title["Without"].select_one("img") is None


def test_preview_shows_the_real_page_with_the_drafts_words(admin_client):
    index = ProductIndexPageFactory()
    page = PassPageFactory(parent=index, title="Ten classes", price=Decimal("90.00"))
    data = product_form_data(
        title="Ten classes (draft)",
        slug=page.slug,
        price="95.00",
        intro=rich_text("<p>Draft words.</p>"),
    )
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,))

    posted = admin_client.post(preview_url, data)
    assert posted.status_code == 200 and posted.json()["is_valid"], posted.content
    shown = soup_of(admin_client.get(preview_url))

    wrapper = shown.select_one(".wp-passes")
    assert wrapper is not None  # the page's own template, inside the site's layout
    assert wrapper.select_one("h1").get_text(strip=True) == "Ten classes (draft)"
    assert "Draft words." in wrapper.get_text()
    assert wrapper.select_one(".wp-facts__price") is not None
    assert "95" in wrapper.select_one(".wp-facts__price").get_text()
    page.refresh_from_db()
    assert (page.title, page.price) == ("Ten classes", Decimal("90.00"))  # nothing saved
