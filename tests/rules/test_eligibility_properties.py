"""Property tests: whatever the pass, session and history, evaluate() keeps its promises."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from wagtail_passes.rules.eligibility import evaluate
from wagtail_passes.rules.money import Money
from wagtail_passes.rules.periods import uses_in_period
from wagtail_passes.rules.types import (
    BASES,
    KINDS,
    LIMITED_KINDS,
    PERIODS,
    STATUSES,
    Hold,
    PassState,
    PassTerms,
    Redemption,
    SessionFacts,
)
from wagtail_passes.rules.validity import hold_covering, validity_window

FIRST = date(2027, 1, 1)
CODES = {
    "ok",
    "cancelled",
    "expired",
    "not_paid",
    "already_redeemed",
    "not_covered",
    "free_session",
    "wrong_currency",
    "single_attendee",
    "not_started",
    "first_use_conflict",
    "on_hold",
    "used_up",
    "insufficient_balance",
    "period_limit",
}
TEMPORARY = {"not_paid", "not_started", "on_hold", "period_limit"}

days = st.integers(0, 120).map(lambda n: FIRST + timedelta(days=n))
ids = st.frozensets(st.integers(1, 4), max_size=2)
# Weighted towards passes that could pay, so the "ok" branch is exercised often.
product_ids = st.just(frozenset()) | ids
statuses = st.sampled_from(["active"] * 6 + sorted(STATUSES))
mostly_true = st.sampled_from([True, True, True, False])
attendee_counts = st.sampled_from([1, 1, 1, 2, 3, 4])


def amounts(kind):
    if kind == "money":
        return st.decimals(min_value=0, max_value=60, places=2)
    return st.integers(0, 12).map(Decimal)


@st.composite
def scenarios(draw):
    kind = draw(st.sampled_from(sorted(KINDS)))
    fixed_start = draw(st.none() | days)
    fixed_end = draw(st.none() | days)
    if fixed_start and fixed_end and fixed_end < fixed_start:
        fixed_start, fixed_end = fixed_end, fixed_start
    period = draw(st.none() | st.sampled_from(sorted(PERIODS)))
    terms = PassTerms(
        kind=kind,
        quantity=None if kind == "unlimited" else draw(amounts(kind)),
        currency=draw(st.sampled_from(["EUR", "EUR", "GBP"])),
        validity_basis=draw(st.sampled_from(sorted(BASES))),
        duration_days=draw(st.integers(0, 40)),
        fixed_start=fixed_start,
        fixed_end=fixed_end,
        period_limit=period,
        period_max_uses=None if period is None else draw(st.integers(0, 4)),
        programme_ids=draw(product_ids),
        class_ids=draw(product_ids),
        allows_additional_attendees=draw(mostly_true),
    )
    holds = draw(
        st.lists(st.tuples(days, st.integers(0, 10)), max_size=3).map(
            lambda pairs: tuple(Hold(d, d + timedelta(days=n)) for d, n in pairs)
        )
    )
    redemptions = draw(
        st.lists(st.builds(Redemption, st.integers(1, 30), days, st.integers(1, 3)), max_size=6)
    )
    paid = draw(mostly_true)
    state = PassState(
        status=draw(statuses),
        balance=draw(amounts(kind)),
        paid=paid,
        purchased_on=draw(days),
        paid_on=draw(days) if paid else None,
        holds=holds,
        redemptions=tuple(redemptions),
    )
    class_id = draw(st.integers(1, 4))
    session = SessionFacts(
        session_id=draw(st.integers(1, 40)),
        day=draw(days),
        class_id=class_id,
        programme_id=draw(st.integers(1, 4)),
        linked_class_ids=draw(ids),
        unit_price=Money(draw(st.decimals(min_value=0, max_value=30, places=2)), "EUR"),
        credit_cost=draw(st.integers(0, 3)),
    )
    return terms, state, session, draw(attendee_counts), draw(st.booleans())


@settings(max_examples=400)
@given(scenarios())
def test_k_property_never_ok_with_cost_above_balance(scenario):
    terms, state, session, attendees, allow_unpaid = scenario
    verdict = evaluate(terms, state, session, attendees, allow_unpaid=allow_unpaid)
    assert verdict.code in CODES and verdict.message
    assert verdict.ok == (verdict.code == "ok")
    assert verdict.temporary == (verdict.code in TEMPORARY)
    if not verdict.ok:
        assert verdict.cost == 0
        return
    assert verdict.cost >= 0
    if terms.kind in LIMITED_KINDS:
        assert verdict.cost <= state.balance
    else:
        assert verdict.cost == 0


@settings(max_examples=400)
@given(scenarios())
def test_r4_property_ok_means_every_rule_holds(scenario):
    terms, state, session, attendees, allow_unpaid = scenario
    verdict = evaluate(terms, state, session, attendees, allow_unpaid=allow_unpaid)
    if not verdict.ok:
        return
    assert state.status not in {"cancelled", "expired"}
    assert state.paid or allow_unpaid
    assert not session.unit_price.is_zero  # U4
    assert attendees == 1 or terms.allows_additional_attendees  # U3
    assert session.session_id not in {r.session_id for r in state.redemptions}
    first_use = session.day if terms.validity_basis == "first_use" else None
    window = validity_window(terms, state, extra_first_use_day=first_use)
    assert window.contains(session.day)  # V1-V5
    assert hold_covering(state.holds, session.day) is None  # V7
    if terms.period_limit:  # U1
        used = uses_in_period(terms.period_limit, session.day, state.redemptions)
        assert used + attendees <= terms.period_max_uses
