"""The one answer to "which page types are products?".

A product page type is any concrete page model built on ``ProductMixin`` — the
ready-made ``PassPage`` and ``CreditPackPage`` of ``wagtail_passes.pages``, or a host
site's own, built on its custom base page model. Index page types are those built on
``ProductIndexMixin``. The catalogue, the editor's choosers, the admin's forms, the demo
and the test factories all ask here, so a host's own product pages work everywhere ours do.

Only page types Wagtail registered count (``wagtail.models.get_page_models``): on a site
with a custom base page model, the page types built on it.
"""

from __future__ import annotations

from django.apps import apps
from wagtail.models import get_page_models

from ..compat import PAGE_MODEL


def _concrete(mixin) -> list[type]:
    return [
        model
        for model in get_page_models()
        if issubclass(model, mixin) and not model._meta.abstract
    ]


def product_models() -> list[type]:
    """Every page type that sells a pass or a credit pack."""
    from ..models.products import ProductMixin

    return _concrete(ProductMixin)


def pass_models() -> list[type]:
    """Page types that sell entry, unlimited or day passes."""
    from ..models.products import PassProductMixin

    return _concrete(PassProductMixin)


def credit_pack_models() -> list[type]:
    """Page types that sell credits or prepaid money."""
    from ..models.products import CreditPackProductMixin

    return _concrete(CreditPackProductMixin)


def index_models() -> list[type]:
    """Page types that list products placed under them."""
    from ..models.products import ProductIndexMixin

    return _concrete(ProductIndexMixin)


def first_model(models: list[type]) -> type | None:
    """The registered model to use by default (the demo, the test factories): the ready-made
    page when it is installed, else the first in app order."""
    ordered = sorted(
        models, key=lambda m: (m._meta.app_label != "wagtail_passes_pages", m._meta.label)
    )
    return ordered[0] if ordered else None


def product_pages():
    """A queryset of every product page, in the site's page model (not yet ``specific``)."""
    pages = apps.get_model(PAGE_MODEL).objects
    models = product_models()
    return pages.type(*models) if models else pages.none()


def is_product(page) -> bool:
    from ..models.products import ProductMixin

    return isinstance(getattr(page, "specific", page), ProductMixin)
