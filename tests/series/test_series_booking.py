"""T1: a series books every date of a class in a range, each judged on its own (passes,
limits, capacity, window), and lists each date: booked, waiting, held until booking opens,
refused with the reason, or no session that day."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import (
    Booking,
    Person,
    Series,
    SeriesDate,
    SeriesDateState,
    WaitlistEntry,
)
from wagtail_passes.test.factories import StaffFactory, UserFactory, member_pass

from .conftest import FIRST, HOLIDAY, LAST, SIX, TUESDAY, make_class, sessions_of

pytestmark = pytest.mark.django_db


def book(who, klass, **kwargs):
    kwargs.setdefault("weekday", TUESDAY)
    kwargs.setdefault("time", SIX)
    kwargs.setdefault("starts_on", FIRST)
    kwargs.setdefault("ends_on", LAST)
    return services.book_series(who, klass, **kwargs)


def states(result):
    return {(item.day, item.person_id): item.state for item in result.dates}


def test_T1_books_every_tuesday_at_the_same_local_time_across_the_clock_change(
    member, klass, sessions
):
    result = book(member, klass)

    booked = [item for item in result.dates if item.state == SeriesDateState.BOOKED]
    assert [item.session for item in booked] == [s for d, s in sorted(sessions.items())]
    # 18:00 in Berlin is 17:00 UTC in winter and 16:00 UTC after 28 March.
    assert sessions[dt.date(2027, 3, 23)].start.astimezone(dt.UTC).hour == 17
    assert sessions[dt.date(2027, 3, 30)].start.astimezone(dt.UTC).hour == 16
    assert dt.date(2027, 3, 30) in {item.day for item in booked}
    assert Booking.objects.active().filter(member=member).count() == len(sessions)
    assert all(item.booking.amount_due == Decimal("12.00") for item in booked)


def test_T1_a_day_without_a_session_is_listed_not_refused(member, klass, sessions):
    result = book(member, klass)

    holiday = next(item for item in result.dates if item.day == HOLIDAY)
    assert holiday.state == SeriesDateState.NO_SESSION
    assert holiday.session is None and "No session" in holiday.message
    assert len(result.dates) == 9  # every Tuesday of the range, the holiday included


def test_T1_a_session_at_another_time_that_day_is_not_the_series(member, klass, sessions):
    sessions[FIRST].start += dt.timedelta(hours=1)  # 19:00 that day
    sessions[FIRST].end += dt.timedelta(hours=1)
    sessions[FIRST].save()

    result = book(member, klass)

    assert result.dates[0].state == SeriesDateState.NO_SESSION


def test_T1_a_full_date_puts_the_person_on_its_waiting_list(member, sessions, klass):
    full = sessions[dt.date(2027, 3, 9)]
    full.capacity = 1
    full.save()
    services.book(UserFactory(), full)

    result = book(member, klass)

    item = next(i for i in result.dates if i.session == full)
    assert item.state == SeriesDateState.WAITING
    assert item.waitlist_entry == WaitlistEntry.objects.get(session=full, member=member)
    assert item.code == "session_full"


def test_T1_dates_outside_the_window_are_held_then_booked_when_it_opens_with_an_email(
    member, clock, committed
):
    klass = make_class(booking_opens_days_before=14)
    sessions = sessions_of(klass)
    mail.outbox.clear()

    with committed():
        result = book(member, klass)

    by_day = {item.day: item for item in result.dates}
    assert by_day[dt.date(2027, 3, 9)].state == SeriesDateState.BOOKED
    held = by_day[dt.date(2027, 3, 23)]
    assert held.state == SeriesDateState.HELD
    assert held.opens_at == sessions[dt.date(2027, 3, 23)].start - dt.timedelta(days=14)
    assert [m.subject for m in mail.outbox] == ["Your series of Flow"]
    assert "Booking opens on 9 March 2027, 18:00" in mail.outbox[0].body

    # Nothing opens before its time.
    assert services.book_held_dates().booked == []
    mail.outbox.clear()
    clock.move_to(held.opens_at + dt.timedelta(minutes=1))
    with committed():
        report = services.book_held_dates()

    held.refresh_from_db()
    assert held.state == SeriesDateState.BOOKED and held.booking.session_id == held.session_id
    assert report.booked == [held.pk]
    (email,) = mail.outbox
    assert email.to == [member.email] and email.subject.startswith("Booking opened")
    assert "23 March 2027" in email.body
    # Run again: nothing more is booked, nothing more is sent.
    with committed():
        assert services.book_held_dates().booked == []
    assert len(mail.outbox) == 1


def test_T1_the_daily_job_books_held_dates(member, clock):
    klass = make_class(booking_opens_days_before=7)
    sessions_of(klass)
    result = book(member, klass)
    by_day = {item.day: item for item in result.dates}
    missed, opened = by_day[dt.date(2027, 3, 9)], by_day[dt.date(2027, 3, 23)]
    assert missed.state == opened.state == SeriesDateState.HELD
    clock.move_to(dt.datetime(2027, 3, 20, 12, 0, tzinfo=dt.UTC))

    report = services.run_daily()

    assert opened.pk in report.series.booked
    opened.refresh_from_db()
    assert opened.state == SeriesDateState.BOOKED
    # A held date whose session started before any run booked it says why.
    missed.refresh_from_db()
    assert (missed.state, missed.code) == (SeriesDateState.REFUSED, "session_started")
    assert "series dates booked" in report.summary()


def test_T1_a_held_date_booked_directly_meanwhile_keeps_that_one_booking(member, clock):
    klass = make_class(booking_opens_days_before=7)
    sessions = sessions_of(klass)
    result = book(member, klass)
    held = next(i for i in result.dates if i.day == dt.date(2027, 3, 23))
    clock.move_to(held.opens_at + dt.timedelta(minutes=1))
    direct = services.book(member, sessions[dt.date(2027, 3, 23)])

    services.book_held_dates()

    held.refresh_from_db()
    assert held.state == SeriesDateState.BOOKED and held.booking == direct
    assert Booking.objects.active().filter(session=held.session).count() == 1


def test_T1_submitting_the_same_form_twice_books_nothing_twice(member, klass, sessions, committed):
    with committed():
        first = book(member, klass, token="form-nonce-1")
    assert len(mail.outbox) == 1  # one email for the series, not one per date
    mail.outbox.clear()

    with committed():
        again = book(member, klass, token="form-nonce-1")

    assert again.replayed and not first.replayed
    assert again.series == first.series
    assert Series.objects.count() == 1
    assert Booking.objects.active().filter(member=member).count() == len(sessions)
    assert mail.outbox == []


def test_T1_a_second_series_of_the_same_dates_is_refused_date_by_date(member, klass, sessions):
    book(member, klass)

    second = book(member, klass)

    codes = {i.code for i in second.dates if i.state == SeriesDateState.REFUSED}
    assert codes == {"already_booked"}
    assert Booking.objects.active().filter(member=member).count() == len(sessions)


def test_T1_a_range_longer_than_the_bound_is_refused_never_cut_short(member, klass, sessions):
    with pytest.raises(BookingError) as refused:
        book(member, klass, ends_on=FIRST + dt.timedelta(weeks=52))  # 53 Tuesdays
    assert refused.value.code == "too_many_dates"
    assert "at most 52 dates" in refused.value.message
    assert not Series.objects.exists() and not Booking.objects.exists()


def test_T1_the_bound_is_a_setting(member, klass, sessions, settings):
    settings.WAGTAIL_PASSES_MAX_SERIES_DATES = 3
    with pytest.raises(BookingError) as refused:
        book(member, klass)
    assert refused.value.code == "too_many_dates"
    assert book(member, klass, ends_on=dt.date(2027, 3, 16)).dates


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"ends_on": dt.date(2027, 2, 1)}, "invalid_range"),
        ({"weekday": 7}, "invalid_weekday"),
        ({"weekday": "1"}, "invalid_weekday"),
        ({"time": "18:00"}, "invalid_time"),
        ({"starts_on": "2027-03-02"}, "invalid_date"),
        ({"weekday": 3}, "no_sessions"),  # no Thursday sessions
        ({"attendees": 0}, "invalid_attendees"),
        ({"token": "x" * 65}, "invalid_token"),
    ],
)
def test_T1_bad_input_is_refused_with_a_code(member, klass, sessions, changes, code):
    with pytest.raises(BookingError) as refused:
        book(member, klass, **changes)
    assert refused.value.code == code
    assert not Series.objects.exists()


def test_T1_an_unknown_class_is_refused(member, sessions):
    with pytest.raises(BookingError) as refused:
        book(member, 10**9)
    assert refused.value.code == "unknown_class"


def test_T1_each_date_judged_on_its_own_no_valid_pass(member):
    klass = make_class(require_valid_pass=True)
    sessions_of(klass)

    result = book(member, klass)

    refused = [i for i in result.dates if i.state == SeriesDateState.REFUSED]
    assert refused and {i.code for i in refused} == {"no_valid_pass"}
    assert "needs a valid pass" in refused[0].message
    assert not Booking.objects.exists()


def test_T1_two_people_of_one_household_one_with_a_pass_one_without(member):
    klass = make_class(require_valid_pass=True)
    sessions_of(klass, days=[FIRST, dt.date(2027, 3, 9)])
    pass_ = member_pass(member, kind="unlimited", quantity=None, duration_days=90)
    child = Person.objects.create(account=member, name="Mia")

    result = book([member, child], klass, ends_on=dt.date(2027, 3, 9))

    holder = Person.objects.get(account=member, is_holder=True)
    got = states(result)
    assert got == {
        (FIRST, holder.pk): SeriesDateState.BOOKED,
        (dt.date(2027, 3, 9), holder.pk): SeriesDateState.BOOKED,
        (FIRST, child.pk): SeriesDateState.REFUSED,
        (dt.date(2027, 3, 9), child.pk): SeriesDateState.REFUSED,
    }
    assert {i.booking.member_pass for i in result.booked} == {pass_}
    assert result.dates[0].person == holder  # the account holder first each day


def test_T1_people_of_two_households_are_refused(member, klass, sessions):
    other = Person.objects.create(account=UserFactory(), name="Tom")
    with pytest.raises(BookingError) as refused:
        book([member, other], klass)
    assert refused.value.code == "not_one_household"


def test_T1_only_the_member_or_staff_may_book_a_series(member, klass, sessions):
    with pytest.raises(BookingError) as refused:
        book(member, klass, by=UserFactory())
    assert refused.value.code == "not_allowed"


def test_T1_staff_book_outside_the_window(member):
    klass = make_class(booking_opens_days_before=7)
    sessions_of(klass)

    result = book(member, klass, by=StaffFactory())

    assert {i.state for i in result.dates} == {
        SeriesDateState.BOOKED,
        SeriesDateState.NO_SESSION,
    }


def test_T1_default_last_date_is_the_schedule_end(member, klass, sessions):
    from wagtail_passes.test.factories import ScheduleFactory

    ScheduleFactory(
        programme_class=klass, weekdays=[TUESDAY], starts_on=FIRST, ends_on=dt.date(2027, 3, 23)
    )

    result = book(member, klass, ends_on=None)

    assert result.series.ends_on == dt.date(2027, 3, 23)
    assert max(i.day for i in result.dates) == dt.date(2027, 3, 23)


def test_T1_default_last_date_is_the_last_session_without_a_schedule_end(member, klass, sessions):
    result = book(member, klass, ends_on=None)
    assert result.series.ends_on == LAST


def test_T1_a_cancelled_session_is_refused_with_its_reason(member, klass, sessions):
    cancelled = sessions[dt.date(2027, 3, 9)]
    cancelled.is_cancelled = True
    cancelled.save()

    result = book(member, klass)

    item = next(i for i in result.dates if i.session == cancelled)
    assert (item.state, item.code) == (SeriesDateState.REFUSED, "session_cancelled")


def test_T1_a_busy_date_is_held_for_the_job_not_failed(member, klass, sessions, monkeypatch):
    from wagtail_passes.services import lock_waits, series

    real = series.lock_session
    busy_once = {sessions[FIRST].pk}

    def lock(pk):
        if pk in busy_once:
            busy_once.discard(pk)
            raise lock_waits.LockBusy()
        return real(pk)

    monkeypatch.setattr(series, "lock_session", lock)

    result = book(member, klass)

    item = result.dates[0]
    assert (item.state, item.code) == (SeriesDateState.HELD, "busy")
    assert SeriesDate.objects.filter(state=SeriesDateState.BOOKED).count() == 7


def test_T1_a_held_date_judged_by_another_run_meanwhile_is_not_reported_twice(
    member, clock, committed, monkeypatch
):
    from wagtail_passes.services import series as series_service

    klass = make_class(booking_opens_days_before=7)
    sessions_of(klass)
    result = book(member, klass)
    held = next(i for i in result.dates if i.day == dt.date(2027, 3, 23))
    clock.move_to(held.opens_at + dt.timedelta(minutes=1))
    stale = list(series_service.held_dates_due())  # what a second run read before the first
    services.book_held_dates()
    mail.outbox.clear()

    assert stale and all(not series_service.judge_date(i, None).judged for i in stale)
    # A second run that read the dates before the first booked them.
    monkeypatch.setattr(
        series_service,
        "held_dates_due",
        lambda now=None: SeriesDate.objects.filter(pk__in=[i.pk for i in stale]),
    )
    with committed():
        report = services.book_held_dates()

    assert report.booked == [] and mail.outbox == []
