"""What the services ask of a payment provider: the gateway interface.

Money flows one way (docs/concepts/checkout.md): the services own the order and payment
state machine; providers (``wagtail_passes.payments``: bank transfer, free, Stripe, or a
host's own) are adapters below it, found by name through the resolver the payments app
registers when Django starts (``apps.WagtailPassesConfig.ready``). Nothing in
``services`` imports ``payments``.

A provider hands the services plain facts (``PaymentFact``: "session S paid X in C") and
answers their requests (``refund``, ``charge_saved``); the services decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext as _

from ..exceptions import CheckoutError

MANUAL = "manual"
FREE = "free"

#: What a fact says of a payment.
PAID, PROCESSING, OPEN, FAILED = "paid", "processing", "open", "failed"


@dataclass(frozen=True)
class PaymentFact:
    """What a provider, asked again, says of one payment of an order.

    ``key`` is the payment's own id at the provider (a Checkout Session, a PaymentIntent):
    the same payment always has the same key, so whatever reports it twice records it once.
    ``amount`` is None when the provider's amount could not be read (an unknown currency).
    """

    provider: str
    key: str
    state: str  # PAID, PROCESSING, OPEN or FAILED
    amount: Decimal | None = None
    currency: str = ""
    intent: str = ""  # what the provider refunds (a PaymentIntent); "" when unknown yet
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundAnswer:
    """The provider's answer to a refund request: its id, state (``RefundState`` value),
    amount and currency as the provider made it."""

    provider_id: str
    state: str
    amount: Decimal | None = None
    currency: str = ""
    raw: dict = field(default_factory=dict)


class RefundRefused(Exception):
    """The provider will not make this refund, and asking again will not change that (the
    charge is refunded already, the card is closed)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ProviderUnavailable(Exception):
    """The provider could not be asked now (not configured, unreachable, rate limited):
    nothing was decided; asking again later may work."""


#: What charging a saved card can do (``ChargeOutcome.status``).
CHARGE_PAID, CHARGE_DECLINED = "paid", "declined"
CHARGE_AUTHENTICATION_REQUIRED = "authentication_required"
CHARGE_NO_CARD, CHARGE_UNAVAILABLE = "no_card", "unavailable"
#: The provider that keeps members' cards for renewals (N1).
SAVED_CARD_PROVIDER = "stripe"


@dataclass(frozen=True)
class ChargeOutcome:
    """What charging a saved card for an order did (N1); see ``charge_saved``."""

    status: str  # paid, declined, authentication_required, no_card, unavailable
    message: str = ""
    payment_intent_id: str = ""


class Gateway(Protocol):
    """A payment provider as the services see it."""

    name: str

    def can_settle(self, order) -> bool:
        """Whether money taken by this provider may pay ``order`` (the free provider: only
        an order of 0.00)."""

    def refund(self, payment, amount: Decimal, *, key: str, metadata: dict) -> RefundAnswer:
        """Give ``amount`` of ``payment`` back. ``key`` is the idempotency key: asked again
        with the same key, the provider answers with the same refund. Raises
        ``RefundRefused`` or ``ProviderUnavailable``."""

    def charge_saved(self, order, attempt: int) -> ChargeOutcome:
        """Charge the member's saved card for ``order`` (renewals, N1)."""

    def fetch(self, payment) -> PaymentFact | None:
        """What the provider says now of ``payment`` (an attempt it started), asked again:
        never what an event or a browser said. None when it keeps no state of it. Raises
        ``ProviderUnavailable`` when it cannot be asked."""


_resolver: Callable[[str], Gateway | None] | None = None


def use(resolver: Callable[[str], Gateway | None]) -> None:
    """Register how a provider's name becomes its gateway (the payments app does, at
    startup)."""
    global _resolver
    _resolver = resolver


def gateway(name: str) -> Gateway | None:
    """The provider called ``name``, or None when there is none."""
    if _resolver is None:
        from django.apps import apps

        apps.check_apps_ready()  # ready() registers the resolver
        return None
    return _resolver(str(name or ""))


def charge_saved_card(order, attempt: int) -> ChargeOutcome:
    """N1: charge ``order`` to its member's saved card (attempt ``attempt`` keys the
    provider's idempotency), through the provider that keeps cards."""
    found = gateway(SAVED_CARD_PROVIDER)
    if found is None or not getattr(found, "is_available", lambda: True)():
        return ChargeOutcome(CHARGE_UNAVAILABLE, _("Card payments are not set up."))
    return found.charge_saved(order, attempt)


def require_can_settle(name: str, order) -> Gateway:
    """The provider called ``name``, refusing one that does not exist or may not settle
    ``order`` (``provider_not_allowed``): whatever a host's code passes, a priced order is
    never paid "for free"."""
    found = gateway(name)
    if found is None or not found.can_settle(order):
        raise CheckoutError(
            _("This order cannot be paid with “%(provider)s”.") % {"provider": name},
            code="provider_not_allowed",
        )
    return found
