"""Bank transfer or pay at the venue (C2): the order stays pending with its reference until
staff mark it paid (``services.orders.mark_paid``). Always available; staff give its money
back by hand and record it (``services.refunds``)."""

from __future__ import annotations

import datetime as dt

from ..conf import passes_settings
from ..services.gateway import MANUAL
from .base import PaymentProvider


class ManualProvider(PaymentProvider):
    name = MANUAL

    @property
    def hold(self) -> dt.timedelta:
        return dt.timedelta(days=passes_settings.BANK_TRANSFER_HOLD_DAYS)
