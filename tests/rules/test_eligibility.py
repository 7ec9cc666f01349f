"""evaluate(): every rule composed, first failing reason first (R4); R1 order."""

import inspect
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from tests.rules import MONDAY, PILATES, YOGA, eur, make_session, make_state, make_terms
from wagtail_passes.rules.eligibility import day_already_used, evaluate, redemption_sort_key
from wagtail_passes.rules.money import Money
from wagtail_passes.rules.types import Hold, Redemption


def verdict(terms=None, state=None, session=None, attendees=1, *, allow_unpaid=False, **kw):
    return evaluate(
        terms or make_terms(),
        state or make_state(),
        session or make_session(),
        attendees,
        allow_unpaid=allow_unpaid,
        **kw,
    )


def test_r4_ok_verdict_says_what_is_used():
    result = verdict(state=make_state(balance=Decimal(5)))
    assert (result.ok, result.code, result.cost, result.temporary) == (True, "ok", 1, False)
    assert result.message == "Uses 1 entry; 4 left afterwards"


# K1-K5 ----------------------------------------------------------------------------------


def test_k1_each_attendee_uses_an_entry():
    terms = make_terms(allows_additional_attendees=True)
    result = verdict(terms, make_state(balance=Decimal(5)), attendees=3)
    assert (result.ok, result.cost) == (True, 3)
    assert result.message == "Uses 3 entries; 2 left afterwards"


def test_k1_not_enough_entries_for_all_attendees():
    terms = make_terms(allows_additional_attendees=True)
    result = verdict(terms, make_state(balance=Decimal(2)), attendees=3)
    assert (result.ok, result.code, result.temporary, result.cost) == (
        False,
        "insufficient_balance",
        False,
        0,
    )
    assert result.message == "2 entries left, 3 needed"


def test_k2_unlimited_costs_nothing_and_ignores_balance():
    terms = make_terms(kind="unlimited", quantity=None, duration_days=30)
    state = make_state(balance=Decimal(0), purchased_on=date(2027, 2, 20))
    result = verdict(terms, state)
    assert (result.ok, result.cost, result.message) == (True, 0, "Unlimited pass: nothing is used")
    assert verdict(terms, state, make_session(day=date(2027, 3, 23))).code == "expired"


def test_k3_two_sessions_one_day_use_one_day():
    terms = make_terms(kind="days", quantity=Decimal(3))
    first = verdict(terms, make_state(balance=Decimal(3)), make_session(session_id=1))
    assert (first.ok, first.cost) == (True, 1)
    after = make_state(balance=Decimal(2), redemptions=(Redemption(1, MONDAY, 1),))
    second = verdict(terms, after, make_session(session_id=2))
    assert (second.ok, second.cost) == (True, 0)
    assert second.message == "This day is already in use: no extra day is used"
    next_day = verdict(terms, after, make_session(session_id=3, day=MONDAY + timedelta(days=1)))
    assert (next_day.ok, next_day.cost) == (True, 1)


def test_k3_last_day_still_books_more_sessions_that_day():
    terms = make_terms(kind="days", quantity=Decimal(1))
    spent = make_state(balance=Decimal(0), redemptions=(Redemption(1, MONDAY, 1),))
    assert verdict(terms, spent, make_session(session_id=2)).ok
    other_day = verdict(terms, spent, make_session(session_id=3, day=date(2027, 3, 2)))
    assert (other_day.code, other_day.message) == ("used_up", "Used up: no days left")


def test_k3_day_used_only_by_redemptions_on_that_day():
    state = make_state(redemptions=(Redemption(1, MONDAY, 1),))
    assert day_already_used(state, MONDAY)
    assert not day_already_used(state, MONDAY + timedelta(days=1))


def test_k4_credits_per_attendee():
    terms = make_terms(kind="credits", allows_additional_attendees=True)
    result = verdict(terms, make_state(balance=Decimal(10)), make_session(credit_cost=2), 2)
    assert (result.ok, result.cost, result.message) == (
        True,
        4,
        "Uses 4 credits; 6 left afterwards",
    )
    short = verdict(terms, make_state(balance=Decimal(3)), make_session(credit_cost=2), 2)
    assert short.message == "3 credits left, 4 needed"


def test_k5_balance_lower_than_price_does_not_pay():
    terms = make_terms(kind="money", quantity=Decimal("50.00"))
    short = verdict(terms, make_state(balance=Decimal("10.00")), make_session(unit_price=eur("12")))
    assert (short.ok, short.code) == (False, "insufficient_balance")
    assert short.message == "€10.00 left, €12.00 needed"
    exact = verdict(terms, make_state(balance=Decimal("12.00")), make_session(unit_price=eur("12")))
    assert (exact.ok, exact.cost) == (True, Decimal("12.00"))
    assert exact.message == "Uses €12.00; €0.00 left afterwards"
    empty = verdict(terms, make_state(balance=Decimal(0)))
    assert (empty.code, empty.message) == ("used_up", "Used up: no money left")


def test_k5_money_in_another_currency_does_not_pay():
    terms = make_terms(kind="money", quantity=Decimal(50), currency="GBP")
    result = verdict(terms, make_state(balance=Decimal(50)))
    assert (result.code, result.message) == (
        "wrong_currency",
        "Holds GBP; this session is priced in EUR",
    )


# V5, V6 ---------------------------------------------------------------------------------


def test_v5_judged_on_session_date():
    """A pass expiring on the 10th cannot pay a session on the 12th.

    evaluate() takes no booking date at all: there is no "today", "now" or booking time
    among its inputs, so the date a booking is made cannot change the answer. Moving the
    clock proves nothing leaks in through the system time either.
    """
    names = set(inspect.signature(evaluate).parameters)
    assert not names & {"today", "now", "booked_on", "booking_date", "when"}
    terms = make_terms(duration_days=9)
    state = make_state(purchased_on=date(2027, 3, 1))
    for now in (datetime(2027, 3, 2, tzinfo=UTC), datetime(2027, 3, 20, tzinfo=UTC)):
        with time_machine.travel(now, tick=False):
            late = verdict(terms, state, make_session(day=date(2027, 3, 12)))
            in_time = verdict(terms, state, make_session(day=date(2027, 3, 10)))
        assert (late.ok, late.code, late.temporary) == (False, "expired", False)
        assert "10 March 2027" in late.message
        assert in_time.ok


def test_v6_used_up_is_red():
    result = verdict(state=make_state(balance=Decimal(0)))
    assert (result.code, result.temporary, result.message) == (
        "used_up",
        False,
        "Used up: no entries left",
    )


def test_v6_stored_expiry_is_final_and_dated():
    terms = make_terms(duration_days=9)
    state = make_state(status="expired", purchased_on=date(2027, 2, 20))
    result = verdict(terms, state, make_session(day=date(2027, 2, 25)))
    assert (result.code, result.message) == ("expired", "Expired on 1 March 2027")
    undated = verdict(make_terms(), make_state(status="expired"))
    assert undated.message == "Expired"


def test_v6_cancelled_pass_never_pays():
    result = verdict(state=make_state(status="cancelled"))
    assert (result.ok, result.code, result.message) == (False, "cancelled", "Cancelled")


def test_v6_stored_used_up_and_on_hold_are_informational():
    """A return can refill a pass the status still calls used up; balance and holds decide."""
    assert verdict(state=make_state(status="used_up", balance=Decimal(1))).ok
    assert verdict(state=make_state(status="on_hold")).ok


# V7 -------------------------------------------------------------------------------------


def test_v7_hold_moves_expiry_and_blocks_days_inside():
    terms = make_terms(duration_days=30)
    state = make_state(
        purchased_on=date(2027, 3, 1), holds=(Hold(date(2027, 3, 10), date(2027, 3, 16)),)
    )
    held = verdict(terms, state, make_session(day=date(2027, 3, 12)))
    assert (held.code, held.temporary, held.message) == (
        "on_hold",
        True,
        "On hold until 16 March 2027",
    )
    assert verdict(terms, state, make_session(day=date(2027, 4, 7))).ok
    assert verdict(terms, state, make_session(day=date(2027, 4, 8))).code == "expired"


def test_v3_first_use_window_through_evaluate():
    terms = make_terms(validity_basis="first_use", duration_days=7)
    state = make_state(redemptions=(Redemption(1, MONDAY, 1),))
    assert verdict(terms, state, make_session(session_id=2, day=date(2027, 3, 8))).ok
    tuesday = verdict(terms, state, make_session(session_id=2, day=date(2027, 3, 9)))
    assert tuesday.code == "expired"


# P4 -------------------------------------------------------------------------------------


def test_p4_unpaid_only_when_allowed():
    unpaid = make_state(paid=False, paid_on=None)
    refused = verdict(state=unpaid, allow_unpaid=False)
    assert (refused.ok, refused.code, refused.temporary) == (False, "not_paid", True)
    assert refused.message == "Not paid yet: usable once payment is confirmed"
    assert verdict(state=unpaid, allow_unpaid=True).ok
    assert verdict(state=make_state(paid=True), allow_unpaid=False).ok


def test_p4_unpaid_pass_valid_from_payment_has_not_started():
    """V2 + P4: the window opens on payment (or staff activation), so there is none yet."""
    terms = make_terms(validity_basis="payment", duration_days=30)
    result = verdict(terms, make_state(paid=False, paid_on=None), allow_unpaid=True)
    assert (result.code, result.temporary) == ("not_started", True)


# P2 / U2 / U3 / U4 ----------------------------------------------------------------------


def test_p2_pass_already_redeemed_for_this_session():
    state = make_state(redemptions=(Redemption(1, MONDAY, 1),))
    result = verdict(state=state, session=make_session(session_id=1))
    assert (result.code, result.message) == ("already_redeemed", "Already used for this session")


def test_u2_outside_the_product_list_names_the_class():
    terms = make_terms(class_ids=frozenset({YOGA}))
    result = verdict(terms, class_names={PILATES: "Pilates", YOGA: "Yoga"})
    assert (result.code, result.message) == ("not_covered", "Not valid for Pilates")


def test_p5_linked_class_pays_through_evaluate():
    terms = make_terms(class_ids=frozenset({YOGA}))
    session = make_session(class_id=PILATES, linked_class_ids=frozenset({PILATES, YOGA}))
    assert verdict(terms, session=session).ok


def test_u3_single_place_pass_refuses_several_attendees():
    result = verdict(make_terms(allows_additional_attendees=False), attendees=2)
    assert (result.code, result.message) == (
        "single_attendee",
        "Valid for one place per session; 2 requested",
    )
    assert verdict(make_terms(allows_additional_attendees=True), attendees=2).ok


@pytest.mark.parametrize("kind", ["entries", "unlimited", "days", "credits", "money"])
def test_u4_never_redeemed_for_free_session(kind):
    terms = make_terms(kind=kind, allows_additional_attendees=True)
    result = verdict(terms, session=make_session(unit_price=eur("0")), attendees=2)
    assert (result.ok, result.code, result.cost) == (False, "free_session", 0)
    assert result.message == "Free session: no pass is needed"


def test_evaluate_needs_an_attendee():
    with pytest.raises(ValueError):
        verdict(attendees=0)


# U1 -------------------------------------------------------------------------------------


def test_u1_weekly_limit_is_temporary():
    terms = make_terms(period_limit="week", period_max_uses=2)
    booked = (Redemption(1, date(2027, 3, 1)), Redemption(2, date(2027, 3, 3)))
    state = make_state(redemptions=booked)
    result = verdict(terms, state, make_session(session_id=3, day=date(2027, 3, 7)))
    assert (result.code, result.temporary) == ("period_limit", True)
    assert result.message == (
        "Weekly limit reached: 2 of 2 in the week of 1 March 2027; "
        "free again on Monday, 8 March 2027"
    )
    next_week = verdict(terms, state, make_session(session_id=3, day=date(2027, 3, 8)))
    assert next_week.ok


def test_u1_unlimited_pass_still_has_period_limits():
    terms = make_terms(kind="unlimited", quantity=None, period_limit="day", period_max_uses=1)
    state = make_state(redemptions=(Redemption(1, MONDAY, 1),))
    assert verdict(terms, state, make_session(session_id=2)).code == "period_limit"


# R4: order of reasons -------------------------------------------------------------------


def test_r4_first_failing_reason_in_documented_order():
    """Fix one problem at a time; the verdict always names the next one in the order."""
    booked = (Redemption(1, MONDAY, 1), Redemption(2, MONDAY + timedelta(days=1), 1))
    holds = (Hold(date(2027, 3, 5), date(2027, 3, 6)),)
    terms = {
        "duration_days": 3,
        "class_ids": frozenset({YOGA}),
        "period_limit": "week",
        "period_max_uses": 2,
        "currency": "GBP",
    }
    state = {
        "status": "cancelled",
        "paid": False,
        "paid_on": None,
        "purchased_on": MONDAY,
        "balance": Decimal(0),
        "redemptions": booked,
        "holds": holds,
    }
    session = {"session_id": 1, "day": date(2027, 3, 6), "unit_price": eur("0")}
    fixes = [
        ("cancelled", lambda: state.update(status="active")),
        ("not_paid", lambda: state.update(paid=True)),
        ("already_redeemed", lambda: session.update(session_id=9)),
        ("not_covered", lambda: terms.update(class_ids=frozenset())),
        ("free_session", lambda: session.update(unit_price=eur("12"))),
        ("single_attendee", lambda: terms.update(allows_additional_attendees=True)),
        ("expired", lambda: terms.update(duration_days=30)),
        ("on_hold", lambda: state.update(holds=())),
        ("used_up", lambda: state.update(balance=Decimal(1))),
        ("insufficient_balance", lambda: state.update(balance=Decimal(5))),
        ("period_limit", lambda: session.update(day=date(2027, 3, 8))),
        ("ok", None),
    ]
    seen = []
    for expected, fix in fixes:
        result = evaluate(
            make_terms(**terms),
            make_state(**state),
            make_session(**session),
            2,
            allow_unpaid=False,
        )
        seen.append(result.code)
        assert result.code == expected, seen
        if fix:
            fix()


def test_r4_expired_status_comes_before_not_paid():
    state = make_state(status="expired", paid=False)
    assert verdict(state=state).code == "expired"


def test_r4_messages_follow_the_active_language():
    terms = make_terms(duration_days=9)
    state = make_state(purchased_on=date(2027, 3, 1))
    with translation.override("de"):
        result = verdict(terms, state, make_session(day=date(2027, 3, 12)))
    assert "10. März 2027" in result.message or "10 März 2027" in result.message


# R1 -------------------------------------------------------------------------------------


def test_r1_order_oldest_first_money_last_ties_by_id():
    t0 = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    passes = [
        ("money", t0 - timedelta(days=300), 1),  # oldest of all, but money comes last
        ("entries", t0 + timedelta(days=2), 2),
        ("credits", t0, 7),  # same instant as pass 3: the lower id wins
        ("days", t0, 3),
        ("unlimited", t0 + timedelta(days=1), 4),
        ("money", t0, 5),
    ]
    ordered = sorted(passes, key=lambda p: redemption_sort_key(*p))
    assert [p[2] for p in ordered] == [3, 7, 4, 2, 1, 5]
    assert sorted(reversed(passes), key=lambda p: redemption_sort_key(*p)) == ordered


def test_k5_money_is_money_not_a_count():
    money = Money(Decimal("7.5"), "EUR")
    terms = make_terms(kind="money", quantity=Decimal(50))
    result = verdict(terms, make_state(balance=Decimal("50")), make_session(unit_price=money))
    assert result.cost == Decimal("7.50")
    assert result.message == "Uses €7.50; €42.50 left afterwards"
