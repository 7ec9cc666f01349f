"""Weekly schedules generating sessions: idempotent, DST-correct, booked sessions kept."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wagtail_passes.models import Session
from wagtail_passes.services import generate_all_sessions, generate_sessions
from wagtail_passes.test.factories import BookingFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Monday 5 October 2026, 09:00 in London. BST ends on Sunday 25 October 2026.
NOW = dt.datetime(2026, 10, 5, 9, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def london(settings):
    settings.WAGTAIL_PASSES_TIME_ZONE = "Europe/London"


def local_starts(schedule):
    return [s.start.astimezone(LONDON) for s in schedule.sessions.order_by("start")]


def test_generates_chosen_weekdays_at_local_time_up_to_horizon():
    schedule = ScheduleFactory(
        weekdays=[0, 2], start_time=dt.time(18, 30), starts_on=NOW.date(), duration_minutes=75
    )
    report = generate_sessions(schedule, now=NOW, horizon_days=13)
    starts = local_starts(schedule)
    assert [s.date() for s in starts] == [
        dt.date(2026, 10, 5),
        dt.date(2026, 10, 7),
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 14),
    ]
    assert all(s.time() == dt.time(18, 30) for s in starts)
    assert len(report.created) == 4
    session = schedule.sessions.first()
    assert session.end - session.start == dt.timedelta(minutes=75)
    assert session.occurrence_date == dt.date(2026, 10, 5)


def test_generation_is_idempotent():
    schedule = ScheduleFactory(weekdays=[0, 3], starts_on=NOW.date())
    first = generate_sessions(schedule, now=NOW, horizon_days=56)
    second = generate_sessions(schedule, now=NOW, horizon_days=56)
    assert len(first.created) == 16  # eight weeks, two weekdays
    assert second.created == [] and second.moved == [] and second.removed == []
    assert second.unchanged == 16
    assert not second.changed
    assert schedule.sessions.count() == 16


def test_dst_autumn_keeps_local_wall_time():
    """19:00 stays 19:00 in London on both sides of the October change (UTC moves)."""
    schedule = ScheduleFactory(weekdays=[0], start_time=dt.time(19, 0), starts_on=NOW.date())
    generate_sessions(schedule, now=NOW, horizon_days=35)
    sessions = list(schedule.sessions.order_by("start"))
    assert [s.start.astimezone(LONDON).time() for s in sessions] == [dt.time(19, 0)] * 5
    before = next(s for s in sessions if s.occurrence_date == dt.date(2026, 10, 19))
    after = next(s for s in sessions if s.occurrence_date == dt.date(2026, 10, 26))
    assert before.start.astimezone(dt.UTC).hour == 18  # BST, UTC+1
    assert after.start.astimezone(dt.UTC).hour == 19  # GMT, UTC+0
    assert after.start - before.start == dt.timedelta(days=7, hours=1)


def test_dst_session_spanning_the_change_lasts_its_duration():
    """00:30 for 120 minutes on the night clocks go back lasts two real hours."""
    schedule = ScheduleFactory(
        weekdays=[6], start_time=dt.time(0, 30), duration_minutes=120, starts_on=NOW.date()
    )
    generate_sessions(schedule, now=NOW, horizon_days=28)
    night = schedule.sessions.get(occurrence_date=dt.date(2026, 10, 25))
    assert night.end - night.start == dt.timedelta(hours=2)
    assert night.end.astimezone(LONDON).time() == dt.time(1, 30)  # wall clock went back


def test_dst_spring_start_in_the_gap_moves_forward():
    """01:30 does not exist on 28 March 2027 in London; the session starts at 02:30 BST."""
    now = dt.datetime(2027, 3, 22, 9, 0, tzinfo=LONDON)
    schedule = ScheduleFactory(
        weekdays=[6], start_time=dt.time(1, 30), starts_on=now.date(), ends_on=dt.date(2027, 4, 4)
    )
    generate_sessions(schedule, now=now, horizon_days=20)
    starts = {s.occurrence_date: s.start.astimezone(LONDON) for s in schedule.sessions.all()}
    assert starts[dt.date(2027, 3, 28)].time() == dt.time(2, 30)
    assert starts[dt.date(2027, 4, 4)].time() == dt.time(1, 30)


def test_respects_from_and_until_and_leaves_the_past_alone():
    schedule = ScheduleFactory(
        weekdays=[0, 1, 2, 3, 4, 5, 6],
        start_time=dt.time(8, 0),  # already past on NOW's day
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2026, 10, 8),
    )
    generate_sessions(schedule, now=NOW, horizon_days=56)
    assert sorted(schedule.sessions.values_list("occurrence_date", flat=True)) == [
        dt.date(2026, 10, 6),
        dt.date(2026, 10, 7),
        dt.date(2026, 10, 8),
    ]


def test_moving_the_time_moves_unbooked_sessions_and_keeps_booked_ones():
    schedule = ScheduleFactory(weekdays=[2], start_time=dt.time(18, 0), starts_on=NOW.date())
    generate_sessions(schedule, now=NOW, horizon_days=20)
    booked = schedule.sessions.get(occurrence_date=dt.date(2026, 10, 14))
    BookingFactory(session=booked)

    schedule.start_time = dt.time(19, 0)
    schedule.save()
    report = generate_sessions(schedule, now=NOW, horizon_days=20)

    assert report.kept_with_bookings == [booked]
    assert len(report.moved) == 2
    booked.refresh_from_db()
    assert booked.start.astimezone(LONDON).time() == dt.time(18, 0)
    others = schedule.sessions.exclude(pk=booked.pk)
    assert {s.start.astimezone(LONDON).time() for s in others} == {dt.time(19, 0)}
    assert "have bookings" in report.summary() or "has bookings" in report.summary()
    # Running again changes nothing and still reports the booked session.
    again = generate_sessions(schedule, now=NOW, horizon_days=20)
    assert not again.changed and again.kept_with_bookings == [booked]


def test_dropping_a_weekday_removes_unbooked_and_keeps_booked_sessions():
    schedule = ScheduleFactory(weekdays=[0, 2], starts_on=NOW.date())
    generate_sessions(schedule, now=NOW, horizon_days=13)
    wednesdays = list(schedule.sessions.filter(occurrence_date__week_day=4).order_by("start"))
    BookingFactory(session=wednesdays[0])
    BookingFactory(session=wednesdays[1], status="cancelled")

    schedule.weekdays = [0]
    schedule.save()
    report = generate_sessions(schedule, now=NOW, horizon_days=13)

    assert report.kept_with_bookings == [wednesdays[0]]
    assert report.cancelled == [wednesdays[1]]  # only a cancelled booking: history kept
    assert Session.objects.filter(pk=wednesdays[0].pk, is_cancelled=False).exists()
    assert Session.objects.get(pk=wednesdays[1].pk).is_cancelled


def test_staff_cancelled_session_is_not_recreated():
    schedule = ScheduleFactory(weekdays=[0], starts_on=NOW.date())
    generate_sessions(schedule, now=NOW, horizon_days=13)
    session = schedule.sessions.last()
    session.is_cancelled = True
    session.save()
    report = generate_sessions(schedule, now=NOW, horizon_days=13)
    assert report.created == []
    assert schedule.sessions.filter(occurrence_date=session.occurrence_date).count() == 1


def test_capacity_of_schedule_applies_to_generated_sessions():
    schedule = ScheduleFactory(weekdays=[0], starts_on=NOW.date(), capacity=4)
    generate_sessions(schedule, now=NOW, horizon_days=6)
    assert schedule.sessions.get().effective_capacity == 4


def test_generate_all_skips_finished_schedules():
    active = ScheduleFactory(weekdays=[1], starts_on=NOW.date())
    ScheduleFactory(weekdays=[1], starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 2, 1))
    reports = generate_all_sessions(now=NOW)
    assert [r.schedule for r in reports] == [active]


def test_generate_command_reports_each_schedule(capsys):
    from django.core.management import call_command

    schedule = ScheduleFactory(weekdays=[0, 1, 2, 3, 4, 5, 6])
    call_command("passes_generate_sessions")
    out = capsys.readouterr().out
    assert str(schedule) in out and "sessions created" in out
    assert schedule.sessions.count() >= 55
