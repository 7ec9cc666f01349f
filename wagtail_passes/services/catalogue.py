"""Which products are on sale, and which of them would pay for a session (P3's link)."""

from __future__ import annotations

from django.utils import timezone

from ..models import ProductMixin, ProductStock, Session
from ..products.registry import product_models
from ..rules.coverage import covers
from ..rules.types import PassTerms
from .facts import session_facts


def products_on_sale(now=None) -> list[ProductMixin]:
    """Live products anyone can buy now; code-only offers (U6) are private, so left out.
    A constant number of queries: per product type its pages and what they cover, then the
    stock of every product with a stock limit at once (not one query per product)."""
    now = now or timezone.now()
    candidates = []
    for model in product_models():
        candidates += list(
            model.objects.live().filter(is_archived=False).prefetch_related("programmes", "classes")
        )
    limited = [p.pk for p in candidates if p.stock_limit is not None]
    sold = (
        dict(ProductStock.objects.filter(product_id__in=limited).values_list("product_id", "sold"))
        if limited
        else {}
    )
    return [p for p in candidates if p.availability(now, sold=sold.get(p.pk, 0)).can_buy]


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
    # Cheapest first at today's price (A3's pro-rata, not the full one).
    return sorted(result, key=lambda p: (p.price_today().amount, p.title))
