"""The payment provider base class: a provider is an adapter the services call through the
gateway interface (``services.gateway``: ``can_settle``, ``refund``, ``charge_saved``), plus
what the checkout's pages need (``start``, its label, how long an unpaid order is held).

How the money then arrives (a webhook, a return page, staff marking it paid) is the
provider's business, but it always ends in the services: ``services.payment_state.
receive_payment`` for money the provider reports, ``services.orders.mark_paid`` for staff.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _

from ..conf import passes_settings
from ..presentation import provider_text
from ..services.gateway import ChargeOutcome, PaymentFact, RefundAnswer, RefundRefused


class PaymentUnavailable(Exception):
    """The provider could not start a payment now (refused, unreachable); the order stays
    pending and the member can try again."""


class PaymentProvider:
    """One way to pay. Subclasses set ``name`` (stored on the order) and override what
    differs; ``options`` are the ``OPTIONS`` of the provider's settings entry."""

    name: str = ""
    #: The member pays online, from the order page ("Pay by card"): ``start`` sends them.
    pays_online: bool = False
    #: Money it took goes back through it (``refund``); else staff give it back by hand.
    refunds_online: bool = False

    def __init__(self, **options):
        self.options = options

    @property
    def label(self) -> str:
        """What the member reads ("Card (Stripe)")."""
        return provider_text(self.name)

    def is_available(self) -> bool:
        """Whether checkout offers it now (configured, reachable)."""
        return True

    def can_settle(self, order) -> bool:
        """Whether money taken this way may pay ``order``."""
        return True

    def start(self, order, request) -> HttpResponse | None:
        """Start paying ``order`` (pending): a response sending the member to pay (a
        redirect), or None when there is nothing to do online. Raises
        ``PaymentUnavailable`` when it cannot."""
        return None

    def refund(self, payment, amount: Decimal, *, key: str, metadata: dict) -> RefundAnswer:
        raise RefundRefused(_("%(provider)s refunds are made by hand.") % {"provider": self.label})

    def charge_saved(self, order, attempt: int) -> ChargeOutcome:
        return ChargeOutcome("no_card", _("This payment method keeps no card."))

    def fetch(self, payment) -> PaymentFact | None:
        return None  # nothing to ask: staff record these payments themselves

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
