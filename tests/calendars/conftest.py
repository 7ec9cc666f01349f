"""Fixtures of the calendar tests (CAL1, CAL2, M3): a programme with a class, sessions on
chosen local days and times, a request as the block sees it, and a host page with the block."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from tests.households import holders
from wagtail_passes.calendars.blocks import CalendarBlock
from wagtail_passes.conf import passes_settings
from wagtail_passes.presentation import local_today
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    default_site_root,
)

BLOCK_ID = "0a1b2c3d-0000-4000-8000-000000000000"
KEY = "0a1b2c3d"


def at(days: int, hour: int = 18, minute: int = 0) -> dt.datetime:
    """A moment ``days`` after today, at a local wall time of the site."""
    day = local_today() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=passes_settings.tzinfo)


@pytest.fixture
def yoga(db):
    return ProgrammeFactory(name="Yoga", default_unit_price=Decimal("12.00"), currency="EUR")


@pytest.fixture
def flow(yoga):
    return ProgrammeClassFactory(
        programme=yoga, name="Yoga Flow", location="Studio 1", instructor="Ana"
    )


@pytest.fixture
def make_session(flow):
    def make(days=1, hour=18, minute=0, klass=None, **kwargs):
        start = at(days, hour, minute)
        return SessionFactory(
            programme_class=klass or flow, start=start, end=start + dt.timedelta(hours=1), **kwargs
        )

    return make


@pytest.fixture
def member(db):
    return UserFactory(username="ann")


def block_value(**settings):
    values = {
        "programmes": [],
        "classes": [],
        "first_view": "week",
        "weeks_ahead": 8,
        "show_price": True,
        "show_places": True,
    }
    values.update(settings)
    values["programmes"] = [str(v) for v in values["programmes"]]
    values["classes"] = [str(v) for v in values["classes"]]
    return CalendarBlock().to_python(values)


@pytest.fixture
def request_for():
    def make(user=None, path="/classes/", **params):
        request = RequestFactory().get(path, params)
        request.user = user or AnonymousUser()
        request.session = SessionStore()
        return request

    return make


@pytest.fixture
def render_block(request_for):
    """``render_block(value, user=None, **query)``: the block's HTML as a page shows it."""

    def render(value, user=None, block_id=BLOCK_ID, **params):
        request = request_for(user, **params)
        return CalendarBlock().render(value, context={"request": request, "id": block_id})

    return render


@pytest.fixture
def calendar_page(db):
    """``calendar_page(value, ...)``: a live host page whose body holds the block."""
    from tests.testapp.models import CalendarTestPage

    def make(*values, title="Classes", slug="classes"):
        page = CalendarTestPage(title=title, slug=slug)
        page.body = json.dumps(
            [
                {
                    "type": "calendar",
                    "value": CalendarBlock().get_prep_value(value),
                    "id": BLOCK_ID if i == 0 else f"ffff{i:04d}-0000-4000-8000-000000000000",
                }
                for i, value in enumerate(values)
            ]
        )
        default_site_root().add_child(instance=page)
        return page

    return make


def bulk_sessions(count: int, klass, *, days: int = 27, first_day: int = 1):
    """``count`` sessions of ``klass`` spread over ``days`` days from ``first_day`` on."""
    from wagtail_passes.models import Session

    rows = []
    for i in range(count):
        start = at(first_day + i % days, 7 + (i // days) % 14, (i * 7) % 60)
        rows.append(
            Session(programme_class=klass, start=start, end=start + dt.timedelta(minutes=45))
        )
    return Session.objects.bulk_create(rows)


def past_history(member, member_passes, count: int, klass):
    """``count`` past bookings of ``member``, each paid by one of ``member_passes`` (a
    redemption), written in bulk as years of history would have left them."""
    from wagtail_passes.models import Booking, LedgerEntry, LedgerKind, Session

    sessions = []
    for i in range(count):
        start = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=i)
        sessions.append(
            Session(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))
        )
    sessions = Session.objects.bulk_create(sessions)
    person = holders([member])[member.pk]
    bookings = Booking.objects.bulk_create(
        [
            Booking(
                member=member,
                person=person,
                session=s,
                attendees=1,
                member_pass=member_passes[i % len(member_passes)],
                price=Decimal("12.00"),
                currency="EUR",
                status="attended",
            )
            for i, s in enumerate(sessions)
        ]
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                member_pass=b.member_pass,
                kind=LedgerKind.REDEEM,
                amount=Decimal(0),
                balance_after=b.member_pass.balance,
                session=b.session,
                session_day=b.session.start.date(),
                attendees=1,
                booking=b,
            )
            for b in bookings
        ]
    )
