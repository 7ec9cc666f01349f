"""Tests for the pure rules. Builders with sensible defaults, so each test names only what
it is about."""

from datetime import date
from decimal import Decimal

from wagtail_passes.rules.money import Money
from wagtail_passes.rules.types import PassState, PassTerms, SessionFacts

MONDAY = date(2027, 3, 1)  # a Monday; March 2027 starts on one
PILATES = 10
YOGA = 11
PROGRAMME = 100


def make_terms(**overrides) -> PassTerms:
    values = {
        "kind": "entries",
        "quantity": Decimal(10),
        "currency": "EUR",
        "validity_basis": "purchase",
        "duration_days": 0,
    }
    values.update(overrides)
    return PassTerms(**values)


def make_state(**overrides) -> PassState:
    values = {
        "status": "active",
        "balance": Decimal(10),
        "paid": True,
        "purchased_on": date(2027, 1, 1),
        "paid_on": date(2027, 1, 1),
    }
    values.update(overrides)
    return PassState(**values)


def make_session(**overrides) -> SessionFacts:
    values = {
        "session_id": 1,
        "day": MONDAY,
        "class_id": PILATES,
        "programme_id": PROGRAMME,
        "unit_price": Money(Decimal("12.00"), "EUR"),
        "credit_cost": 1,
    }
    values.update(overrides)
    return SessionFacts(**values)


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")
