"""Fixtures and helpers of the member profile's tests (tests/desk/test_profile*.py).

Today is Wednesday 10 March 2027, 10:00 in London (GMT). The fixtures are imported by the
test modules with ``from .profile_helpers import *`` (``__all__`` lists them).
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.urls import reverse

from wagtail_passes import services
from wagtail_passes.models import (
    BookingStatus,
    ProductKind,
    Registration,
)
from wagtail_passes.test.factories import (
    BookingFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
    sell,
)

__all__ = ["admin", "ann", "clock", "flow", "held", "many", "ten"]

UTC = dt.UTC
NOW = dt.datetime(2027, 3, 10, 10, 0, tzinfo=UTC)


def profile(member) -> str:
    return reverse("wagtail_passes_desk:member", args=[member.pk])


def at(days: float, hour: int = 18) -> dt.datetime:
    """``days`` after today at ``hour``:00 (London is on GMT: UTC)."""
    day = NOW.replace(hour=hour, minute=0) + dt.timedelta(days=days)
    return day


@pytest.fixture
def clock(db):
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin(clock, client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann(clock):
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.com")


@pytest.fixture
def flow(clock):
    yoga = ProgrammeFactory(name="Yoga", currency="EUR", default_unit_price=Decimal("12.00"))
    return ProgrammeClassFactory(programme=yoga, name="Yoga Flow")


def session_at(klass, start, **kwargs):
    return SessionFactory(
        programme_class=klass, start=start, end=start + dt.timedelta(hours=1), **kwargs
    )


@pytest.fixture
def ten(clock):
    return PassPageFactory(
        title="Ten classes", quantity=Decimal(10), duration_days=60, price=Decimal("90.00")
    )


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def block(response, name):
    """The panel of one block, or None when the page leaves it out."""
    return page(response).find(id=f"{name}-section")


def rows(section, table_id) -> list[list[str]]:
    """The text of each cell of a block's table (whitespace collapsed)."""
    table = section.find(id=table_id)
    if table is None:
        return []
    return [
        [" ".join(cell.get_text(" ").split()) for cell in tr.find_all("td")]
        for tr in table.find("tbody").find_all("tr")
    ]


def text(section) -> str:
    return " ".join(section.get_text(" ").split())


def links(section) -> dict[str, str]:
    """Link text -> href in the section (the last one wins)."""
    return {" ".join(a.get_text(" ").split()): a["href"] for a in section.find_all("a", href=True)}


# ---- what ann holds -------------------------------------------------------------------


@pytest.fixture
def held(clock, ann, ten, flow, superuser):
    """ann holds one of everything, each written by the services as staff would."""
    unlimited = PassPageFactory(
        title="Unlimited month", kind=ProductKind.UNLIMITED, quantity=None, duration_days=30
    )
    with time_machine.travel(NOW - dt.timedelta(days=5), tick=False):
        order = sell(ten, member=ann)  # paid, issued its pass
    bought = ann.passes_member_passes.get(order_line__order=order)
    services.adjust_pass(bought, Decimal(-1), superuser, "used elsewhere")
    services.hold_pass(bought, dt.date(2027, 3, 20), dt.date(2027, 3, 22), superuser)
    gift = services.assign_pass(ann, unlimited, superuser, reason="trial")
    pending = services.place_order(ann, ten, accepted_terms=True)
    old = member_pass(ann, ten, purchased_at=NOW - dt.timedelta(days=100))
    services.cancel_pass(old, superuser, "moved away")
    tomorrow = session_at(flow, at(1))
    booked = services.book(ann, tomorrow, by=superuser)
    past = session_at(flow, at(-2))
    attended = BookingFactory(member=ann, session=past, status=BookingStatus.ATTENDED)
    owing = BookingFactory(
        member=ann,
        session=session_at(flow, at(-1)),
        price=Decimal("12.00"),
        amount_due=Decimal("12.00"),
        currency="EUR",
    )
    full = session_at(flow, at(2), capacity=1)
    BookingFactory(session=full)
    waiting = services.join_waitlist(ann, full, by=superuser)
    registration = Registration.objects.create(member=ann, programme=flow.programme)
    return {
        "bought": bought,
        "gift": gift,
        "old": old,
        "order": order,
        "pending": pending,
        "booked": booked,
        "attended": attended,
        "owing": owing,
        "waiting": waiting,
        "registration": registration,
        "tomorrow": tomorrow,
    }


@pytest.fixture
def many(clock, ann, ten, flow, superuser):
    """ann with more than a page of everything."""
    for n in range(12):
        member_pass(ann, ten, purchased_at=NOW - dt.timedelta(days=n))
        session = session_at(flow, at(n + 1))
        services.book(ann, session, by=superuser)
        BookingFactory(member=ann, session=session_at(flow, at(-n - 1)), status="attended")
        services.place_order(ann, ten, accepted_terms=True)
        Registration.objects.create(member=ann, programme=ProgrammeFactory())
        full = session_at(flow, at(n + 1, hour=7), capacity=1)
        BookingFactory(session=full)
        services.join_waitlist(ann, full, by=superuser)
