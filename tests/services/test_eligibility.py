"""Eligibility services against the database: evaluate (R4) and eligible_passes (R1, P4)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from wagtail_passes import services
from wagtail_passes.models import ProductKind
from wagtail_passes.services.ledger import redeem
from wagtail_passes.test.factories import (
    LinkPoolFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def london(settings):
    settings.WAGTAIL_PASSES_TIME_ZONE = "Europe/London"


def session_at(klass, year, month, day, hour=19, minute=0):
    start = dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


def book(mp, session, attendees=1):
    verdict = services.evaluate(mp, session, attendees)
    assert verdict.ok, verdict.message
    return redeem(mp, session, cost=verdict.cost, attendees=attendees)


def test_r4_verdict_names_numbers():
    klass = ProgrammeClassFactory()
    mp = member_pass(quantity=Decimal(2))
    first, second, third = (session_at(klass, 2027, 3, d) for d in (1, 2, 3))
    book(mp, first)
    book(mp, second)
    verdict = services.evaluate(mp, third)
    assert (verdict.ok, verdict.code, verdict.temporary) == (False, "used_up", False)


def test_u2_not_covered_names_the_class():
    yoga, swim = ProgrammeFactory(), ProgrammeFactory()
    mp = member_pass(programmes=[yoga])
    session = session_at(ProgrammeClassFactory(programme=swim, name="Squad"), 2027, 3, 1)
    verdict = services.evaluate(mp, session)
    assert verdict.code == "not_covered" and "Squad" in verdict.message


def test_p5_linked_class_is_covered_through_the_pool():
    pool = LinkPoolFactory()
    flow = ProgrammeClassFactory(programme=pool.programme, link_pool=pool)
    vinyasa = ProgrammeClassFactory(programme=pool.programme, link_pool=pool)
    yin = ProgrammeClassFactory(programme=pool.programme)
    mp = member_pass(classes=[flow])
    assert services.evaluate(mp, session_at(vinyasa, 2027, 3, 1)).ok
    assert services.evaluate(mp, session_at(yin, 2027, 3, 1)).code == "not_covered"


def test_v3_first_use_includes_final_day():
    """A 7-day pass first used Monday 19:00 still books next Monday 19:00, not Tuesday."""
    klass = ProgrammeClassFactory()
    mp = member_pass(validity_basis="first_use", duration_days=7)
    book(mp, session_at(klass, 2027, 3, 1))  # Monday
    mp.refresh_from_db()
    assert (mp.valid_from, mp.valid_until) == (dt.date(2027, 3, 1), dt.date(2027, 3, 8))
    assert services.evaluate(mp, session_at(klass, 2027, 3, 8)).ok
    tuesday = services.evaluate(mp, session_at(klass, 2027, 3, 9))
    assert tuesday.code == "expired" and "8 March 2027" in tuesday.message


def test_v5_judged_on_session_date_not_booking_date(time_machine):
    """A pass expiring on the 10th cannot pay a session on the 12th, booked on the 5th."""
    time_machine.move_to(dt.datetime(2027, 3, 5, 9, 0, tzinfo=LONDON))
    mp = member_pass(
        validity_basis="fixed", fixed_start=dt.date(2027, 3, 1), fixed_end=dt.date(2027, 3, 10)
    )
    klass = ProgrammeClassFactory()
    assert services.evaluate(mp, session_at(klass, 2027, 3, 10)).ok
    assert services.evaluate(mp, session_at(klass, 2027, 3, 12)).code == "expired"


def test_u1_weekly_limit_counts_monday_to_sunday_across_dst():
    """Clocks go forward on Sunday 28 March 2027; the London week Mon 22 - Sun 28 counts
    a Sunday 23:30 session, and Monday 29 00:30 BST (Sunday in UTC) starts a new week."""
    klass = ProgrammeClassFactory()
    mp = member_pass(period_limit="week", period_max_uses=2)
    book(mp, session_at(klass, 2027, 3, 22))
    book(mp, session_at(klass, 2027, 3, 28, 23, 30))
    verdict = services.evaluate(mp, session_at(klass, 2027, 3, 27))
    assert (verdict.code, verdict.temporary) == ("period_limit", True)
    assert "2 of 2" in verdict.message
    monday_early = session_at(klass, 2027, 3, 29, 0, 30)
    assert monday_early.start.astimezone(dt.UTC).date() == dt.date(2027, 3, 28)
    assert services.evaluate(mp, monday_early).ok


def test_k3_two_sessions_on_one_day_use_one_day():
    klass = ProgrammeClassFactory()
    mp = member_pass(kind=ProductKind.DAYS, quantity=Decimal(3))
    book(mp, session_at(klass, 2027, 3, 1, 9))
    second = services.evaluate(mp, session_at(klass, 2027, 3, 1, 18))
    assert second.ok and second.cost == 0
    book(mp, session_at(klass, 2027, 3, 1, 18))
    mp.refresh_from_db()
    assert mp.balance == 2


def test_u4_never_redeemed_against_a_free_session():
    free = ProgrammeClassFactory(unit_price=Decimal("0"))
    mp = member_pass()
    assert services.evaluate(mp, session_at(free, 2027, 3, 1)).code == "free_session"
    assert services.eligible_passes(mp.member, session_at(free, 2027, 3, 2)) == []


def test_k5_money_credit_pays_the_effective_unit_price():
    klass = ProgrammeClassFactory(unit_price=Decimal("12.50"))
    mp = member_pass(kind=ProductKind.MONEY, quantity=Decimal("20.00"))
    verdict = services.evaluate(mp, session_at(klass, 2027, 3, 1))
    assert verdict.ok and verdict.cost == Decimal("12.50")
    book(mp, session_at(klass, 2027, 3, 1))
    low = services.evaluate(mp, session_at(klass, 2027, 3, 2))
    assert low.code == "insufficient_balance"


def test_p4_unpaid_passes_only_when_the_programme_allows():
    programme = ProgrammeFactory(redeem_if_unpaid=False)
    session = session_at(ProgrammeClassFactory(programme=programme), 2027, 3, 1)
    mp = member_pass(paid=False)
    assert services.evaluate(mp, session).code == "not_paid"
    assert services.eligible_passes(mp.member, session) == []
    programme.redeem_if_unpaid = True
    programme.save()
    session.refresh_from_db()
    assert services.eligible_passes(mp.member, session) == [mp]


def test_r1_order_oldest_first_money_last_ties_by_id():
    member = UserFactory()
    at = dt.datetime(2027, 1, 1, 10, tzinfo=LONDON)
    money = member_pass(
        member,
        kind=ProductKind.MONEY,
        quantity=Decimal(100),
        purchased_at=at - dt.timedelta(days=30),
    )
    newer = member_pass(member, purchased_at=at + dt.timedelta(days=1))
    tie_a = member_pass(member, purchased_at=at)
    tie_b = member_pass(member, purchased_at=at)
    session = session_at(ProgrammeClassFactory(), 2027, 3, 1)
    for _ in range(3):  # deterministic every time
        assert services.eligible_passes(member, session) == [tie_a, tie_b, newer, money]


def test_eligible_passes_excludes_refusals_and_keeps_their_verdicts():
    member = UserFactory()
    good = member_pass(member)
    expired = member_pass(
        member,
        validity_basis="fixed",
        fixed_start=dt.date(2027, 1, 1),
        fixed_end=dt.date(2027, 1, 31),
    )
    session = session_at(ProgrammeClassFactory(), 2027, 3, 1)
    evaluated = services.evaluate_member_passes(member, session)
    assert {p.pk: p.verdict.code for p in evaluated} == {good.pk: "ok", expired.pk: "expired"}
    assert services.eligible_passes(member, session) == [good]


def test_bought_pass_keeps_its_rules_when_the_page_changes():
    mp = member_pass(quantity=Decimal(10), period_limit="week", period_max_uses=2)
    product = mp.product.specific
    product.quantity = Decimal(5)
    product.period_max_uses = 1
    product.save_revision().publish()
    mp.refresh_from_db()
    assert (mp.quantity, mp.balance, mp.period_max_uses) == (Decimal(10), Decimal(10), 2)


def test_eligible_passes_constant_queries(django_assert_max_num_queries):
    """20 passes with 100 redemptions each: at most 4 queries (pool lookup included)."""
    from tests.services.history import member_with_history

    member, session = member_with_history(passes=20, redemptions_per_pass=100)
    with django_assert_max_num_queries(4):
        result = services.eligible_passes(member, session)
    assert len(result) == 20


def test_r4_judging_a_members_passes_the_lean_way_gives_evaluates_verdicts():
    """``evaluate_member_passes`` reads a pass's redemptions around the session only for a
    day pass (K3) or a period limit (U1), and the class's link pool only when a pass's
    coverage depends on it (P5); ``evaluate`` reads all of it for each pass. Same verdicts,
    on a week where every one of those rules decides something."""
    member = UserFactory()
    pool = LinkPoolFactory()
    flow = ProgrammeClassFactory(programme=pool.programme, link_pool=pool)
    vinyasa = ProgrammeClassFactory(programme=pool.programme, link_pool=pool)
    yin = ProgrammeClassFactory(programme=pool.programme)
    monday_9, monday_18, tuesday = (
        session_at(flow, 2027, 3, 1, 9),
        session_at(flow, 2027, 3, 1, 18),
        session_at(flow, 2027, 3, 2, 18),
    )
    twice_a_week = member_pass(member, quantity=Decimal(5), period_limit="week", period_max_uses=2)
    day_pass = member_pass(member, kind=ProductKind.DAYS, quantity=Decimal(3))
    through_the_pool = member_pass(member, quantity=Decimal(4), classes=[vinyasa])
    not_linked = member_pass(member, quantity=Decimal(4), classes=[yin])
    entries = member_pass(member, quantity=Decimal(4))
    book(twice_a_week, monday_9)
    book(twice_a_week, monday_18)
    book(day_pass, monday_9)
    book(entries, tuesday)

    verdicts = {}
    for session in (monday_9, monday_18, tuesday):
        for judged in services.evaluate_member_passes(member, session):
            expected = services.evaluate(judged, session)
            assert judged.verdict == expected, (judged.title, session)
            verdicts[(judged.pk, session.pk)] = expected.code if not expected.ok else "ok"
    assert verdicts[(twice_a_week.pk, tuesday.pk)] == "period_limit"
    assert verdicts[(through_the_pool.pk, tuesday.pk)] == "ok"
    assert verdicts[(not_linked.pk, tuesday.pk)] == "not_covered"
    assert verdicts[(entries.pk, tuesday.pk)] == "already_redeemed"
    assert services.evaluate(day_pass, monday_18).cost == 0  # the day is already used
