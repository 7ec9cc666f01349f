"""Orders that cost nothing (a free trial, a 100 % discount code): paid when placed (C2).
It settles only an order of 0.00: whatever a host's code passes, a priced order is never
paid "for free"."""

from __future__ import annotations

from ..services.gateway import FREE
from .base import PaymentProvider


class FreeProvider(PaymentProvider):
    name = FREE

    def is_available(self) -> bool:
        return False  # never offered at checkout: a free order chooses it by itself

    def can_settle(self, order) -> bool:
        return order.total == 0
