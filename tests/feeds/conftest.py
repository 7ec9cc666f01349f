import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from icalendar import Calendar

from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)


@pytest.fixture
def programme(db):
    return ProgrammeFactory(
        name="Pay-as-you-go yoga", slug="yoga", currency="EUR", default_unit_price=Decimal("12.00")
    )


@pytest.fixture
def yoga_class(programme):
    return ProgrammeClassFactory(
        programme=programme, name="Yoga Flow", location="Studio 2", instructor="Ann Lee"
    )


@pytest.fixture
def make_session(yoga_class):
    def make(days=2, hours=1, **kwargs):
        start = kwargs.pop("start", None) or (
            timezone.now().replace(minute=0, second=0, microsecond=0)
            + dt.timedelta(days=days, hours=hours)
        )
        kwargs.setdefault("programme_class", yoga_class)
        return SessionFactory(start=start, end=start + dt.timedelta(hours=1), **kwargs)

    return make


@pytest.fixture
def member(db):
    return UserFactory(username="lee")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))
