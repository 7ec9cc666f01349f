"""The payment provider interface (DESIGN "Payments", C2).

A provider starts paying an order that ``services.orders.place_order`` placed for it; how
the money then arrives (a webhook, a return page, staff marking it paid) is the provider's
business, but it always ends in ``services.orders.fulfil_order``, which pays the order once.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse

from ..conf import passes_settings
from ..presentation import provider_text


class PaymentUnavailable(Exception):
    """The provider could not start a payment now (refused, unreachable); the order stays
    pending and the member can try again."""


class PaymentProvider:
    """One way to pay. Subclasses set ``name`` (stored on the order) and override what
    differs; ``options`` are the ``OPTIONS`` of the provider's settings entry."""

    name: str = ""

    def __init__(self, **options):
        self.options = options

    @property
    def label(self) -> str:
        """What the member reads ("Card (Stripe)")."""
        return provider_text(self.name)

    def is_available(self) -> bool:
        """Whether checkout offers it now (configured, reachable)."""
        return True

    def start(self, order, request) -> HttpResponse | None:
        """Start paying ``order`` (pending, placed for this provider): a response sending
        the member to pay (a redirect), or None when there is nothing to do online.
        Raises ``PaymentUnavailable`` when it cannot."""
        return None

    @property
    def hold(self) -> dt.timedelta:
        """How long an unpaid order holds its stock (C5)."""
        return dt.timedelta(minutes=passes_settings.CARD_HOLD_MINUTES)

    @property
    def hold_minutes(self) -> int:
        return int(self.hold.total_seconds() // 60)

    @property
    def hold_days(self) -> int:
        return self.hold.days
