"""The plain values refuse what would silently break a rule (typos, floats, reversed dates)."""

from datetime import date
from decimal import Decimal

import pytest

from tests.rules import make_session, make_state, make_terms
from wagtail_passes.rules.types import Hold, ValidityWindow


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "entry"},
        {"validity_basis": "purchased"},
        {"duration_days": -1},
        {"period_limit": "fortnight", "period_max_uses": 1},
        {"period_limit": "week"},
        {"validity_basis": "fixed", "fixed_start": date(2027, 3, 2), "fixed_end": date(2027, 3, 1)},
    ],
)
def test_terms_refuse_impossible_values(overrides):
    with pytest.raises(ValueError):
        make_terms(**overrides)


def test_state_refuses_unknown_status():
    with pytest.raises(ValueError):
        make_state(status="paused")


def test_v7_hold_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Hold(date(2027, 3, 2), date(2027, 3, 1))
    assert Hold(date(2027, 3, 1), date(2027, 3, 1)).days == 1


def test_k4_credit_cost_cannot_be_negative():
    with pytest.raises(ValueError):
        make_session(credit_cost=-1)


def test_values_are_keyword_only_and_frozen():
    with pytest.raises(TypeError):
        make_state().__class__("active", Decimal(1), True, date(2027, 1, 1))
    state = make_state()
    with pytest.raises(AttributeError):
        state.balance = Decimal(0)


def test_validity_window_contains():
    window = ValidityWindow(date(2027, 3, 1), date(2027, 3, 8))
    assert window.contains(date(2027, 3, 8)) and not window.contains(date(2027, 3, 9))
    assert not ValidityWindow(None, None).contains(date(2027, 3, 1))
    assert ValidityWindow(date(2027, 3, 1), None).contains(date(2099, 1, 1))
