"""One registry answers "which page types are products?" for the catalogue, the editor's
choosers, the admin and the demo — the ready-made pages, or a host's own built on its custom
base page model (the second case runs with tests.settings_custom_page_model)."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import get_page_models

from tests.page_types import CUSTOM_PAGE_MODEL, BasePage, CreditPackPage, PassPage
from wagtail_passes.models import ProductMixin
from wagtail_passes.products import registry
from wagtail_passes.services.catalogue import products_on_sale
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
)

from . import add_url

EXPECTED = (
    {"hostsite.ClassPassPage", "hostsite.CreditsPage", "hostsite.PassesIndexPage"}
    if CUSTOM_PAGE_MODEL
    else {
        "wagtail_passes_pages.PassPage",
        "wagtail_passes_pages.CreditPackPage",
        "wagtail_passes_pages.ProductIndexPage",
    }
)


def labels(models):
    return {model._meta.label for model in models}


def test_registry_lists_every_concrete_product_page_type_and_nothing_else():
    found = labels(registry.product_models()) | labels(registry.index_models())
    assert found == EXPECTED
    # Independently: every registered page model that is a product, by inheritance.
    assert labels(registry.product_models()) == {
        m._meta.label for m in get_page_models() if issubclass(m, ProductMixin)
    }
    assert labels(registry.pass_models()) | labels(registry.credit_pack_models()) == labels(
        registry.product_models()
    )


@pytest.mark.django_db
def test_product_pages_and_is_product_agree_with_the_page_types():
    index = ProductIndexPageFactory()
    a_pass = PassPageFactory(parent=index)
    a_pack = CreditPackPageFactory(parent=index)
    assert set(registry.product_pages().values_list("pk", flat=True)) == {a_pass.pk, a_pack.pk}
    assert registry.is_product(BasePage.objects.get(pk=a_pass.pk))
    assert not registry.is_product(index)
    assert {product.pk for product in products_on_sale()} == {a_pass.pk, a_pack.pk}


@pytest.mark.django_db
def test_editor_offers_the_sites_own_product_page_types(admin_client):
    index = ProductIndexPageFactory()
    response = admin_client.get(reverse("wagtailadmin_pages:add_subpage", args=(index.pk,)))
    assert response.status_code == 200
    links = {a["href"] for a in BeautifulSoup(response.content, "html.parser").select("a[href]")}
    assert add_url(PassPage, index) in links
    assert add_url(CreditPackPage, index) in links


@pytest.mark.skipif(not CUSTOM_PAGE_MODEL, reason="runs with tests.settings_custom_page_model")
@pytest.mark.django_db
def test_host_fields_sit_beside_the_product_fields_in_the_editor(admin_client):
    index = ProductIndexPageFactory()
    response = admin_client.get(add_url(PassPage, index))
    assert response.status_code == 200
    form = BeautifulSoup(response.content, "html.parser")
    # the host's own field on its pass page, its base page's field on the promote tab
    # (a custom base page has no seo_title unless it adds one),
    # and the mixin's fields on their tabs
    for name in ("strapline", "accent_colour", "kind", "price", "slug"):
        assert form.select_one(f"[name={name}]") is not None, name
