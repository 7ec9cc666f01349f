"""Attendance policies (L1-L3): a programme with policies, its sessions on given days, a
member with a pass, and staff. Sessions are at 18:00 in London (GMT in winter: 18:00 UTC)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from wagtail_passes import services
from wagtail_passes.models import AttendanceCharge
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)


@pytest.fixture
def member(db):
    return UserFactory(username="kim", email="kim@example.com")


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def programme(db):
    return ProgrammeFactory(
        currency="EUR", default_unit_price=Decimal("12.00"), cancellation_cutoff_hours=24
    )


@pytest.fixture
def klass(programme):
    return ProgrammeClassFactory(programme=programme, name="Pilates")


def set_policy(programme, **fields):
    for name, value in fields.items():
        setattr(programme, name, value)
    programme.full_clean()
    programme.save()
    return programme


def session_on(klass, day: dt.date, hour: int = 18):
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def book_before(member, session, **kwargs):
    """Book ``session`` two days before it starts (the window is open)."""
    with at(session.start - dt.timedelta(days=2)):
        return services.book(member, session, **kwargs)


def charges_of(booking):
    return list(
        AttendanceCharge.objects.filter(booking=booking)
        .order_by("pk")
        .values_list("kind", "state", "amount")
    )


@pytest.fixture
def a_pass(member):
    return member_pass(member, quantity=Decimal(10), duration_days=400)
