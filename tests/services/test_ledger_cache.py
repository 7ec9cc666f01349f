"""What the pass caches always equals what its ledger says (R3, V3, K3, P6).

Regressions found in review: a cancelled first use kept anchoring a from-first-use
window; a day pass gave a free session after book → cancel → book on one day, and lost
its day when both sessions of one day were cancelled. The property test then runs
random operations and compares every cached field with ``oracle.expected_fields``,
an independent model.
"""

import datetime as dt
import os
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from wagtail_passes import services
from wagtail_passes.exceptions import PassesError
from wagtail_passes.models import Booking, BookingStatus, MemberPass, PassStatus
from wagtail_passes.services.facts import local_today
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    member_pass,
)

from .oracle import check_pass

pytestmark = pytest.mark.django_db


def at(day_offset, hour=18, klass=None):
    """A session ``day_offset`` days from today at ``hour`` local time."""
    day = local_today() + dt.timedelta(days=day_offset)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return SessionFactory(
        programme_class=klass or ProgrammeClassFactory(),
        start=start,
        end=start + dt.timedelta(hours=1),
    )


def test_v3_cancelled_first_use_no_longer_anchors_the_window():
    mp = member_pass(validity_basis="first_use", duration_days=7, quantity=Decimal(5))
    klass = ProgrammeClassFactory()
    first = services.book(mp.member, at(3, klass=klass))
    mp.refresh_from_db()
    assert mp.first_use_day == first.session.local_date

    services.cancel_booking(first)

    mp.refresh_from_db()
    assert (mp.first_use_day, mp.last_use_day, mp.valid_from, mp.valid_until) == (
        None,
        None,
        None,
        None,
    )
    later = at(13, klass=klass)  # 10 days after the cancelled first use
    booking = services.book(mp.member, later)
    assert booking.member_pass_id == mp.pk
    mp.refresh_from_db()
    assert mp.valid_from == later.local_date
    assert mp.valid_until == later.local_date + dt.timedelta(days=7)
    check_pass(mp, local_today())


def test_v3_cancelling_the_later_of_two_keeps_the_first_use():
    mp = member_pass(validity_basis="first_use", duration_days=7, quantity=Decimal(5))
    klass = ProgrammeClassFactory()
    services.book(mp.member, at(3, klass=klass))
    second = services.book(mp.member, at(5, klass=klass))
    services.cancel_booking(second)
    mp.refresh_from_db()
    assert mp.first_use_day == mp.last_use_day == local_today() + dt.timedelta(days=3)
    check_pass(mp, local_today())


def test_k3_book_cancel_book_on_one_day_uses_the_day():
    mp = member_pass(kind="days", quantity=Decimal(2))
    klass = ProgrammeClassFactory()
    morning, evening = at(3, 9, klass), at(3, 18, klass)
    services.cancel_booking(services.book(mp.member, morning))
    mp.refresh_from_db()
    assert mp.balance == 2

    services.book(mp.member, evening)

    mp.refresh_from_db()
    assert mp.balance == 1  # the day is used: no free session
    check_pass(mp, local_today())


@pytest.mark.parametrize("order", ["first-paid-first", "free-one-first"])
def test_k3_p6_cancelling_both_sessions_of_a_day_gives_the_day_back(order):
    mp = member_pass(kind="days", quantity=Decimal(1))
    klass = ProgrammeClassFactory()
    paid_day = services.book(mp.member, at(3, 9, klass))  # costs the day
    same_day = services.book(mp.member, at(3, 18, klass))  # costs nothing more
    mp.refresh_from_db()
    assert (mp.balance, mp.status) == (0, PassStatus.USED_UP)

    first, second = (paid_day, same_day) if order == "first-paid-first" else (same_day, paid_day)
    services.cancel_booking(first)
    mp.refresh_from_db()
    assert mp.balance == 0  # the other session still uses the day
    services.cancel_booking(second)

    mp.refresh_from_db()
    assert (mp.balance, mp.status) == (1, PassStatus.ACTIVE)
    check_pass(mp, local_today())


def test_k3_the_day_returned_once_even_after_rebooking():
    mp = member_pass(kind="days", quantity=Decimal(2))
    klass = ProgrammeClassFactory()
    a, b = at(3, 9, klass), at(3, 18, klass)
    first = services.book(mp.member, a)
    services.book(mp.member, b)
    services.cancel_booking(first)
    again = services.book(mp.member, a)  # the day is still in use by b: free
    mp.refresh_from_db()
    assert mp.balance == 1
    services.cancel_booking(again)
    services.cancel_booking(Booking.objects.get(session=b))
    mp.refresh_from_db()
    assert mp.balance == 2
    check_pass(mp, local_today())


# ---- the property: cached fields == a fresh computation --------------------------------

KINDS = {
    "entries": {"kind": "entries", "quantity": Decimal(4)},
    "days": {"kind": "days", "quantity": Decimal(3)},
    "credits": {"kind": "credits", "quantity": Decimal(5)},
    "money": {"kind": "money", "quantity": Decimal("40.00")},
    "unlimited": {"kind": "unlimited", "quantity": None},
}
BASES = {
    "purchase": {"validity_basis": "purchase", "duration_days": 6},
    "first_use": {"validity_basis": "first_use", "duration_days": 4},
    "fixed": {"validity_basis": "fixed", "fixed_end": None},  # end set per example
    "never": {"validity_basis": "purchase", "duration_days": 0},
}

#: More examples for a deeper run: PASSES_EXAMPLES=1000 pytest tests/services
EXAMPLES = int(os.environ.get("PASSES_EXAMPLES", "60"))

operation = st.one_of(
    st.tuples(st.just("book"), st.integers(0, 7), st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("adjust"), st.integers(-3, 3)),
    st.tuples(st.just("hold"), st.integers(-2, 10), st.integers(0, 3)),
    st.tuples(st.just("extend"), st.integers(1, 5)),
    st.tuples(st.just("daily"), st.integers(0, 4)),  # the clock moves on N days
)


class TestCachedFieldsEqualTheLedger(HypothesisTestCase):
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        kind=st.sampled_from(sorted(KINDS)),
        basis=st.sampled_from(sorted(BASES)),
        operations=st.lists(operation, max_size=14),
        renewal_starts=st.sampled_from([None, None, -3, 2]),
    )
    def test_r3_v3_v6_v7_k3_cached_fields_equal_a_fresh_computation(
        self, kind, basis, operations, renewal_starts
    ):
        staff = StaffFactory()
        product = {**KINDS[kind], **BASES[basis]}
        if basis == "fixed":
            product["fixed_start"] = local_today() - dt.timedelta(days=2)
            product["fixed_end"] = local_today() + dt.timedelta(days=5)
        if kind == "unlimited" and basis == "never":
            product["duration_days"] = 30  # K2: an unlimited pass needs a time frame
        mp = member_pass(**product)
        if renewal_starts is not None:  # N1: a renewal's pass, starting on a set day
            mp = services.issue_member_pass(
                mp.member,
                mp.product,
                paid=True,
                starts_on=local_today() + dt.timedelta(days=renewal_starts),
            )
        klass = ProgrammeClassFactory(programme__default_unit_price=Decimal("10.00"))
        # Two sessions a day around today; staff may book past ones (walk-ins).
        sessions = [at(day, hour, klass) for day in range(-1, 5) for hour in (9, 18)]
        bookings = []
        traveller = time_machine.travel(timezone.now(), tick=False)
        clock = traveller.start()
        self.addCleanup(traveller.stop)
        for op in operations:
            today = local_today()
            try:
                if op[0] == "book":
                    _, day, by_staff = op
                    session = sessions[day * 2 % len(sessions) + (1 if by_staff else 0)]
                    bookings.append(
                        services.book(
                            mp.member, session, member_pass=mp, by=staff if by_staff else None
                        )
                    )
                elif op[0] == "cancel" and bookings:
                    _, n, give_back = op
                    services.cancel_booking(
                        bookings[n % len(bookings)], by=staff, return_entry=give_back
                    )
                elif op[0] == "adjust" and op[1]:
                    services.adjust_pass(mp, Decimal(op[1]), staff, "property")
                elif op[0] == "hold":
                    _, offset, length = op
                    start = today + dt.timedelta(days=offset)
                    services.hold_pass(mp, start, start + dt.timedelta(days=length), staff)
                elif op[0] == "extend":
                    services.extend_pass(mp, op[1], staff)
                elif op[0] == "daily":
                    clock.shift(dt.timedelta(days=op[1]))
                    services.run_daily()
                event(f"{op[0]}: done")
            except PassesError as refusal:
                event(f"{op[0]}: {refusal.code}")  # changes nothing; the check proves it
            check_pass(MemberPass.objects.get(pk=mp.pk), local_today())
        for booking in Booking.objects.filter(status=BookingStatus.CANCELLED):
            assert booking.amount_due == 0


def test_property_oracle_is_not_trivially_equal():
    """The oracle sees a wrong cache: write a stale first use behind the services' back."""
    mp = member_pass(validity_basis="first_use", duration_days=7)
    MemberPass.objects.filter(pk=mp.pk).update(first_use_day=local_today())
    with pytest.raises(AssertionError):
        check_pass(MemberPass.objects.get(pk=mp.pk), local_today())
