"""Dates and times in words: the one place in wagtail_passes that formats them.

Everything is formatted with babel in the active Django language's conventions (en-gb
"9 March 2027", de "9. März 2027", ar "9 مارس 2027"), so pages, the admin, emails and
refusal messages read the same. Moments are shown in the time zone passed in, since a
pure rule cannot know the site's; ``wagtail_passes.presentation`` binds the site's zone
(``WAGTAIL_PASSES_TIME_ZONE``) for everything outside the rules.

=========================  ==============================  =====================
function                   en-gb                           used for
=========================  ==============================  =====================
``format_day``             9 March 2027                    dates in sentences
``format_weekday``         Tuesday, 9 March 2027           a session's day
``format_month``           March 2027                      monthly limits
``format_short_day``       9 Mar 2027                      list columns
``format_time``            18:30                           a time of day
``format_moment``          9 March 2027, 18:30             moments in sentences
``format_weekday_moment``  Tuesday, 9 March 2027, 18:30    a session's start
``format_short_moment``    Tue, 9 Mar 2027, 18:30          list columns
``format_brief_moment``    9 Mar, 18:30                    email subjects
=========================  ==============================  =====================
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from django.utils.translation import get_language, to_locale

FALLBACK_LANGUAGE = "en"


@lru_cache(maxsize=64)
def _locale_for(language: str) -> Locale | None:
    # "en-gb" -> en_GB; a variant babel does not know falls back to its base language.
    for candidate in (to_locale(language), language.split("-")[0]):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return None


def active_locale() -> Locale:
    """The babel locale of the active Django language. ``get_language`` already answers
    the site's ``LANGUAGE_CODE`` when no language is active; English is the last resort
    (translations switched off, or a language babel does not know)."""
    return _locale_for(get_language() or FALLBACK_LANGUAGE) or _locale_for(FALLBACK_LANGUAGE)


def local_moment(moment: dt.datetime, tz: dt.tzinfo | str) -> dt.datetime:
    """``moment`` on the wall clock of ``tz``.

    A naive datetime is refused: guessing its zone is how a Sunday-night session lands in
    the wrong week.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("dates need aware datetimes")
    return moment.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)


def local_date(moment: dt.datetime, tz: dt.tzinfo | str) -> dt.date:
    """The calendar date of ``moment`` in ``tz`` (the site's zone, V5)."""
    return local_moment(moment, tz).date()


# ---- days ------------------------------------------------------------------------


def format_day(day: dt.date) -> str:
    return babel_dates.format_date(day, "long", locale=active_locale())


def format_weekday(day: dt.date) -> str:
    return babel_dates.format_date(day, "full", locale=active_locale())


def format_month(day: dt.date) -> str:
    return babel_dates.format_skeleton("yMMMM", day, locale=active_locale())


def format_short_day(day: dt.date) -> str:
    # A skeleton rather than the "medium" width: de "9. März 2027", not "09.03.2027".
    return babel_dates.format_skeleton("yMMMd", day, locale=active_locale())


# ---- moments ---------------------------------------------------------------------


def format_time(moment: dt.datetime, tz: dt.tzinfo | str) -> str:
    local = local_moment(moment, tz)
    return babel_dates.format_time(local, "short", tzinfo=local.tzinfo, locale=active_locale())


def _date_and_time(date_text: str, moment: dt.datetime, tz, width: str) -> str:
    # The locale's own way of joining a date and a time: en "{1}, {0}", ar "{1}، {0}".
    locale = active_locale()
    pattern = str(babel_dates.get_datetime_format(width, locale=locale)).replace("'", "")
    return pattern.replace("{0}", format_time(moment, tz)).replace("{1}", date_text)


def format_moment(moment: dt.datetime, tz: dt.tzinfo | str) -> str:
    day = local_date(moment, tz)
    return _date_and_time(format_day(day), moment, tz, "long")


def format_weekday_moment(moment: dt.datetime, tz: dt.tzinfo | str) -> str:
    day = local_date(moment, tz)
    return _date_and_time(format_weekday(day), moment, tz, "full")


def format_short_moment(moment: dt.datetime, tz: dt.tzinfo | str) -> str:
    day = local_date(moment, tz)
    short_day = babel_dates.format_skeleton("yMMMEd", day, locale=active_locale())
    return _date_and_time(short_day, moment, tz, "medium")


def format_brief_moment(moment: dt.datetime, tz: dt.tzinfo | str) -> str:
    """Day and time without the year, where the context makes it plain."""
    day = local_date(moment, tz)
    brief_day = babel_dates.format_skeleton("MMMd", day, locale=active_locale())
    return _date_and_time(brief_day, moment, tz, "medium")


def format_day_or_moment(moment: dt.datetime, tz: dt.tzinfo | str) -> str:
    """The day alone when the moment is local midnight (a sale that starts "on 9 March
    2027"), else the day and time."""
    local = local_moment(moment, tz)
    if (local.hour, local.minute) == (0, 0):
        return format_day(local.date())
    return format_moment(moment, tz)


def format_weekday_names(weekdays) -> str:
    """ "Mon, Wed" for weekday numbers (0 is Monday, as ``date.weekday()``)."""
    names = babel_dates.get_day_names("abbreviated", locale=active_locale())
    return ", ".join(names[day] for day in weekdays)


def format_weekday_name(weekday: int) -> str:
    """ "Tuesday" for a weekday number (0 is Monday, as ``date.weekday()``)."""
    return babel_dates.get_day_names("wide", locale=active_locale())[weekday]


def format_time_of_day(time: dt.time) -> str:
    """A wall-clock time with no zone (a schedule's "18:30")."""
    return _time_of_day(str(active_locale()), time.hour, time.minute)


@lru_cache(maxsize=4096)
def _time_of_day(locale: str, hour: int, minute: int) -> str:
    # Babel formats a time in about 25 µs; a calendar of 500 sessions asks for hundreds.
    # A day has 1,440 minutes, so the words of each are kept per language.
    return babel_dates.format_time(dt.time(hour, minute), "short", locale=locale)
