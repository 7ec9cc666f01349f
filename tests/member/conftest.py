import datetime as dt
from decimal import Decimal

import pytest

from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
)

#: Wednesday 2 December 2026, 10:00 in London (GMT): the pages' "today" in most tests.
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def member(db):
    return UserFactory(username="lee", first_name="Lee", last_name="Park")


@pytest.fixture
def other(db):
    return UserFactory(username="sam")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def yoga(db):
    return ProgrammeFactory(name="Yoga", default_unit_price=Decimal("12.00"))


@pytest.fixture
def flow(yoga):
    return ProgrammeClassFactory(programme=yoga, name="Yoga Flow", location="Studio 2")
