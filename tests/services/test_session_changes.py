"""Changing a session members have booked (P7, P8): capacity never below the places
booked, a move tells the booked members, the past needs saying so."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import Session
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
def session():
    start = (timezone.now() + dt.timedelta(days=3)).replace(hour=10, minute=0, second=0)
    return SessionFactory(
        programme_class=ProgrammeClassFactory(capacity=5),
        start=start,
        end=start + dt.timedelta(hours=1),
    )


def refused(code, session, *args, **kwargs):
    before = list(Session.objects.filter(pk=session.pk).values())
    with pytest.raises(BookingError) as exc:
        services.update_session(session, *args, **kwargs)
    assert exc.value.code == code, exc.value.message
    assert list(Session.objects.filter(pk=session.pk).values()) == before
    return exc.value


def test_p7_capacity_never_below_the_places_booked(staff, session):
    services.book(UserFactory(), session, attendees=1)
    services.book(UserFactory(), session, attendees=2)
    error = refused("capacity_below_booked", session, staff, capacity=2)
    assert error.message == "3 places are booked; the capacity cannot be lower."
    assert services.update_session(session, staff, capacity=3).capacity_changed


def test_p7_back_to_the_class_capacity_is_checked_too(staff, session):
    services.update_session(session, staff, capacity=8)
    for _ in range(6):
        services.book(UserFactory(), session)
    refused("capacity_below_booked", session, staff, capacity=None)  # the class has 5


def test_p8_moving_a_booked_session_within_its_day_tells_the_members(
    staff, session, django_capture_on_commit_callbacks
):
    member = UserFactory(email="ann@example.org")
    services.book(member, session)
    mail.outbox.clear()
    later = session.start + dt.timedelta(hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        change = services.update_session(
            session, staff, start=later, end=later + dt.timedelta(hours=1)
        )

    assert change.moved and [b.member for b in change.emailed] == [member]
    (message,) = mail.outbox
    assert message.to == ["ann@example.org"] and message.subject.startswith("New time:")
    assert "it was" in message.body
    session.refresh_from_db()
    assert session.start == later


def test_p8_a_booked_session_does_not_move_to_another_day(staff, session):
    services.book(UserFactory(), session)
    tomorrow = session.start + dt.timedelta(days=1)
    error = refused(
        "moved_to_other_day", session, staff, start=tomorrow, end=tomorrow + dt.timedelta(hours=1)
    )
    assert "cancel it" in error.message


def test_p8_an_empty_session_moves_anywhere_but_the_past_needs_saying_so(staff, session):
    past = timezone.now() - dt.timedelta(days=2)
    refused("session_in_past", session, staff, start=past, end=past + dt.timedelta(hours=1))
    change = services.update_session(
        session, staff, start=past, end=past + dt.timedelta(hours=1), allow_past=True
    )
    assert change.moved


def test_p8_nonsense_times_and_cancelled_sessions_are_refused(staff, session):
    refused("invalid_times", session, staff, end=session.start)
    refused("invalid_times", session, staff, end=session.start + dt.timedelta(hours=25))
    services.cancel_session(session, staff)
    refused("session_cancelled", session, staff, capacity=9)


def test_p8_unchanged_values_change_nothing(staff, session):
    change = services.update_session(session, staff, start=session.start, capacity=None)
    assert not change.moved and not change.capacity_changed


def test_p8_a_session_changed_by_hand_is_left_alone_by_its_schedule(staff):
    from wagtail_passes.test.factories import ScheduleFactory

    schedule = ScheduleFactory(weekdays=list(range(7)), start_time=dt.time(18))
    services.generate_sessions(schedule)
    session = Session.objects.filter(schedule=schedule).order_by("start")[2]
    later = session.start + dt.timedelta(hours=1)
    services.update_session(session, staff, start=later, end=later + dt.timedelta(hours=1))

    report = services.generate_sessions(schedule)

    session.refresh_from_db()
    assert session.start == later and session.changed_by_hand
    assert report.kept_changed_by_hand == [session] and report.moved == []
    assert (
        Session.objects.filter(schedule=schedule, occurrence_date=session.occurrence_date).count()
        == 1
    )
    assert "changed by hand was left as it is" in report.summary()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"capacity": -1}, "invalid_capacity"),
        ({"capacity": 0}, "invalid_capacity"),
        ({"capacity": "5"}, "invalid_capacity"),
        ({"capacity": 10**6}, "invalid_capacity"),
        ({"start": "tomorrow"}, "invalid_times"),
        ({"start": dt.datetime(2027, 1, 1, 10)}, "invalid_times"),  # naive
        ({"end": dt.datetime(9999, 1, 1, 10, tzinfo=dt.UTC)}, "invalid_times"),
    ],
    ids=["negative", "zero", "text", "huge", "text-start", "naive", "year-9999"],
)
def test_p8_update_session_refuses_values_a_host_could_send(staff, session, changes, code):
    refused(code, session, staff, **changes)
