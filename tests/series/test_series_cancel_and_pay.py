"""T2: a series is paid in one order (the sum of its amounts due, or a pass bought for it)
and cancelled as a whole or date by date under P6."""

import datetime as dt
from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError, CheckoutError
from wagtail_passes.models import (
    Booking,
    BookingStatus,
    OrderLine,
    SeriesDateState,
    WaitlistStatus,
)
from wagtail_passes.services.series_cancel import series_dues
from wagtail_passes.test.factories import StaffFactory, UserFactory, member_pass

from .conftest import FIRST, LAST, SIX, TUESDAY, make_class, sessions_of

pytestmark = pytest.mark.django_db


def book(who, klass, **kwargs):
    kwargs.setdefault("weekday", TUESDAY)
    kwargs.setdefault("time", SIX)
    kwargs.setdefault("starts_on", FIRST)
    kwargs.setdefault("ends_on", LAST)
    return services.book_series(who, klass, **kwargs)


def test_T2_the_series_amounts_due_are_paid_in_one_order(member, klass, sessions):
    result = book(member, klass)
    owing = [i.booking for i in result.booked]

    order = services.place_series_dues_order(result.series)

    lines = OrderLine.objects.filter(order=order)
    assert {line.booking_id for line in lines} == {b.pk for b in owing}
    assert order.total == Decimal("12.00") * len(owing)
    # Placed once: what is in that order is not offered again.
    with pytest.raises(CheckoutError) as refused:
        services.place_series_dues_order(result.series)
    assert refused.value.code == "nothing_due"


def test_T2_a_pass_bought_for_the_series_pays_its_dates(member, klass, sessions):
    result = book(member, klass)
    assert len(series_dues(result.series)) == len(sessions)

    member_pass(member, kind="unlimited", quantity=None, duration_days=90)

    assert series_dues(result.series) == []
    paid = Booking.objects.filter(pk__in=[i.booking_id for i in result.booked])
    assert all(b.member_pass_id and b.amount_due == 0 for b in paid)


def test_T2_cancel_the_whole_series_returns_entries_and_drops_held_dates(member, clock):
    klass = make_class(booking_opens_days_before=14)
    sessions_of(klass)
    pass_ = member_pass(member, kind="entries", quantity=Decimal(20), duration_days=90)
    result = book(member, klass)
    booked = len(result.booked)
    held = [i for i in result.dates if i.state == SeriesDateState.HELD]
    assert booked and held
    pass_.refresh_from_db()
    assert pass_.balance == 20 - booked

    outcome = services.cancel_series(result.series)

    assert outcome.refused == []
    assert {i.state for i in outcome.cancelled} == {SeriesDateState.CANCELLED}
    assert not Booking.objects.active().filter(member=member).exists()
    pass_.refresh_from_db()
    assert pass_.balance == 20
    # Held dates are not booked once their window opens.
    clock.move_to(held[-1].opens_at + dt.timedelta(minutes=1))
    assert services.book_held_dates().booked == []
    assert not Booking.objects.active().filter(member=member).exists()


def test_T2_a_member_cannot_cancel_dates_past_the_cutoff_staff_can(member, klass, sessions, clock):
    result = book(member, klass)
    clock.move_to(dt.datetime(2027, 3, 2, 12, 0, tzinfo=dt.UTC))  # 4 h before the first

    outcome = services.cancel_series(result.series)

    ((late, reason),) = outcome.refused
    assert late.day == FIRST and reason.code == "cancellation_closed"
    assert late.booking.status == BookingStatus.BOOKED
    assert len(outcome.cancelled) == len(sessions) - 1

    staff = StaffFactory()
    late.refresh_from_db()
    done = services.cancel_series_date(late, by=staff, return_entry=True)
    assert done.state == SeriesDateState.CANCELLED
    late.booking.refresh_from_db()
    assert late.booking.status == BookingStatus.CANCELLED


def test_T2_cancel_a_single_date(member, klass, sessions):
    result = book(member, klass)
    one = result.booked[2]

    services.cancel_series_date(one)

    one.refresh_from_db()
    assert one.state == SeriesDateState.CANCELLED
    assert one.booking.status == BookingStatus.CANCELLED
    assert Booking.objects.active().filter(member=member).count() == len(sessions) - 1
    # Cancelling it again changes nothing.
    assert services.cancel_series_date(one).state == SeriesDateState.CANCELLED


def test_T2_cancelling_a_waiting_date_leaves_the_waiting_list(member, klass, sessions):
    full = sessions[dt.date(2027, 3, 9)]
    full.capacity = 1
    full.save()
    services.book(UserFactory(), full)
    result = book(member, klass)
    waiting = next(i for i in result.dates if i.session == full)

    services.cancel_series_date(waiting)

    waiting.waitlist_entry.refresh_from_db()
    assert waiting.waitlist_entry.status == WaitlistStatus.LEFT


def test_T2_only_the_member_or_staff_may_cancel(member, klass, sessions):
    result = book(member, klass)
    with pytest.raises(BookingError) as refused:
        services.cancel_series(result.series, by=UserFactory())
    assert refused.value.code == "not_allowed"
    assert Booking.objects.active().filter(member=member).count() == len(sessions)


def test_T2_a_pass_bought_for_the_refused_dates_books_them_when_tried_again(member):
    from wagtail_passes.models import Person

    klass = make_class(require_valid_pass=True)
    sessions_of(klass, days=[FIRST, dt.date(2027, 3, 9)])
    child = Person.objects.create(account=member, name="Mia")
    result = book(child, klass, ends_on=dt.date(2027, 3, 9))
    assert {i.code for i in result.dates} == {"no_valid_pass"}

    member_pass(child, kind="unlimited", quantity=None, duration_days=90)
    again = services.retry_refused_dates(result.series)

    assert {i.state for i in again.dates} == {SeriesDateState.BOOKED}
    assert all(i.booking.person == child and i.booking.member_pass for i in again.dates)
    # Nothing left to try: a second call changes nothing.
    assert len(services.retry_refused_dates(result.series).booked) == 2
    assert Booking.objects.active().filter(person=child).count() == 2


def test_T2_a_cancelled_series_is_not_tried_again(member, klass, sessions):
    result = book(member, klass)
    services.cancel_series(result.series)
    with pytest.raises(BookingError) as refused:
        services.retry_refused_dates(result.series)
    assert refused.value.code == "series_cancelled"
