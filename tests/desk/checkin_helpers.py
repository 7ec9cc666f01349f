"""What the check-in tests share: a fixed clock and a day of sessions.

The clock stands at 17:40 on Wednesday 10 March 2027 in London (GMT, the site's time
zone in the tests). Yoga Flow starts at 18:00 (check-in opened at 17:30), Pilates at
19:30 (check-in opens at 19:00); a cancelled 12:00 session and a session of the next
day are not on the day's sheet.
"""

from __future__ import annotations

import datetime as dt

from wagtail_passes.test.factories import ProgrammeClassFactory, SessionFactory, UserFactory

UTC = dt.UTC
NOW = dt.datetime(2027, 3, 10, 17, 40, tzinfo=UTC)
DAY = dt.date(2027, 3, 10)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def session_at(start: dt.datetime, minutes: int = 60, **class_fields):
    class_fields.setdefault("programme__name", "Yoga")
    class_fields.setdefault("name", "Flow")
    capacity = class_fields.pop("capacity", 12)
    return SessionFactory(
        programme_class=ProgrammeClassFactory(capacity=capacity, **class_fields),
        start=start,
        end=start + dt.timedelta(minutes=minutes),
    )


def member(username: str, first: str, last: str):
    return UserFactory(
        username=username, first_name=first, last_name=last, email=f"{username}@example.org"
    )
