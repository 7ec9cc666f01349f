"""P6 said before it applies: "Free cancellation until …" or "Cancelling is closed for this
session …" comes from one function, ``services.cancel_terms``, the one ``cancel_booking``
asks before it lets a member cancel — on the booking page before confirming, on the booked
page, in the calendar's row of a booked session and in the emails (``cancel_until``)."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from wagtail_passes import services
from wagtail_passes.calendars.blocks import CalendarBlock
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import BookingStatus
from wagtail_passes.services.cancel_terms import CancelTerms, cancel_terms
from wagtail_passes.services.notifications import cancel_until
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")  # the tests' time zone
START = dt.datetime(2026, 12, 9, 18, 0, tzinfo=LONDON)  # Wednesday
DEADLINE = dt.datetime(2026, 12, 8, 18, 0, tzinfo=LONDON)  # 24 hours before
OPEN = "Free cancellation until Tuesday, 8 December 2026, 18:00"
CLOSED = "Cancelling is closed for this session: the entry will not come back"
BEFORE = DEADLINE - dt.timedelta(days=2)
AFTER = DEADLINE + dt.timedelta(seconds=1)


@pytest.fixture
def session(db):
    klass = ProgrammeClassFactory(
        name="Yoga Flow",
        programme__cancellation_cutoff_hours=24,
        programme__default_unit_price=Decimal("12.00"),
        programme__currency="EUR",
    )
    return SessionFactory(programme_class=klass, start=START, end=START + dt.timedelta(hours=1))


@pytest.fixture
def holder(session):
    return member_pass(programmes=[session.programme_class.programme]).member


def words(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_p6_terms_on_both_sides_of_the_deadline(session):
    until = "Tuesday, 8 December 2026, 18:00"
    assert cancel_terms(session, BEFORE) == CancelTerms(True, DEADLINE, until, OPEN)
    assert cancel_terms(session, DEADLINE).open  # the deadline itself still counts
    closed = cancel_terms(session, AFTER)
    assert not closed.open and closed.text == CLOSED and str(closed) == CLOSED


@pytest.mark.parametrize(
    ("losing", "closed"),
    [
        ("due", "Cancelling is closed for this session: the price stays due"),
        ("paid", "Cancelling is closed for this session: the money will not come back"),
        ("nothing", "Cancelling is closed for this session"),
    ],
)
def test_p6_the_closed_sentence_says_what_stays_used(session, losing, closed):
    assert cancel_terms(session, AFTER, losing=losing).text == closed
    assert cancel_terms(session, BEFORE, losing=losing).text == OPEN


def test_p6_cancel_booking_asks_the_same_function(session, holder, monkeypatch):
    with time_machine.travel(BEFORE, tick=False):
        booking = services.book(holder, session)
        # Whatever the clock says, the service follows what the pages were told.
        closed = CancelTerms(False, DEADLINE, "", CLOSED)
        monkeypatch.setattr(services.booking, "cancel_terms", lambda *a, **k: closed)
        with pytest.raises(BookingError) as refused:
            services.cancel_booking(booking)
    assert refused.value.code == "cancellation_closed"


def test_p6_what_is_shown_is_what_is_enforced(session, holder):
    late = member_pass(programmes=[session.programme_class.programme]).member
    with time_machine.travel(BEFORE, tick=False):
        on_time = services.book(holder, session)
        too_late = services.book(late, session)
    with time_machine.travel(DEADLINE, tick=False):
        assert cancel_terms(session).open
        assert services.cancel_booking(on_time).status == BookingStatus.CANCELLED
    with time_machine.travel(AFTER, tick=False):
        assert not cancel_terms(session).open
        with pytest.raises(BookingError):
            services.cancel_booking(too_late)


def test_p6_emails_cancel_until_keeps_its_contract(session):
    with time_machine.travel(BEFORE, tick=False):
        assert cancel_until(session) == "Tuesday, 8 December 2026, 18:00"
    with time_machine.travel(AFTER, tick=False):
        assert cancel_until(session) is None


def test_p6_the_booking_page_says_it_before_the_member_confirms(session, holder, client):
    client.force_login(holder)
    url = f"/passes/sessions/{session.pk}/book/"
    with time_machine.travel(BEFORE, tick=False):
        assert OPEN in words(client.get(url).content.decode())
    # 20 hours before a session with a 24-hour cutoff: said before booking, not in the email.
    with time_machine.travel(START - dt.timedelta(hours=20), tick=False):
        page = words(client.get(url).content.decode())
    assert CLOSED in page and "Free cancellation" not in page


def test_p6_a_session_no_pass_pays_says_the_price_stays_due(session, client):
    client.force_login(UserFactory())
    with time_machine.travel(START - dt.timedelta(hours=20), tick=False):
        page = words(client.get(f"/passes/sessions/{session.pk}/book/").content.decode())
    assert "Cancelling is closed for this session: the price stays due" in page


def test_p6_the_booked_page_and_the_booking_page_of_a_booked_session_say_it(
    session, holder, client
):
    client.force_login(holder)
    with time_machine.travel(BEFORE, tick=False):
        booking = services.book(holder, session)
        booked = words(client.get(f"/passes/bookings/{booking.pk}/booked/").content.decode())
        again = words(client.get(f"/passes/sessions/{session.pk}/book/").content.decode())
    assert OPEN in booked and OPEN in again
    with time_machine.travel(AFTER, tick=False):
        booked = words(client.get(f"/passes/bookings/{booking.pk}/booked/").content.decode())
    assert CLOSED in booked


def test_p6_cal2_the_calendar_row_of_a_booked_session_says_it(session, holder, rf):
    from django.contrib.sessions.backends.db import SessionStore

    value = CalendarBlock().to_python(
        {
            "programmes": [str(session.programme_class.programme_id)],
            "classes": [],
            "first_view": "list",
            "weeks_ahead": 8,
            "show_price": True,
            "show_places": True,
        }
    )
    with time_machine.travel(BEFORE, tick=False):
        services.book(holder, session)
        request = rf.get("/classes/")
        request.user, request.session = holder, SessionStore()
        html = CalendarBlock().render(value, context={"request": request, "id": "0a1b2c3d"})
        row = words(html[html.index(f'data-session="{session.pk}"') :].split("</li>")[0])
    assert "Booked — cancel" in row and OPEN in row
    with time_machine.travel(AFTER, tick=False):
        html = CalendarBlock().render(value, context={"request": request, "id": "0a1b2c3d"})
        row = words(html[html.index(f'data-session="{session.pk}"') :].split("</li>")[0])
    assert CLOSED in row and "cancel:" not in row
