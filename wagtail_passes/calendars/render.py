"""One renderer for every calendar view: the block (week, month, list) and a programme's
"Book a date" page (M3) build their context here, so they say the same things."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..conf import passes_settings
from ..presentation import format_day, format_month, format_weekday, local_today
from ..rules.dates import active_locale, format_time_of_day, local_moment
from .blocks import LIST, MONTH, NEXT, VIEW_CHOICES, WEEK, CalendarBlock
from .filters import Choices, choices_of, covered_by, form_fields, load_classes, read_filters
from .household import dependants_of, household_line
from .loading import (
    MemberView,
    ProductsOnSale,
    member_view,
    places_left,
    sessions_between,
    usable_passes,
)
from .navigation import Params, parse_period
from .words import ForTemplates, Links, Texts, standing


@dataclass(frozen=True)
class CalendarConfig(ForTemplates):
    key: str  # namespaces the query parameters and the element ids
    programme_ids: tuple[int, ...] = ()
    class_ids: tuple[int, ...] = ()
    first_view: str = NEXT
    weeks_ahead: int = 8
    show_price: bool = True
    show_places: bool = True
    views: tuple[str, ...] = (NEXT, WEEK, MONTH, LIST)  # the views a visitor may switch to
    heading_level: int = 2


def block_key(block_id, value) -> str:
    """The block's id in its StreamField (first 8 characters), else a digest of its
    settings, so links stay stable between requests."""
    if block_id:
        return "".join(c for c in str(block_id) if c.isalnum())[:8] or "cal"
    raw = repr(sorted((k, repr(v)) for k, v in value.items()))
    return hashlib.blake2s(raw.encode(), digest_size=4).hexdigest()


def config_from_block(value, block_id=None) -> CalendarConfig:
    programme_ids, class_ids = CalendarBlock.chosen_ids(value)
    weeks = value.get("weeks_ahead") or 8
    return CalendarConfig(
        key=block_key(block_id, value),
        programme_ids=tuple(programme_ids),
        class_ids=tuple(class_ids),
        first_view=value.get("first_view") or NEXT,
        weeks_ahead=min(max(int(weeks), 1), 26),
        show_price=bool(value.get("show_price")),
        show_places=bool(value.get("show_places")),
    )


def calendar_context(value, context) -> dict:
    """The block's template context (``CalendarBlock.get_context``): ``context`` is the one
    Wagtail passes, the page's with ``{% include_block %}``, only the block's id with
    ``{{ page.body }}`` (then see ``standalone``)."""
    config = config_from_block(value, context.get("id"))
    request = context.get("request")
    if request is None:
        from .standalone import without_request

        return without_request(config)
    return {"calendar": build_calendar(request, config)}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=passes_settings.tzinfo)


@dataclass
class Row(ForTemplates):
    """One session as the templates show it."""

    session: object
    session_id: int
    start: dt.datetime  # local
    end: dt.datetime  # local
    time: str
    end_time: str
    title: str
    programme: str
    location: str
    instructor: str
    places: str
    full: bool
    price: str
    standing: object
    cancelled: bool
    detail_url: str  # the session's booking page (through the login for a visitor)
    start_iso: str = ""
    end_iso: str = ""
    instructor_text: str = ""  # "with Ana"
    label: str = ""  # "Yoga Flow, Tuesday 8 December 18:00": names the session's links
    household: str = ""  # F1: "Ana: Kids ten pays · Leo: no pass of theirs pays"


@dataclass
class Day(ForTemplates):
    date: dt.date
    name: str  # "Tuesday, 8 December 2026"
    rows: list
    in_period: bool = True
    is_today: bool = False
    past: bool = False
    # The day strip (narrow screens): the day shown, its tab's link and words.
    chosen: bool = False
    iso: str = ""  # "2026-12-08": the day's element ids, read without a call per use
    strip_url: str = ""
    strip_weekday: str = ""  # "Tue"
    strip_date: str = ""  # "8 Dec"
    count_text: str = ""  # "3 sessions"


def build_calendar(
    request, config: CalendarConfig, *, now=None, path=None, links_for=Links
) -> dict:
    """Everything a calendar template needs; a constant number of queries. ``path``: the page
    its links lead to (default: the request's); ``links_for(here)``: the sessions' links,
    given the calendar's own URL (standalone.py's, for a block rendered without a request)."""
    now = now or timezone.now()
    today = local_today()
    query = getattr(request, "GET", None)
    if path is None:
        path = request.path if request is not None else ""
    params = Params(config.key, path, query)
    user = getattr(request, "user", None)
    anonymous = not getattr(user, "is_authenticated", False)
    chosen = bool(config.programme_ids or config.class_ids)
    classes = load_classes(config.programme_ids, config.class_ids) if chosen else []
    choices = choices_of(classes) if chosen else Choices()
    filters = read_filters(params, choices, member=not anonymous)
    params.applied = [(params.filters[name], value) for name, value in filters.values().items()]
    asked_view, asked_start = params.read()
    if asked_view is not None and asked_view not in config.views:
        asked_view = "invalid"
    period = parse_period(
        asked_view,
        asked_start,
        default_view=config.first_view if config.first_view in config.views else config.views[0],
        today=today,
        weeks_ahead=config.weeks_ahead,
    )
    start, end = _midnight(period.shown_from), _midnight(period.shown_until)
    sessions = []
    passes = where = None
    if filters.mine:
        # The member's passes first: the query returns only the classes they cover.
        passes = usable_passes(user)
        where = covered_by(passes)
    if period.shown_from < period.shown_until and chosen:
        sessions = sessions_between(
            start,
            end,
            programme_ids=config.programme_ids,
            class_ids=config.class_ids,
            filters=filters,
            where=where,
            classes=classes,
        )
    mine = MemberView() if anonymous else member_view(user, sessions, start, end, passes=passes)
    # F1: the household's dependants, each judged on their own passes and bookings.
    household = [
        (person.display_name, member_view(person, sessions, start, end))
        for person in ([] if anonymous or not sessions else dependants_of(user))
    ]
    if filters.mine:
        # A pass covers the class; keep what one would pay (R1's verdicts, as the words say).
        sessions = [s for s in sessions if s.pk in mine.bookings or mine.payer(s) is not None]
    here = params.url(period.view, period.start) if request is not None or path else ""
    links = links_for(here)
    products = ProductsOnSale(request)
    tz = passes_settings.tzinfo
    times: dict = {}

    def clock(moment):
        key = (moment.hour, moment.minute)
        if key not in times:
            times[key] = format_time_of_day(dt.time(*key))
        return times[key]

    prices: dict = {}
    texts = Texts()
    by_day: dict[dt.date, list[Row]] = {}
    day_labels: dict = {}
    instructors: dict = {}
    for session in sessions:
        klass = session.programme_class
        programme = klass.programme
        left = places_left(session)
        begins, ends = local_moment(session.start, tz), local_moment(session.end, tz)
        price = mine.price_of(session)
        if price not in prices:
            prices[price] = texts.free if price.is_zero else str(price)
        window = session.booking_window(now, tz)
        day = begins.date()
        if day not in day_labels:
            day_labels[day] = format_weekday_day(day)
        if klass.instructor and klass.instructor not in instructors:
            instructors[klass.instructor] = texts.__getattr__("with") % {"name": klass.instructor}
        row = Row(
            session=session,
            session_id=session.pk,
            start=begins,
            end=ends,
            time=clock(begins),
            end_time=clock(ends),
            title=klass.name,
            programme=programme.name,
            location=klass.location,
            instructor=klass.instructor,
            places=texts.places(left),
            full=left <= 0,
            price=prices[price],
            standing=standing(
                session,
                left=left,
                window=window,
                member_view=mine,
                links=links,
                products=products,
                anonymous=anonymous,
                now=now,
                texts=texts,
            ),
            cancelled=session.is_cancelled,
            detail_url=""
            if session.is_cancelled
            else (links.login(session) if anonymous else links.book(session)),
            start_iso=begins.isoformat(),
            end_iso=ends.isoformat(),
            instructor_text=instructors.get(klass.instructor, ""),
            label=texts.label % {"name": klass.name, "day": day_labels[day], "time": clock(begins)},
            household=household_line(session, household)
            if household and not session.is_cancelled
            else "",
        )
        by_day.setdefault(day, []).append(row)

    days = _days(period, by_day, today)
    busy_days = [day for day in days if day.rows]
    strip = _day_strip(period, days if period.view == WEEK else busy_days, params, today)
    is_current = (
        period.start
        == parse_period(
            period.view, None, default_view=period.view, today=today, weeks_ahead=1
        ).start
    )
    # Only the view shown is worded (each is a translation and a date in words).
    titles = {
        NEXT: lambda: (
            _("Next 7 days")
            if is_current
            else format_days(period.start, period.end - dt.timedelta(days=1))
        ),
        WEEK: lambda: _("Week of %(day)s") % {"day": format_day(period.start)},
        MONTH: lambda: format_month(period.start),
        LIST: lambda: _("From %(day)s") % {"day": format_day(period.start)},
    }
    view_names = dict(VIEW_CHOICES)
    return {
        "key": config.key,
        "dom_id": params.anchor,
        "config": config,
        # Read once per session by the templates: at the top, not two lookups deep.
        "show_places": config.show_places,
        "show_price": config.show_price,
        "view": period.view,
        "period": period,
        "title": titles[period.view](),
        "days": days,
        "weeks": _weeks(days) if period.view == MONTH else [],
        "weekday_names": _weekday_names(),
        "busy_days": busy_days,
        "strip": strip,
        "strip_id": f"{params.anchor}-days",
        "count": len(sessions),
        "anonymous": anonymous,
        "views": [
            {
                "code": code,
                "name": view_names[code],
                "url": params.url(code, None if code == period.view else period.start)
                if code != period.view
                else here,
                "current": code == period.view,
            }
            for code in config.views
        ],
        "previous_label": {
            NEXT: _("Previous 7 days"),
            WEEK: _("Previous week"),
            MONTH: _("Previous month"),
            LIST: _("Earlier sessions"),
        }[period.view],
        "next_label": {
            NEXT: _("Following 7 days"),
            WEEK: _("Next week"),
            MONTH: _("Next month"),
            LIST: _("Later sessions"),
        }[period.view],
        "previous_url": params.url(period.view, period.previous) if period.previous else "",
        "next_url": params.url(period.view, period.next) if period.next else "",
        "today_url": params.url(period.view, None),
        "is_current": is_current,
        "here": here,
        "fell_back": period.fell_back,
        "filters": {
            **form_fields(params, filters, member=not anonymous),
            "applied": filters.applied,
            "action": f"{path}#{params.anchor}",
            # The page's other parameters and the view asked for: a filter keeps them.
            "hidden": [
                *params.others(),
                (params.view, period.view),
                (params.start, period.start.isoformat()),
            ],
            "clear_url": params.url(period.view, period.start, filters=False)
            if filters.applied
            else "",
        },
        "heading_tag": f"h{config.heading_level}",
        "day_tag": f"h{config.heading_level + 1}",
    }


def _days(period, by_day, today) -> list[Day]:
    days = []
    day = period.start
    while day < period.end:
        days.append(
            Day(
                date=day,
                name=_weekday_in(active_locale(), day),
                rows=by_day.get(day, []),
                iso=day.isoformat(),
                is_today=day == today,
                past=day < today,
            )
        )
        day += dt.timedelta(days=1)
    return days


def _day_strip(period, candidates: list[Day], params, today) -> list[Day]:
    """The day strip a narrow screen shows instead of one long list: a tab per day (the
    view's days with sessions; every day of a week), each a link to the page with that day
    chosen (``passes_day_<key>``), so it works without JavaScript. The chosen day is the one
    asked for, else the first from today with sessions, else today. None for one day or none."""
    if len(candidates) < 2:
        return []
    dates = {day.date for day in candidates}
    asked = params.get(params.day)
    try:
        chosen = dt.date.fromisoformat(asked) if asked and len(asked) == 10 else None
    except ValueError:
        chosen = None
    if chosen not in dates:
        # The first day from today with sessions, else today (a week's), else the first.
        busy = [day.date for day in candidates if day.rows and day.date >= today]
        chosen = busy[0] if busy else (today if today in dates else candidates[0].date)
    anchor = f"{params.anchor}-days"
    urls = params.day_urls(period.view, period.start, [d.date for d in candidates], anchor=anchor)
    counts: dict[int, str] = {}  # "3 sessions", translated once per number
    for day, url in zip(candidates, urls, strict=True):
        day.chosen = day.date == chosen
        day.strip_url = url
        day.strip_weekday, day.strip_date = format_strip_day(day.date)
        count = len(day.rows)
        if count not in counts:
            counts[count] = ngettext("%(n)s session", "%(n)s sessions", count) % {"n": count}
        day.count_text = counts[count]
    return candidates


def _weeks(days: list[Day]) -> list[list[Day | None]]:
    """The month's days in rows of seven, Monday first, padded with None."""
    cells: list[Day | None] = [None] * days[0].date.weekday() + list(days)
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


@lru_cache(maxsize=2048)
def _weekday_in(locale, day: dt.date) -> str:
    # "Tuesday, 8 December 2026" in ``locale``, the active one (the key of the cache).
    return format_weekday(day)


@lru_cache(maxsize=2048)
def _day_in(locale, skeleton: str, day: dt.date) -> str:
    # Locale data and a day's words never change: a calendar's days are formatted once per
    # process, not on every request. babel's fuzzy match of a skeleton the locale lacks
    # ("EEE") reads all its skeletons, about a millisecond a day shown.
    from babel import dates as babel_dates

    return babel_dates.format_skeleton(skeleton, day, locale=locale)


def _day_words(skeleton: str, day: dt.date) -> str:
    return _day_in(active_locale(), skeleton, day)


def format_weekday_day(day: dt.date) -> str:
    """ "Tuesday 8 December", in the active language."""
    return _day_words("MMMMEEEEd", day)


def format_days(first: dt.date, last: dt.date) -> str:
    """ "8–14 December 2026", in the active language."""
    from babel import dates as babel_dates

    return babel_dates.format_interval(first, last, "yMMMMd", locale=active_locale())


def format_strip_day(day: dt.date) -> tuple[str, str]:
    """("Tue", "8 Dec"): a day strip's tab, in the active language."""
    return _day_words("EEE", day), _day_words("MMMd", day)


def _weekday_names() -> list[tuple[str, str]]:
    """(abbreviated, full) weekday names, Monday first, in the active language."""
    from babel import dates as babel_dates

    locale = active_locale()
    short = babel_dates.get_day_names("abbreviated", locale=locale)
    full = babel_dates.get_day_names("wide", locale=locale)
    return [(short[i], full[i]) for i in range(7)]
