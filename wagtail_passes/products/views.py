"""The checkout placeholder: the product page's Buy button leads here until the real
checkout (C1) replaces it. It names the product and says to contact the studio."""

from __future__ import annotations

from django.apps import apps
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from ..compat import PAGE_MODEL
from ..models import ProductMixin


@require_safe
def checkout_not_available(request, product_id: int):
    page = get_object_or_404(apps.get_model(PAGE_MODEL).objects.live(), pk=product_id).specific
    if not isinstance(page, ProductMixin):
        raise Http404("Not a product")
    return TemplateResponse(
        request,
        "wagtail_passes/checkout/not_available.html",
        {"product": page, "product_url": page.get_url(request)},
    )
