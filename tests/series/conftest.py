"""Fixtures of the series tests (T1, T2): a Berlin studio on a UTC server, the clock on
Monday 1 March 2027, and a class held every Tuesday at 18:00 Berlin time through March and
April 2027, across the clock change of Sunday 28 March (18:00 is 17:00 UTC before it and
16:00 UTC after), with no session on Tuesday 16 March (a holiday)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from wagtail_passes.test.factories import ProgrammeClassFactory, SessionFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
SIX = dt.time(18, 0)
FIRST = dt.date(2027, 3, 2)
LAST = dt.date(2027, 4, 27)
HOLIDAY = dt.date(2027, 3, 16)
TUESDAY = 1


def at_six(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, SIX, tzinfo=BERLIN)


def tuesdays(first=FIRST, last=LAST):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def berlin_studio(settings):
    settings.TIME_ZONE = "UTC"
    settings.WAGTAIL_PASSES_TIME_ZONE = "Europe/Berlin"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_class(*, capacity=10, **programme):
    defaults = {"default_unit_price": Decimal("12.00"), "name": "Yoga"}
    defaults.update(programme)
    return ProgrammeClassFactory(
        name="Flow",
        capacity=capacity,
        **{f"programme__{key}": value for key, value in defaults.items()},
    )


def sessions_of(klass, days=None):
    made = {}
    for day in days or tuesdays():
        if day == HOLIDAY:
            continue
        made[day] = SessionFactory(
            programme_class=klass, start=at_six(day), end=at_six(day) + dt.timedelta(hours=1)
        )
    return made


@pytest.fixture
def klass(db):
    return make_class()


@pytest.fixture
def sessions(klass):
    return sessions_of(klass)


@pytest.fixture
def member(db):
    return UserFactory(first_name="Ann", last_name="Lee")
