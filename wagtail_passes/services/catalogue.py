"""Which products are on sale, and which of them would pay for a session (P3's link)."""

from __future__ import annotations

from django.utils import timezone

from ..models import ProductMixin, Session
from ..products.registry import product_models
from ..rules.coverage import covers
from ..rules.types import PassTerms
from .facts import session_facts


def products_on_sale(now=None) -> list[ProductMixin]:
    """Live products anyone can buy now; code-only offers (U6) are private, so left out."""
    now = now or timezone.now()
    products = []
    for model in product_models():
        products += [
            p
            for p in model.objects.live()
            .filter(is_archived=False)
            .prefetch_related("programmes", "classes")
            if p.on_sale(now)
        ]
    return products


def products_covering(session: Session, now=None) -> list[ProductMixin]:
    """Live products on sale that would cover ``session`` (U2 with P5), cheapest first."""
    facts = session_facts(session)
    result = []
    for product in products_on_sale(now):
        terms = PassTerms(
            kind=product.kind,
            quantity=product.quantity,
            currency=product.currency,
            validity_basis=product.validity_basis,
            programme_ids=frozenset(p.pk for p in product.programmes.all()),
            class_ids=frozenset(c.pk for c in product.classes.all()),
        )
        if covers(terms, facts):
            result.append(product)
    return sorted(result, key=lambda p: (p.price, p.title))
