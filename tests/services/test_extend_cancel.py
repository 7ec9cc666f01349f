"""Staff tools through the ledger (S4): extend and cancel a member pass."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import PassError
from wagtail_passes.models import LedgerKind, PassStatus
from wagtail_passes.services.facts import local_day, local_today
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    member_pass,
)

from .oracle import check_pass

pytestmark = pytest.mark.django_db


def days_later(n):
    return time_machine.travel(timezone.now() + dt.timedelta(days=n), tick=False)


@pytest.fixture
def staff():
    return StaffFactory()


def test_s4_extend_moves_the_end_out_through_the_ledger(staff):
    mp = member_pass(duration_days=30)
    end = mp.valid_until
    entry = services.extend_pass(mp, 14, staff, "injury")
    mp.refresh_from_db()
    assert mp.valid_until == end + dt.timedelta(days=14)
    assert (entry.kind, entry.days, entry.amount, entry.created_by, entry.reason) == (
        LedgerKind.EXTEND,
        14,
        0,
        staff,
        "injury",
    )
    check_pass(mp, local_today())


def test_s4_extend_a_fixed_dates_pass(staff):
    today = local_today()
    mp = member_pass(
        validity_basis="fixed",
        fixed_start=today - dt.timedelta(days=3),
        fixed_end=today + dt.timedelta(days=3),
    )
    services.extend_pass(mp, 7, staff)
    mp.refresh_from_db()
    assert mp.valid_until == today + dt.timedelta(days=10)


def test_s4_extending_an_expired_pass_reopens_it_with_what_expiry_took(staff):
    mp = member_pass(quantity=Decimal(10), duration_days=5)
    with days_later(8):
        services.run_daily()
        mp.refresh_from_db()
        assert (mp.status, mp.balance) == (PassStatus.EXPIRED, 0)

        services.extend_pass(mp, 2, staff)  # ends on day 7: still expired on day 8
        mp.refresh_from_db()
        assert (mp.status, mp.balance) == (PassStatus.EXPIRED, 0)

        services.extend_pass(mp, 30, staff)

        mp.refresh_from_db()
        assert (mp.status, mp.balance) == (PassStatus.ACTIVE, 10)
        back = mp.ledger.filter(kind=LedgerKind.RETURN).get()
        assert back.reverses.kind == LedgerKind.EXPIRE and back.amount == 10
        check_pass(mp, local_today())


def test_s4_a_pass_that_never_expires_cannot_be_extended(staff):
    with pytest.raises(PassError) as refused:
        services.extend_pass(member_pass(duration_days=0), 5, staff)
    assert refused.value.code == "not_extendable"


def test_s4_cancel_writes_off_what_is_left_and_it_never_pays_again(staff):
    mp = member_pass(quantity=Decimal(6))
    entry = services.cancel_pass(mp, staff, "refunded at the desk")
    mp.refresh_from_db()
    assert (mp.status, mp.balance) == (PassStatus.CANCELLED, 0)
    assert (entry.kind, entry.amount, entry.reason) == (
        LedgerKind.CANCEL,
        Decimal(-6),
        "refunded at the desk",
    )
    start = timezone.now() + dt.timedelta(days=2)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(), start=start, end=start + dt.timedelta(hours=1)
    )
    assert services.book(mp.member, session).member_pass is None
    for call in (
        lambda: services.cancel_pass(mp, staff, "again"),
        lambda: services.extend_pass(mp, 3, staff),
        lambda: services.adjust_pass(mp, Decimal(1), staff, "more"),
    ):
        with pytest.raises(PassError):
            call()
    check_pass(mp, local_today())


def test_s4_cancel_is_refused_while_the_pass_pays_for_upcoming_sessions(staff):
    mp = member_pass()
    start = timezone.now() + dt.timedelta(days=2)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(), start=start, end=start + dt.timedelta(hours=1)
    )
    booking = services.book(mp.member, session)
    with pytest.raises(PassError) as refused:
        services.cancel_pass(mp, staff, "moving away")
    assert refused.value.code == "pass_has_bookings"
    services.cancel_booking(booking)
    services.cancel_pass(mp, staff, "moving away")
    mp.refresh_from_db()
    assert mp.status == PassStatus.CANCELLED and mp.balance == 0


def test_s4_cancel_needs_a_reason(staff):
    with pytest.raises(PassError) as refused:
        services.cancel_pass(member_pass(), staff, "  ")
    assert refused.value.code == "reason_required"


def test_v6_a_late_return_to_an_expired_pass_is_written_off(staff):
    """Staff cancel a past booking and give its entry back after the pass expired."""
    mp = member_pass(quantity=Decimal(5), duration_days=3)
    day = local_day(mp.purchased_at) + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(18)))
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(), start=start, end=start + dt.timedelta(hours=1)
    )
    booking = services.book(mp.member, session)
    with days_later(10):
        services.run_daily()
        mp.refresh_from_db()
        assert (mp.status, mp.balance) == (PassStatus.EXPIRED, 0)

        services.cancel_booking(booking, by=staff, return_entry=True)

        mp.refresh_from_db()
        assert (mp.status, mp.balance) == (PassStatus.EXPIRED, 0)
        kinds = list(mp.ledger.order_by("pk").values_list("kind", "amount"))
        assert kinds[-2:] == [(LedgerKind.RETURN, Decimal(1)), (LedgerKind.EXPIRE, Decimal(-1))]
        check_pass(mp, local_today())
