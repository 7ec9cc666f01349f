"""What a visitor is offered: a product page's words, today's price and whether it can be bought.

Built by ``ProductMixin.offer()`` for the product page and, for each product, by
``ProductIndexPage.offers()``; templates read it as ``offer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..rules.money import Money
from ..rules.selling import SaleState


@dataclass(frozen=True)
class ProductOffer:
    page: Any
    phrases: tuple[str, ...]
    summary: str
    price: Money
    full_price: Money
    availability: SaleState

    @property
    def is_free(self) -> bool:
        return self.price.is_zero

    @property
    def is_reduced(self) -> bool:
        """True when pro-rata (A3) made today's price lower than the full price."""
        return self.price != self.full_price

    @property
    def can_buy(self) -> bool:
        return self.availability.can_buy

    @cached_property
    def buyer_notes(self) -> tuple[str, ...]:
        # Read only where a template shows them: naming a required product costs a query.
        return self.page.buyer_notes()
