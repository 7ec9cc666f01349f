"""R2: a new member pass pays the member's earlier unpaid bookings, oldest first, each
exactly what it owes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import PassError
from wagtail_passes.models import LedgerKind
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db


def in_days(days, klass):
    start = timezone.now() + dt.timedelta(days=days)
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


def test_r2_assigning_a_pass_settles_the_members_unpaid_bookings_oldest_first():
    member, staff = UserFactory(), StaffFactory()
    klass = ProgrammeClassFactory()
    later = services.book(member, in_days(5, klass))
    earlier = services.book(member, in_days(2, klass))
    services.book(member, in_days(8, klass))  # stays unpaid: the pass runs out

    mp = services.assign_pass(member, PassPageFactory(quantity=Decimal(2)), by=staff)

    assert mp.settled_bookings == [earlier, later]
    for booking in (earlier, later):
        booking.refresh_from_db()
        assert (booking.member_pass, booking.amount_due) == (mp, 0)
    mp.refresh_from_db()
    assert mp.balance == 0
    redemptions = mp.ledger.filter(kind=LedgerKind.REDEEM)
    assert [r.booking for r in redemptions] == [earlier, later]


def test_r2_money_credit_settles_exactly_what_is_owed_after_a_price_change():
    member = UserFactory()
    klass = ProgrammeClassFactory(unit_price=Decimal("12.00"))
    booking = services.book(member, in_days(3, klass))
    assert booking.amount_due == Decimal("12.00")
    klass.unit_price = Decimal("20.00")
    klass.save()

    mp = member_pass(member, kind="money", quantity=Decimal("50.00"))

    booking.refresh_from_db()
    assert (booking.member_pass, booking.amount_due) == (mp, 0)
    mp.refresh_from_db()
    assert mp.balance == Decimal("38.00")  # 12.00 owed, not today's 20.00


def test_r2_money_credit_below_the_amount_owed_leaves_it_unpaid():
    member = UserFactory()
    klass = ProgrammeClassFactory(unit_price=Decimal("30.00"))
    booking = services.book(member, in_days(3, klass))
    klass.unit_price = Decimal("5.00")
    klass.save()

    mp = member_pass(member, kind="money", quantity=Decimal("20.00"))

    booking.refresh_from_db()
    assert booking.amount_due == Decimal("30.00") and booking.member_pass is None
    mp.refresh_from_db()
    assert mp.balance == Decimal("20.00")


def test_r2_bookings_paid_at_the_desk_are_not_paid_twice():
    member, staff = UserFactory(), StaffFactory()
    booking = services.book(member, in_days(3, ProgrammeClassFactory()))
    services.record_desk_payment(booking, staff, "cash")
    mp = member_pass(member)
    assert mp.settled_bookings == []
    mp.refresh_from_db()
    assert mp.balance == 10


def test_r2_strangers_cannot_settle_someone_elses_bookings():
    mp = member_pass()
    with pytest.raises(PassError) as refused:
        services.settle_unpaid(mp, by=UserFactory())
    assert refused.value.code == "not_allowed"
