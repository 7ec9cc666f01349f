"""Check-in at the front desk, the services (S3): when attendance can be marked (one rule
for the register, the check-in screen and ``mark_attendance``), "Check in all", and the
day's check-in sheet with what each member owes in all (S2, C6)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import Booking, BookingStatus
from wagtail_passes.rules.money import Money
from wagtail_passes.services.attendance import (
    ATTENDED,
    CLEAR,
    NO_SHOW,
    attendance_marks_open,
    booking_tools_open,
    checkin_opens_at,
)
from wagtail_passes.services.checkin import check_in_all, checkin_sheet, member_owes
from wagtail_passes.signals import attendance_marked
from wagtail_passes.test.factories import (
    PassPageFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

from .checkin_helpers import DAY, NOW, at, member, session_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def flow(clock):
    """Yoga Flow at 18:00 today: check-in opened at 17:30."""
    return session_at(at(18))


def statuses():
    return dict(Booking.objects.values_list("pk", "status"))


def refused(code, call, *args, **kwargs):
    before = list(Booking.objects.values())
    entries = ModelLogEntry.objects.count()
    with pytest.raises(BookingError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code, exc.value.message
    assert list(Booking.objects.values()) == before
    assert ModelLogEntry.objects.count() == entries
    return exc.value


# ---- the rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes_before_start", "marks"),
    [
        (31, ()),
        (30, (ATTENDED,)),
        (1, (ATTENDED,)),
        (0, (ATTENDED, NO_SHOW)),
        (-600, (ATTENDED, NO_SHOW)),  # long after: still markable
    ],
)
def test_S3_check_in_opens_the_programmes_minutes_before_the_start(
    flow, minutes_before_start, marks
):
    now = flow.start - dt.timedelta(minutes=minutes_before_start)
    assert checkin_opens_at(flow) == at(17, 30)
    assert attendance_marks_open(flow, now) == marks


def test_S3_the_opening_is_a_programme_setting(clock):
    early = session_at(at(18), programme__checkin_opens_minutes=90)
    at_start = session_at(at(18), programme__checkin_opens_minutes=0)
    assert checkin_opens_at(early) == at(16, 30)
    assert attendance_marks_open(early, at(16, 30)) == (ATTENDED,)
    assert attendance_marks_open(at_start, at(17, 59)) == ()
    assert attendance_marks_open(at_start, at(18)) == (ATTENDED, NO_SHOW)


def test_S3_a_booking_changes_to_the_marks_it_lacks_and_a_mark_can_always_be_cleared(flow):
    booking = services.book(UserFactory(), flow)
    before_open, open_, started = at(17, 29), at(17, 30), at(18, 5)
    assert attendance_marks_open(booking, before_open) == ()
    assert attendance_marks_open(booking, open_) == (ATTENDED,)
    assert attendance_marks_open(booking, started) == (ATTENDED, NO_SHOW)
    booking.status = BookingStatus.ATTENDED
    assert attendance_marks_open(booking, open_) == (CLEAR,)
    assert attendance_marks_open(booking, started) == (NO_SHOW, CLEAR)
    booking.status = BookingStatus.NO_SHOW
    assert attendance_marks_open(booking, started) == (ATTENDED, CLEAR)
    # A mark exists: clearing it is open even before check-in (a session moved later).
    assert attendance_marks_open(booking, before_open) == (CLEAR,)


def test_S3_a_cancelled_booking_or_session_takes_no_mark(flow):
    booking = services.book(UserFactory(), flow)
    services.cancel_booking(booking, by=StaffFactory())
    booking.refresh_from_db()
    assert attendance_marks_open(booking, at(18, 5)) == ()
    other = services.book(UserFactory(), flow)
    flow.is_cancelled = True
    other.session = flow
    assert attendance_marks_open(flow, at(18, 5)) == ()
    assert attendance_marks_open(other, at(18, 5)) == ()


def test_S3_booking_tools_offer_attendance_from_check_in_opening(flow):
    booking = services.book(UserFactory(), flow)
    assert "attendance" not in booking_tools_open(booking, at(17, 29))
    assert "attendance" in booking_tools_open(booking, at(17, 30))


def test_S3_mark_attendance_follows_the_rule(staff, clock):
    later = session_at(at(19, 30))  # check-in opens at 19:00
    booking = services.book(UserFactory(), later)
    error = refused("checkin_not_open", services.mark_attendance, booking, True, staff)
    assert (
        error.message == "Check-in opens 30 minutes before the start, at Wed, 10 Mar 2027, 19:00."
    )
    assert error.details["opens_at"] == at(19)
    refused("session_not_started", services.mark_attendance, booking, False, staff)
    # Clearing a mark that is not there changes nothing and is no refusal.
    assert services.mark_attendance(booking, None, staff).status == BookingStatus.BOOKED

    clock.move_to(at(19))
    assert services.mark_attendance(booking, True, staff).status == BookingStatus.ATTENDED
    refused("session_not_started", services.mark_attendance, booking, False, staff)
    assert services.mark_attendance(booking, None, staff).status == BookingStatus.BOOKED

    clock.move_to(at(19, 30))
    assert services.mark_attendance(booking, False, staff).status == BookingStatus.NO_SHOW
    assert services.mark_attendance(booking, True, staff).status == BookingStatus.ATTENDED


def test_S3_no_mark_on_a_cancelled_session(staff, flow):
    booking = services.book(UserFactory(), flow)
    services.mark_attendance(booking, True, staff)
    services.cancel_session(flow, by=None)  # a marked booking stays as it is
    refused("session_cancelled", services.mark_attendance, booking, None, staff)


# ---- check in all --------------------------------------------------------------------


def test_S3_check_in_all_marks_every_booked_booking_and_leaves_the_marked_ones(staff, flow):
    ann, bob, cleo, dan = (UserFactory() for _ in range(4))
    booked = [services.book(m, flow) for m in (ann, bob)]
    already = services.book(cleo, flow)
    services.mark_attendance(already, True, staff)
    services.cancel_booking(services.book(dan, flow), by=staff)
    other = services.book(ann, session_at(at(18)))  # another session's
    checked = check_in_all(flow, staff)

    assert sorted(b.pk for b in checked) == sorted(b.pk for b in booked)
    got = statuses()
    assert {got[b.pk] for b in booked} == {BookingStatus.ATTENDED}
    assert got[other.pk] == BookingStatus.BOOKED
    for booking in Booking.objects.filter(pk__in=[b.pk for b in booked]):
        assert (booking.attendance_marked_by, booking.attendance_marked_at) == (staff, NOW)
    # Audited, one entry per booking checked in (S5), in Wagtail's history.
    entries = ModelLogEntry.objects.filter(action="wagtail_passes.booking.attendance", user=staff)
    assert sorted(int(e.object_id) for e in entries) == sorted(
        [already.pk] + [b.pk for b in booked]
    )
    # Everyone marked: a second call checks in nobody.
    assert check_in_all(flow, staff) == []


def test_S3_check_in_all_signals_each_booking_on_commit(
    staff, flow, django_capture_on_commit_callbacks
):
    booked = [services.book(UserFactory(), flow) for _ in range(2)]
    signalled = []

    def receiver(sender, booking, by, **kwargs):
        signalled.append((booking.pk, by))

    attendance_marked.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            check_in_all(flow, staff)
    finally:
        attendance_marked.disconnect(receiver)
    assert sorted(signalled) == sorted((b.pk, staff) for b in booked)


def test_S3_check_in_all_is_refused_before_check_in_opens_and_changes_nothing(staff, clock):
    later = session_at(at(19, 30))
    services.book(UserFactory(), later)
    refused("checkin_not_open", check_in_all, later, staff)


def test_S3_check_in_all_is_for_staff_who_manage_bookings(flow):
    member_ = UserFactory()
    services.book(member_, flow)
    refused("not_allowed", check_in_all, flow, member_)
    refused("not_allowed", check_in_all, flow, StaffFactory(permissions=["view_booking"]))
    refused("not_allowed", check_in_all, flow, UserFactory())


def test_S3_check_in_all_of_a_cancelled_session_is_refused(staff, flow):
    services.book(UserFactory(), flow)
    services.cancel_session(flow, by=None)
    refused("session_cancelled", check_in_all, flow, staff)


# ---- the sheet -----------------------------------------------------------------------


@pytest.fixture
def day(flow):
    """Today: Flow at 18:00 (Ann with her pass, Bob owing, Cleo and a friend owing),
    Pilates at 19:30; a cancelled session at 12:00 and tomorrow's are not on the sheet."""
    ann = member("ann", "Ann", "Lee")
    bob = member("bob", "Bob", "Stone")
    cleo = member("cleo", "Cleo", "Park")
    member_pass(ann, title="Ten classes", quantity=Decimal(10))
    pilates = session_at(at(19, 30), name="Mat", programme__name="Pilates")
    cancelled = session_at(at(12))
    services.cancel_session(cancelled, by=None)
    tomorrow = session_at(at(18, day=DAY + dt.timedelta(days=1)))
    bookings = {
        "ann": services.book(ann, flow),
        "bob": services.book(bob, flow),
        "cleo": services.book(cleo, flow, attendees=2),
        "ann_pilates": services.book(ann, pilates),
        "bob_tomorrow": services.book(bob, tomorrow),
    }
    services.cancel_booking(services.book(member("dan", "Dan", "Ray"), flow), by=StaffFactory())
    return {"flow": flow, "pilates": pilates, "tomorrow": tomorrow, **bookings}


def test_S3_the_sheet_lists_the_days_sessions_with_their_active_bookings(day):
    sheet = checkin_sheet(DAY)

    assert sheet.day == DAY
    assert [s.session for s in sheet.sessions] == [day["flow"], day["pilates"]]
    flow, pilates = sheet.sessions
    assert [row.member.username for row in flow.rows] == ["ann", "bob", "cleo"]  # no dan
    assert (flow.booked, flow.capacity, flow.attended, flow.waiting_to_check_in) == (4, 12, 0, 3)
    assert flow.checkin_open and not pilates.checkin_open
    assert flow.marks == (ATTENDED,) and pilates.marks == ()
    assert [row.marks for row in flow.rows] == [(ATTENDED,)] * 3
    ann_row = flow.rows[0]
    assert ann_row.booking.member_pass.title == "Ten classes"


def test_S3_the_sheet_is_of_the_sites_local_day(clock):
    # 23:30 in London on 10 March is still the 10th; 00:30 on the 11th is not.
    late = session_at(at(23, 30))
    session_at(at(0, 30, day=DAY + dt.timedelta(days=1)))
    assert [s.session for s in checkin_sheet(DAY).sessions] == [late]


def test_S3_the_sheet_counts_places_checked_in(staff, day):
    services.mark_attendance(day["cleo"], True, staff)
    [flow, _pilates] = checkin_sheet(DAY).sessions
    assert (flow.attended, flow.waiting_to_check_in) == (2, 2)
    assert flow.rows[2].marks == (CLEAR,)


def test_S2_each_row_shows_what_the_member_owes_in_all(day):
    """Bob owes today's €12 and tomorrow's €12; Cleo €24 for two places; Ann owes an
    order awaiting payment. An amount due in an order awaiting payment counts once."""
    ann = day["ann"].member
    product = PassPageFactory(title="Five classes", price=Decimal("40.00"), quantity=Decimal(5))
    services.place_order(ann, product, accepted_terms=True)  # pending: bank transfer
    services.place_dues_order(day["cleo"].member, [day["cleo"]])  # her €24 in an order

    flow = checkin_sheet(DAY).sessions[0]
    owes = {row.member.username: row.owes for row in flow.rows}

    assert owes["ann"] == (Money(Decimal("40.00"), "EUR"),)
    assert owes["bob"] == (Money(Decimal("24.00"), "EUR"),)
    assert owes["cleo"] == (Money(Decimal("24.00"), "EUR"),)
    assert all(row.owes_anything for row in flow.rows)


def test_S2_a_member_who_paid_owes_nothing(staff, day):
    services.record_desk_payment(day["bob"], staff, "cash")
    services.cancel_booking(day["bob_tomorrow"], by=staff)
    flow = checkin_sheet(DAY).sessions[0]
    bob = next(row for row in flow.rows if row.member.username == "bob")
    assert bob.owes == () and not bob.owes_anything


def test_S2_owes_is_per_currency(clock):
    pounds = session_at(at(18), programme__currency="GBP")
    euros = session_at(at(19))
    ann = UserFactory()
    services.book(ann, pounds)
    services.book(ann, euros)
    assert member_owes([ann.pk]) == {
        ann.pk: (Money(Decimal("12.00"), "EUR"), Money(Decimal("12.00"), "GBP"))
    }


def sheet_queries(day_) -> int:
    with CaptureQueriesContext(connection) as queries:
        sheet = checkin_sheet(day_)
        for checkin in sheet.sessions:
            for row in checkin.rows:
                str(row.member), row.booking.member_pass, row.owes
    return len(queries)


def test_S3_the_sheet_reads_a_fixed_number_of_queries_whatever_the_attendees(clock):
    """1 attendee or 40 on three sessions: sessions, bookings, amounts due, orders."""
    small = session_at(at(18), capacity=50)
    services.book(UserFactory(), small)
    assert sheet_queries(DAY) == 4

    for start in (at(19), at(20)):
        session = session_at(start, capacity=50)
        for _ in range(20):
            buyer = UserFactory()
            if _ % 3 == 0:
                member_pass(buyer, quantity=Decimal(5))
            services.book(buyer, session)
    for _ in range(19):
        services.book(UserFactory(), small)
    assert Booking.objects.count() == 60
    assert sheet_queries(DAY) == 4
