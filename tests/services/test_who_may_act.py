"""Every service that takes ``by`` refuses a stranger, and every input a host's code
can send gets a clear refusal — never a TypeError or a database error (R3, S4, P6)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import PassesError
from wagtail_passes.models import Booking, LedgerEntry, MemberPass, WaitlistEntry
from wagtail_passes.services.facts import local_today
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Booking.objects.values()),
        list(LedgerEntry.objects.values_list("pk", flat=True)),
        list(MemberPass.objects.values()),
        list(WaitlistEntry.objects.values()),
    )


def refused(code, call, *args, **kwargs):
    before = snapshot()
    with pytest.raises(PassesError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code, exc.value.message
    assert snapshot() == before
    return exc.value


@pytest.fixture
def session():
    start = timezone.now() + dt.timedelta(days=3)
    return SessionFactory(
        programme_class=ProgrammeClassFactory(capacity=1),
        start=start,
        end=start + dt.timedelta(hours=1),
    )


@pytest.fixture(params=["another member", "anonymous"])
def stranger(request):
    return UserFactory() if request.param == "another member" else AnonymousUser()


def test_strangers_are_refused_by_every_service_that_takes_by(session, stranger):
    mp = member_pass()
    member = mp.member
    booking = services.book(member, session)
    waiting = services.join_waitlist(UserFactory(), session)
    product = PassPageFactory()
    today = local_today()

    refused("not_allowed", services.book, UserFactory(), session, by=stranger)
    refused("not_allowed", services.cancel_booking, booking, by=stranger)
    refused("not_allowed", services.join_waitlist, UserFactory(), session, by=stranger)
    refused("not_allowed", services.leave_waitlist, waiting, by=stranger)
    refused("not_allowed", services.mark_attendance, booking, True, stranger)
    refused("not_allowed", services.record_desk_payment, booking, stranger, "cash")
    refused("not_allowed", services.cancel_session, session, stranger)
    refused("not_allowed", services.update_session, session, stranger, capacity=5)
    refused("not_allowed", services.assign_pass, member, product, stranger)
    refused("not_allowed", services.adjust_pass, mp, Decimal(1), stranger, "why")
    refused("not_allowed", services.hold_pass, mp, today, today, stranger)
    refused("not_allowed", services.extend_pass, mp, 3, stranger)
    refused("not_allowed", services.cancel_pass, mp, stranger, "why")
    refused("not_allowed", services.settle_unpaid, mp, by=stranger)


def test_members_act_on_their_own_bookings_only(session):
    member = UserFactory()
    booking = services.book(member, session, by=member)
    assert services.cancel_booking(booking, by=member).status == "cancelled"


@pytest.mark.parametrize("attendees", [0, -1, 1.5, "2", None, True, Decimal(1), 10**6])
def test_p7_attendees_must_be_a_whole_number_from_one(session, attendees):
    refused("invalid_attendees", services.book, UserFactory(), session, attendees)
    refused("invalid_attendees", services.join_waitlist, UserFactory(), session, attendees)


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("1e12"),
        Decimal("9999999999.99"),
        0,
        1,
        "2",
        None,
    ],
    ids=str,
)
def test_s4_adjust_refuses_amounts_it_cannot_store(amount):
    mp = member_pass(kind="money", quantity=Decimal("10.00"))
    error = refused(
        "invalid_amount" if amount != Decimal("9999999999.99") else "too_large",
        services.adjust_pass,
        mp,
        amount,
        StaffFactory(),
        "why",
    )
    assert error.message


def test_s4_adjust_just_below_the_limit_is_stored():
    mp = member_pass(kind="money", quantity=Decimal("0.99"))
    entry = services.adjust_pass(mp, Decimal("9999999999.00"), StaffFactory(), "big")
    assert entry.balance_after == Decimal("9999999999.99")


@pytest.mark.parametrize(
    ("days", "code"),
    [(0, "invalid_days"), (-3, "invalid_days"), (99999, "invalid_days"), ("3", "invalid_days")],
)
def test_s4_extend_refuses_nonsense(days, code):
    refused(code, services.extend_pass, member_pass(duration_days=10), days, StaffFactory())


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (dt.date(9999, 12, 30), dt.date(9999, 12, 31), "hold_too_far_ahead"),
        (dt.date(2000, 1, 1), dt.date(2000, 1, 2), "hold_before_issue"),
        (dt.date(2027, 1, 1), dt.date(2028, 6, 1), "invalid_hold"),
        (dt.date(2027, 1, 5), dt.date(2027, 1, 1), "invalid_hold"),
        ("2027-01-01", "2027-01-02", "invalid_hold"),
    ],
)
def test_v7_hold_dates_are_bounded(start, end, code):
    mp = member_pass(duration_days=30)
    refused(code, services.hold_pass, mp, start, end, StaffFactory())


def test_by_none_is_the_system_for_every_staff_tool():
    mp = member_pass(duration_days=30, quantity=Decimal(5))
    today = local_today()
    assert services.hold_pass(mp, today + dt.timedelta(days=3), today + dt.timedelta(days=4), None)
    assert services.adjust_pass(mp, Decimal(1), None, "system").created_by is None
    assert services.extend_pass(mp, 2, None).days == 2


@pytest.mark.parametrize("mark", [1, 0, "yes", "attended"])
def test_s3_attendance_marks_are_true_false_or_none_only(session, mark):
    booking = services.book(UserFactory(), session)
    refused("invalid_mark", services.mark_attendance, booking, mark, StaffFactory())


def test_an_anonymous_visitor_is_asked_to_log_in(session):
    visitor = AnonymousUser()
    refused("not_logged_in", services.book, visitor, session)
    refused("not_logged_in", services.join_waitlist, visitor, session)
    refused("not_logged_in", services.assign_pass, visitor, PassPageFactory(), StaffFactory())
    assert services.eligible_passes(visitor, session) == []


def test_an_inactive_member_is_refused_and_never_promoted(session):
    closed = UserFactory(is_active=False)
    refused("inactive_member", services.book, closed, session)
    holder = services.book(member_pass().member, session)  # capacity 1: full
    waiting = member_pass().member
    services.join_waitlist(waiting, session)
    waiting.is_active = False
    waiting.save()
    assert services.cancel_booking(holder).promoted == []


@pytest.mark.parametrize("attendees", ["2", 0, None])
def test_r4_evaluate_refuses_nonsense_attendees(session, attendees):
    mp = member_pass()
    refused("invalid_attendees", services.evaluate, mp, session, attendees)
    refused("invalid_attendees", services.eligible_passes, mp.member, session, attendees)


@pytest.mark.parametrize("day", ["2027-01-01", dt.datetime(2027, 1, 1, tzinfo=dt.UTC), 5])
def test_v6_daily_job_refuses_what_is_not_a_date(day):
    refused("invalid_date", services.run_daily, day)
