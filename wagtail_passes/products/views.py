"""The checkout placeholder: the product page's Buy button leads here until the real
checkout (C1) replaces it. It names the product and says to contact the studio."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from .registry import product_pages


@require_safe
def checkout_not_available(request, product_id: int):
    # A live page of a product page type (products.registry); any other page is a 404.
    page = get_object_or_404(product_pages().live(), pk=product_id).specific
    return TemplateResponse(
        request,
        "wagtail_passes/checkout/not_available.html",
        {"product": page, "product_url": page.get_url(request)},
    )
