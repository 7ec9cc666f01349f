import datetime as dt
from decimal import Decimal

import pytest

from wagtail_passes.test.factories import ProgrammeClassFactory, ProgrammeFactory, UserFactory

#: Friday 5 June 2026, 10:00 in London (BST, UTC+1): "today" in most reminder tests. A
#: 7-day pass bought now is valid until Friday 12 June 2026 (V1: start + 7 days, inclusive).
NOW = dt.datetime(2026, 6, 5, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 5)
LAST_DAY = dt.date(2026, 6, 12)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def member(db):
    return UserFactory(username="lee", first_name="Lee", last_name="Park", email="lee@example.com")


@pytest.fixture
def yoga(db):
    return ProgrammeFactory(name="Yoga", slug="yoga", default_unit_price=Decimal("12.00"))


@pytest.fixture
def flow(yoga):
    return ProgrammeClassFactory(programme=yoga, name="Yoga Flow")


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS = [7, 1]
