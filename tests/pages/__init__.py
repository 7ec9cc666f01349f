"""Tests of the product pages: the page editor, the public pages
and the programme's products inline. Shared helpers live here."""

from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield


def add_url(model, parent):
    """The page editor's "add" URL for a ``model`` page under ``parent``."""
    return reverse(
        "wagtailadmin_pages:add", args=(model._meta.app_label, model._meta.model_name, parent.pk)
    )


def product_form_data(**overrides):
    """POST data of the product page editor, every tab filled in, for a 10-entry pass.

    Checkboxes are left out when off (as a browser does); pass ``True`` to tick one.
    ``programmes`` and ``classes`` take lists of ids.
    """
    choices = {name: overrides.pop(name) for name in ("programmes", "classes") if name in overrides}
    fields = {
        "title": "10-class pass",
        "slug": "10-class-pass",
        "intro": rich_text("<p>Ten classes at a better price.</p>"),
        "image": "",
        "body": streamfield([]),  # the ready-made pages' body (ignored by a page without one)
        "kind": "entries",
        "quantity": "10",
        "validity_basis": "first_use",
        "duration_days": "90",
        "fixed_start": "",
        "fixed_end": "",
        "period_limit": "",
        "period_max_uses": "",
        "price": "90.00",
        "currency": "EUR",
        "pro_rata_from": "",
        "pro_rata_minimum_price": "",
        "stock_limit": "",
        "sale_starts_at": "",
        "sale_ends_at": "",
        "buyer_restriction": "anyone",
        "required_product": "",
        "access_code": "",
        "terms": rich_text(""),
        "renew_when": "expired",
        "commitment_payments": "0",
        "passes_age_limits": inline_formset([]),  # F2: anyone may hold it
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
    }
    for name, value in overrides.items():
        if value is True:
            value = "on"
        if value is False:
            fields.pop(name, None)
            continue
        fields[name] = value
    return {**nested_form_data(fields), **choices}


def publish(data):
    data["action-publish"] = "action-publish"
    return data


def form_errors(response):
    """The editor form's errors as ``{field: [messages]}``; fails if the page was saved."""
    assert response.status_code == 200, response.status_code
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}
