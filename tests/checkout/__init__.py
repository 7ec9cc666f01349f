"""Tests of the member-facing checkout (C1) and the member's orders. Shared helpers live here."""

from bs4 import BeautifulSoup
from django.urls import reverse


def checkout_url(product_or_pk):
    return reverse("wagtail_passes:checkout", args=(getattr(product_or_pk, "pk", product_or_pk),))


def order_url(order):
    return reverse("wagtail_passes:order", kwargs={"reference": order.reference})


def soup_of(response):
    return BeautifulSoup(response.content, "html.parser")


def words(element):
    return " ".join(element.stripped_strings) if element is not None else ""


def form_data(response, **changes):
    """What the browser would send from the checkout page in ``response`` (the hidden
    fields as served), with ``changes`` on top; a value of None drops the field."""
    form = soup_of(response).select_one("form.wp-checkout")
    assert form is not None, "no checkout form on the page"
    data = {
        field["name"]: field.get("value", "")
        for field in form.select("input[name]")
        if field.get("type") != "checkbox"
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}
