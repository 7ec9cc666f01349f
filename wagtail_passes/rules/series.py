"""Which dates a series covers (T1): pure functions of dates, times and zones.

"Every Tuesday 18:00 from 6 January until 31 March" is the Tuesdays of that range, and on
each of them the session of the class that starts at 18:00 on the site's wall clock, also
across a clock change (18:00 in winter is 18:00 in summer, whatever UTC says). A Tuesday
with no such session (a bank holiday, a gap in the schedule) is listed as "no session that
day", never an error. A range with more dates than the bound is refused as a whole, never
cut short silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .dates import format_day, local_moment

WEEKDAYS = range(7)


@dataclass(frozen=True)
class SeriesPlan:
    """The verdict on a requested range: ``ok`` with its ``days``, or the refusal."""

    ok: bool
    days: tuple[dt.date, ...] = ()
    code: str = "ok"
    message: str = ""


@dataclass(frozen=True)
class DayMatch:
    """One day of the series: the session held then, or None."""

    day: dt.date
    session_id: int | None = None


def weekdays_between(weekday: int, starts_on: dt.date, ends_on: dt.date) -> list[dt.date]:
    """Every ``weekday`` (0 is Monday) from ``starts_on`` to ``ends_on``, both included."""
    first = starts_on + dt.timedelta(days=(weekday - starts_on.weekday()) % 7)
    days = []
    day = first
    while day <= ends_on:
        days.append(day)
        day += dt.timedelta(days=7)
    return days


def plan_series(weekday, starts_on, ends_on, max_dates: int) -> SeriesPlan:
    """T1: the days of a series, or why the range cannot be one."""
    if weekday not in WEEKDAYS or isinstance(weekday, bool):
        return SeriesPlan(False, code="invalid_weekday", message=_("Choose a day of the week."))
    if ends_on < starts_on:
        return SeriesPlan(
            False,
            code="invalid_range",
            message=_("The last date must not be before the first."),
        )
    # Count before listing: a range of centuries is refused without building it.
    span_weeks = (ends_on - starts_on).days // 7 + 1
    if span_weeks > max_dates + 1:
        return _too_many(max_dates)
    days = weekdays_between(weekday, starts_on, ends_on)
    if len(days) > max_dates:
        return _too_many(max_dates)
    if not days:
        return SeriesPlan(
            False,
            code="no_dates",
            message=_("There is no such day of the week between %(first)s and %(last)s.")
            % {"first": format_day(starts_on), "last": format_day(ends_on)},
        )
    return SeriesPlan(True, days=tuple(days))


def _too_many(max_dates: int) -> SeriesPlan:
    return SeriesPlan(
        False,
        code="too_many_dates",
        message=ngettext(
            "A series can have at most %(max)d date: choose an earlier last date.",
            "A series can have at most %(max)d dates: choose an earlier last date.",
            max_dates,
        )
        % {"max": max_dates},
    )


def match_sessions(days, at: dt.time, sessions, tz: dt.tzinfo) -> list[DayMatch]:
    """Each day with the session of ``sessions`` ((id, aware start) pairs) that starts on
    that day at ``at`` on the wall clock of ``tz``; the earliest when several do."""
    by_day: dict[dt.date, int] = {}
    for session_id, start in sorted(sessions, key=lambda pair: (pair[1], pair[0])):
        local = local_moment(start, tz)
        if (local.hour, local.minute) == (at.hour, at.minute):
            by_day.setdefault(local.date(), session_id)
    return [DayMatch(day, by_day.get(day)) for day in days]


__all__ = ["DayMatch", "SeriesPlan", "match_sessions", "plan_series", "weekdays_between"]
