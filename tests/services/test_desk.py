"""At the desk: attendance (S3) and amounts due paid there (C6)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import Booking, BookingStatus, PaymentMethod
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def upcoming():
    start = timezone.now() + dt.timedelta(days=2)
    return SessionFactory(
        programme_class=ProgrammeClassFactory(), start=start, end=start + dt.timedelta(hours=1)
    )


def refused(code, call, *args, **kwargs):
    before = list(Booking.objects.values())
    with pytest.raises(BookingError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code, exc.value.message
    assert list(Booking.objects.values()) == before
    return exc.value


def test_s3_attendance_records_who_marked_it_and_when(staff, upcoming):
    booking = services.book(UserFactory(), upcoming)
    with time_machine.travel(upcoming.start + dt.timedelta(minutes=10), tick=False):
        marked = services.mark_attendance(booking, True, staff)
        marked_at = timezone.now()
    booking.refresh_from_db()
    assert (booking.status, booking.attendance_marked_by, booking.attendance_marked_at) == (
        BookingStatus.ATTENDED,
        staff,
        marked_at,
    )
    assert marked.status == BookingStatus.ATTENDED


def test_s3_check_in_opens_before_the_start_and_no_show_only_after_it(staff, upcoming):
    """Check-in opens the programme's ``checkin_opens_minutes`` (30) before the start; a
    no-show can be marked only once the session has started."""
    booking = services.book(UserFactory(), upcoming)
    refused("checkin_not_open", services.mark_attendance, booking, True, staff)
    refused("session_not_started", services.mark_attendance, booking, False, staff)
    with time_machine.travel(upcoming.start - dt.timedelta(minutes=31), tick=False):
        refused("checkin_not_open", services.mark_attendance, booking, True, staff)
    with time_machine.travel(upcoming.start - dt.timedelta(minutes=30), tick=False):
        refused("session_not_started", services.mark_attendance, booking, False, staff)
        assert services.mark_attendance(booking, True, staff).status == BookingStatus.ATTENDED
        assert services.mark_attendance(booking, None, staff).status == BookingStatus.BOOKED


def test_s3_a_no_show_can_be_marked_after_the_session(staff, upcoming):
    booking = services.book(UserFactory(), upcoming)
    with time_machine.travel(upcoming.end + dt.timedelta(days=3), tick=False):
        assert services.mark_attendance(booking, False, staff).status == BookingStatus.NO_SHOW
        assert services.mark_attendance(booking, None, staff).status == BookingStatus.BOOKED


def test_s3_only_staff_mark_attendance(upcoming):
    member = UserFactory()
    booking = services.book(member, upcoming)
    with time_machine.travel(upcoming.start + dt.timedelta(minutes=1), tick=False):
        refused("not_allowed", services.mark_attendance, booking, True, member)
        refused("not_allowed", services.mark_attendance, booking, True, UserFactory())
        refused("invalid_mark", services.mark_attendance, booking, "yes", StaffFactory())


def test_c6_paid_at_the_desk_clears_the_amount_due_and_shows_as_paid(staff, upcoming):
    booking = services.book(UserFactory(), upcoming)
    assert booking.amount_due == Decimal("12.00")

    paid = services.record_desk_payment(booking, staff, PaymentMethod.CASH)

    booking.refresh_from_db()
    assert (booking.amount_due, booking.amount_paid, booking.payment_method) == (
        0,
        Decimal("12.00"),
        "cash",
    )
    assert booking.payment_recorded_by == staff and booking.amount_paid_at is not None
    assert booking.price == Decimal("12.00")  # what it cost is unchanged
    assert paid.pk == booking.pk
    assert not Booking.objects.unpaid().filter(pk=booking.pk).exists()


def test_c6_desk_payment_refusals_change_nothing(staff, upcoming):
    booking = services.book(UserFactory(), upcoming)
    refused("invalid_method", services.record_desk_payment, booking, staff, "bitcoin")
    refused("not_allowed", services.record_desk_payment, booking, booking.member, "cash")
    services.record_desk_payment(booking, staff, "cash")
    refused("nothing_due", services.record_desk_payment, booking, staff, "cash")
    cancelled = services.cancel_booking(services.book(UserFactory(), upcoming))
    refused("booking_cancelled", services.record_desk_payment, cancelled, staff, "cash")
