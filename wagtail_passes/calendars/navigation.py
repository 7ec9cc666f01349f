"""Which days a calendar view shows, read from the host page's query string.

A block's parameters are namespaced by its id (``passes_view_<key>``, ``passes_from_<key>``,
``passes_day_<key>`` and the filters' names in ``filters.py``), so two calendars on one page
never move each other; every other parameter of the page's URL is kept. Anything unexpected
— an unknown view, a malformed date, a date before today's period or beyond the horizon —
falls back to today's view, never an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from .blocks import LIST, MONTH, NEXT, VIEW_CHOICES, WEEK

#: Days the list view shows at a time.
LIST_DAYS = 28
#: Days the "next 7 days" view shows at a time.
NEXT_DAYS = 7
#: Views that start on any day (today at the earliest), not on a Monday or a 1st.
ROLLING = {NEXT: NEXT_DAYS, LIST: LIST_DAYS}
VIEWS = {code for code, label in VIEW_CHOICES}


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def period_start(view: str, day: dt.date) -> dt.date:
    if view == WEEK:
        return monday(day)
    if view == MONTH:
        return first_of_month(day)
    return day


def period_end(view: str, start: dt.date) -> dt.date:
    """The first day after the period (exclusive)."""
    if view == WEEK:
        return start + dt.timedelta(days=7)
    if view == MONTH:
        return add_months(start, 1)
    return start + dt.timedelta(days=ROLLING.get(view, LIST_DAYS))


@dataclass(frozen=True)
class Period:
    view: str
    start: dt.date  # first day of the period
    end: dt.date  # first day after it
    today: dt.date
    horizon: dt.date  # first day beyond what the calendar shows
    previous: dt.date | None
    next: dt.date | None
    fell_back: bool = False  # the query string asked for something invalid

    @property
    def shown_from(self) -> dt.date:
        return max(self.start, self.today)

    @property
    def shown_until(self) -> dt.date:
        return min(self.end, self.horizon)


def parse_period(view, start, *, default_view: str, today: dt.date, weeks_ahead: int) -> Period:
    """The period asked for by the (untrusted) query values ``view`` and ``start``."""
    horizon = today + dt.timedelta(days=7 * weeks_ahead)
    fell_back = False
    if view not in VIEWS:
        fell_back = view is not None
        view = default_view if default_view in VIEWS else NEXT
    day = today
    if start is not None:
        try:
            day = dt.date.fromisoformat(start) if len(start) == 10 else None
        except (TypeError, ValueError):
            day = None
        if day is None or not period_start(view, today) <= day < horizon:
            fell_back, day = True, today
    first = period_start(view, day)
    if view in ROLLING:
        first = max(first, today)
    end = period_end(view, first)
    earliest = period_start(view, today)
    if view in ROLLING:
        back = first - dt.timedelta(days=ROLLING[view])
        previous = max(back, today) if first > today else None
    else:
        back = period_start(view, first - dt.timedelta(days=1))
        previous = back if back >= earliest else None
    following = end if end < horizon else None
    return Period(view, first, end, today, horizon, previous, following, fell_back)


#: The filters' own parameters (``passes_<name>_<key>``); what they mean: ``filters.py``.
FILTER_NAMES = ("programme", "class", "where", "teacher", "time", "mine", "open")


class Params:
    """The names of one calendar's query parameters, and links that change only them."""

    def __init__(self, key: str, path: str = "", query=None):
        self.view = f"passes_view_{key}"
        self.start = f"passes_from_{key}"
        self.day = f"passes_day_{key}"  # the day chosen in the day strip (narrow screens)
        self.filters = {name: f"passes_{name}_{key}" for name in FILTER_NAMES}
        self.path = path
        self.query = query  # a QueryDict (the request's), or None
        self.anchor = f"wp-calendar-{key}"
        self.applied: list[tuple[str, str]] = []  # (parameter, value) of the filters in force
        self._own = {self.view, self.start, self.day, *self.filters.values()}

    def get(self, name: str):
        return None if self.query is None else self.query.get(name)

    def read(self):
        return self.get(self.view), self.get(self.start)

    def others(self) -> list[tuple[str, str]]:
        """The page's own parameters (a search, another calendar's): every link keeps them."""
        if self.query is None:
            return []
        return [
            (name, value)
            for name, values in self.query.lists()
            if name not in self._own
            for value in values
        ]

    def url(
        self,
        view: str,
        start: dt.date | None,
        *,
        day: dt.date | None = None,
        filters: bool = True,
        anchor: str = "",
    ) -> str:
        """This page with the calendar on ``view`` from ``start`` (None: today), keeping the
        filters in force (unless ``filters`` is false) and every other parameter."""
        items = self.others()
        items.append((self.view, view))
        if start is not None:
            items.append((self.start, start.isoformat()))
        if filters:
            items.extend(self.applied)
        if day is not None:
            items.append((self.day, day.isoformat()))
        return f"{self.path}?{urlencode(items)}#{anchor or self.anchor}"

    def day_urls(self, view: str, start: dt.date | None, days, *, anchor: str) -> list[str]:
        """``url(view, start, day=day, anchor=anchor)`` for each of ``days``: the query they
        share is encoded once (the day comes last), not once per day of the strip."""
        shared = self.url(view, start, anchor="-")[: -len("#-")]
        name = urlencode([(self.day, "")])  # "passes_day_<key>="
        return [f"{shared}&{name}{day.isoformat()}#{anchor}" for day in days]
