"""The ledger (R3): append-only movements; balance = sum, never negative."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from wagtail_passes import services
from wagtail_passes.exceptions import PassError
from wagtail_passes.models import LedgerKind, MemberPass, PassStatus, ProductKind
from wagtail_passes.services.ledger import redeem, return_redemption
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)
from wagtail_passes.test.factories import member_pass as make_pass

pytestmark = pytest.mark.django_db


def ledger_sum(mp):
    return mp.ledger.aggregate(total=Sum("amount"))["total"]


def sessions(n):
    klass = ProgrammeClassFactory()
    base = dt.datetime(2027, 3, 1, 18, tzinfo=dt.UTC)
    return [
        SessionFactory(
            programme_class=klass,
            start=base + dt.timedelta(days=i),
            end=base + dt.timedelta(days=i, hours=1),
        )
        for i in range(n)
    ]


def test_r3_issue_is_the_first_movement_with_who_and_why():
    staff = StaffFactory()
    mp = services.assign_pass(UserFactory(), make_pass().product, by=staff, reason="Trial week")
    (issue,) = mp.ledger.all()
    assert issue.kind == LedgerKind.ISSUE and issue.amount == Decimal(10)
    assert issue.created_by == staff and "Trial week" in issue.reason
    assert mp.assigned_by == staff and mp.price == 0 and mp.is_paid


def test_r3_redeem_records_session_and_return_gives_it_back():
    mp = make_pass(quantity=Decimal(2))
    (session,) = sessions(1)
    entry = redeem(mp, session, cost=Decimal(1), attendees=1)
    assert (entry.session, entry.session_day, entry.balance_after) == (
        session,
        session.local_date,
        Decimal(1),
    )
    back = return_redemption(entry, reason="cancelled")
    assert back.reverses == entry and back.amount == Decimal(1)
    assert return_redemption(entry) is None  # twice is a no-op
    mp.refresh_from_db()
    assert mp.balance == ledger_sum(mp) == Decimal(2)


def test_r3_balance_never_negative_guarded_update():
    mp = make_pass(quantity=Decimal(1))
    s1, s2 = sessions(2)
    redeem(mp, s1, cost=Decimal(1), attendees=1)
    with pytest.raises(PassError) as exc:
        redeem(mp, s2, cost=Decimal(1), attendees=1)
    assert exc.value.code == "insufficient_balance"
    mp.refresh_from_db()
    assert mp.balance == 0 and mp.ledger.count() == 2


def test_r3_database_refuses_a_negative_balance():
    mp = make_pass(quantity=Decimal(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberPass.objects.filter(pk=mp.pk).update(balance=Decimal(-1))


def test_r3_movements_are_append_only():
    mp = make_pass()
    entry = mp.ledger.get()
    entry.amount = Decimal(99)
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_v6_status_used_up_at_zero_and_active_again_after_return():
    mp = make_pass(quantity=Decimal(1))
    (session,) = sessions(1)
    entry = redeem(mp, session, cost=Decimal(1), attendees=1)
    assert MemberPass.objects.get(pk=mp.pk).status == PassStatus.USED_UP
    return_redemption(entry)
    assert MemberPass.objects.get(pk=mp.pk).status == PassStatus.ACTIVE


def test_k3_return_keeps_the_day_while_another_session_uses_it():
    mp = make_pass(kind=ProductKind.DAYS, quantity=Decimal(2))
    klass = ProgrammeClassFactory()
    morning = SessionFactory(
        programme_class=klass,
        start=dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC),
        end=dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC),
    )
    evening = SessionFactory(
        programme_class=klass,
        start=dt.datetime(2027, 3, 1, 18, tzinfo=dt.UTC),
        end=dt.datetime(2027, 3, 1, 19, tzinfo=dt.UTC),
    )
    first = redeem(mp, morning, cost=Decimal(1), attendees=1)
    redeem(mp, evening, cost=Decimal(0), attendees=1)
    assert return_redemption(first).amount == 0  # the evening still uses the day
    mp.refresh_from_db()
    assert mp.balance == 1 == ledger_sum(mp)


class TestLedgerProperties(HypothesisTestCase):
    """Random sequences of redeem / return / adjust keep sum == balance >= 0."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.one_of(
                st.tuples(st.just("redeem"), st.integers(0, 3)),
                st.tuples(st.just("return"), st.integers(0, 20)),
                st.tuples(st.just("adjust"), st.integers(-5, 5)),
            ),
            max_size=25,
        )
    )
    def test_r3_random_movements_keep_sum_equal_to_balance(self, operations):
        staff = StaffFactory()
        mp = make_pass(quantity=Decimal(5))
        pool = sessions(3)
        redemptions = []
        for op, n in operations:
            mp.refresh_from_db()
            try:
                if op == "redeem":
                    redemptions.append(redeem(mp, pool[n % 3], cost=Decimal(n), attendees=1))
                elif op == "return" and redemptions:
                    return_redemption(redemptions[n % len(redemptions)])
                elif op == "adjust" and n:
                    services.adjust_pass(mp, Decimal(n), staff, "property test")
            except PassError as exc:
                assert exc.code in {"insufficient_balance", "negative_balance"}
            mp.refresh_from_db()
            assert mp.balance >= 0
            assert mp.balance == ledger_sum(mp)
            assert mp.ledger.order_by("-pk").first().balance_after == mp.balance
