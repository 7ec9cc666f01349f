"""Turn weekly schedules into dated sessions.

Each generated session remembers its schedule and the local date of its
occurrence; that pair is unique, which makes generation idempotent: run it as
often as you like and only the difference is written.

Sessions that already have active bookings are never moved or removed: they are
kept as they are and listed in the report so staff can deal with them. Sessions
in the past are never touched.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from dateutil.rrule import WEEKLY, rrule
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..conf import passes_settings
from ..models import Booking, Schedule, Session
from . import lock_waits

UTC = dt.UTC


@dataclass
class Occurrence:
    date: dt.date
    start: dt.datetime  # aware, UTC
    end: dt.datetime


@dataclass
class GenerationReport:
    schedule: Schedule
    created: list[Session] = field(default_factory=list)
    moved: list[Session] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    cancelled: list[Session] = field(default_factory=list)
    kept_with_bookings: list[Session] = field(default_factory=list)
    #: Sessions staff moved or resized by hand, which the schedule leaves as they are.
    kept_changed_by_hand: list[Session] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.moved or self.removed or self.cancelled)

    def summary(self) -> str:
        parts = [
            ngettext("%(n)d session created", "%(n)d sessions created", len(self.created))
            % {"n": len(self.created)},
            ngettext("%(n)d moved", "%(n)d moved", len(self.moved)) % {"n": len(self.moved)},
            ngettext("%(n)d removed", "%(n)d removed", len(self.removed))
            % {"n": len(self.removed) + len(self.cancelled)},
            ngettext("%(n)d unchanged", "%(n)d unchanged", self.unchanged) % {"n": self.unchanged},
        ]
        text = _("%(schedule)s: %(parts)s.") % {
            "schedule": self.schedule,
            "parts": ", ".join(parts),
        }
        if self.kept_with_bookings:
            kept = "; ".join(str(s) for s in self.kept_with_bookings)
            text += " " + ngettext(
                "%(n)d session no longer matches the schedule but has bookings, so it was "
                "kept: %(kept)s.",
                "%(n)d sessions no longer match the schedule but have bookings, so they were "
                "kept: %(kept)s.",
                len(self.kept_with_bookings),
            ) % {"n": len(self.kept_with_bookings), "kept": kept}
        if self.kept_changed_by_hand:
            text += " " + ngettext(
                "%(n)d session changed by hand was left as it is.",
                "%(n)d sessions changed by hand were left as they are.",
                len(self.kept_changed_by_hand),
            ) % {"n": len(self.kept_changed_by_hand)}
        return text


def occurrences(
    schedule: Schedule, first_day: dt.date, last_day: dt.date, tz: dt.tzinfo
) -> list[Occurrence]:
    """The schedule's occurrences with local dates in [first_day, last_day].

    Wall-clock times are made aware in ``tz`` and the duration is added in UTC, so a
    19:00 class stays at 19:00 local time on both sides of a DST change and lasts
    exactly its duration. A start time that falls in a spring-forward gap moves
    forward by the gap (02:30 becomes 03:30), as zoneinfo resolves it.
    """
    first = max(first_day, schedule.starts_on)
    last = last_day if schedule.ends_on is None else min(last_day, schedule.ends_on)
    if last < first or not schedule.weekdays:
        return []
    rule = rrule(
        WEEKLY,
        byweekday=list(schedule.weekdays),
        dtstart=dt.datetime.combine(first, schedule.start_time),
        until=dt.datetime.combine(last, schedule.start_time),
    )
    duration = dt.timedelta(minutes=schedule.duration_minutes)
    result = []
    for naive in rule:
        start = naive.replace(tzinfo=tz).astimezone(UTC)
        result.append(Occurrence(date=naive.date(), start=start, end=start + duration))
    return result


def _rule_allows(schedule: Schedule, day: dt.date) -> bool:
    if day < schedule.starts_on or (schedule.ends_on and day > schedule.ends_on):
        return False
    return day.weekday() in schedule.weekdays


def generate_sessions(
    schedule: Schedule, *, now: dt.datetime | None = None, horizon_days: int | None = None
) -> GenerationReport:
    """Create, move or remove the schedule's future sessions within the horizon.

    The horizon is ``horizon_days`` local days starting today, so 56 days produce
    exactly eight of each weekday.

    Locks the schedule row, then its future sessions in primary-key order, so a
    booking made at the same moment either lands before (and the session is kept)
    or waits and finds the session already changed.
    """
    now = now or timezone.now()
    tz = passes_settings.tzinfo
    horizon = horizon_days if horizon_days is not None else passes_settings.SCHEDULE_HORIZON_DAYS
    today = now.astimezone(tz).date()

    with lock_waits.atomic():  # a lock not granted in time is refused busy
        schedule = lock_waits.locked_row(
            Schedule.objects.select_for_update(of=("self",)).select_related(
                "programme_class__programme"
            ),
            pk=schedule.pk,
        )
        report = GenerationReport(schedule=schedule)
        wanted = {
            occ.date: occ
            for occ in occurrences(schedule, today, today + dt.timedelta(days=horizon - 1), tz)
            if occ.start > now
        }
        existing = list(
            Session.objects.select_for_update(of=("self",))
            .filter(schedule=schedule, occurrence_date__gte=today)
            .order_by("pk")
        )
        active_bookings = Counter(
            dict(
                Booking.objects.active()
                .filter(session__in=existing)
                .values("session")
                .annotate(n=Count("pk"))
                .values_list("session", "n")
            )
        )
        with_any_booking = set(
            Booking.objects.filter(session__in=existing).values_list("session", flat=True)
        )

        for session in existing:
            occ = wanted.pop(session.occurrence_date, None)
            if session.start <= now or session.is_cancelled:
                continue  # the past and staff-cancelled sessions are history
            if session.changed_by_hand:
                report.kept_changed_by_hand.append(session)  # staff's change stands
                continue
            if occ is None:
                if not _rule_allows(schedule, session.occurrence_date):
                    _retire(session, report, active_bookings, with_any_booking, now)
                else:
                    report.unchanged += 1  # beyond the horizon; left for a later run
                continue
            if (session.start, session.end, session.capacity) == (
                occ.start,
                occ.end,
                schedule.capacity,
            ):
                report.unchanged += 1
            elif active_bookings[session.pk]:
                report.kept_with_bookings.append(session)
            else:
                session.start, session.end, session.capacity = occ.start, occ.end, schedule.capacity
                session.save(update_fields=["start", "end", "capacity"])
                report.moved.append(session)

        new_sessions = [
            Session(
                programme_class=schedule.programme_class,
                schedule=schedule,
                occurrence_date=occ.date,
                start=occ.start,
                end=occ.end,
                capacity=schedule.capacity,
            )
            for occ in wanted.values()
        ]
        report.created = Session.objects.bulk_create(new_sessions)
    return report


def _retire(session, report, active_bookings, with_any_booking, now) -> None:
    """Take away a future session the schedule no longer produces."""
    if active_bookings[session.pk]:
        report.kept_with_bookings.append(session)
    elif session.pk in with_any_booking:
        # Only cancelled bookings point at it: keep the history, cancel the session.
        session.is_cancelled, session.cancelled_at = True, now
        session.save(update_fields=["is_cancelled", "cancelled_at"])
        report.cancelled.append(session)
    else:
        report.removed.append(str(session))
        session.delete()


def generate_all_sessions(*, now: dt.datetime | None = None) -> list[GenerationReport]:
    """Run :func:`generate_sessions` for every schedule that can still produce sessions."""
    now = now or timezone.now()
    today = now.astimezone(passes_settings.tzinfo).date()
    schedules = Schedule.objects.exclude(ends_on__lt=today).order_by("pk")
    return [generate_sessions(schedule, now=now) for schedule in schedules]
