"""Dates and times in words, the same way on pages, in the admin, in emails and in
refusal messages. Moments are shown in the site's time zone (``WAGTAIL_PASSES_TIME_ZONE``).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format

from .conf import passes_settings

EMPTY = "—"

DAY_FORMAT = "j F Y"  # 9 March 2027
WEEKDAY_FORMAT = "l j F Y"  # Monday 9 March 2027
MOMENT_FORMAT = "j F Y, H:i"  # 9 March 2027, 18:30


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment, passes_settings.tzinfo)


def format_day(day: dt.date) -> str:
    return date_format(day, DAY_FORMAT)


def format_weekday(day: dt.date) -> str:
    return date_format(day, WEEKDAY_FORMAT)


def format_moment(moment: dt.datetime) -> str:
    """An aware moment as the site's local date and time."""
    return date_format(local(moment), MOMENT_FORMAT)


def format_session_time(session) -> str:
    """ "Yoga Flow, 9 March 2027, 18:30"."""
    return f"{session.programme_class.name}, {format_moment(session.start)}"


def person(user) -> str:
    """A user as staff recognise them: "Ann Lee (ann)", or the username alone."""
    if user is None:
        return EMPTY
    username = user.get_username()
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return f"{full_name} ({username})" if full_name and full_name != username else username
