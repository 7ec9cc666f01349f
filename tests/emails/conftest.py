"""Fixtures of the booking-email tests: a Berlin studio on a UTC server, a session on
Wednesday 10 March 2027 at 18:30 Berlin (17:30 UTC, CET), a member, staff, and a reader
that takes an email apart the way a mail client does (text, HTML, the booking.ics)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core import mail
from icalendar import Calendar

from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

START = dt.datetime(2027, 3, 10, 17, 30, tzinfo=dt.UTC)  # 18:30 in Berlin
BOOKED_AT = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
MOVED_AT = dt.datetime(2027, 3, 2, 12, 0, tzinfo=dt.UTC)
CANCELLED_AT = dt.datetime(2027, 3, 3, 12, 0, tzinfo=dt.UTC)
CONFIGURED = "https://studio.example.com"


@pytest.fixture(autouse=True)
def berlin_studio(settings):
    settings.TIME_ZONE = "UTC"
    settings.WAGTAIL_PASSES_TIME_ZONE = "Europe/Berlin"
    settings.DEFAULT_FROM_EMAIL = "Harbour Studio <hello@harbour.example>"
    # The default Site stays Wagtail's "localhost": no link may use it.
    settings.WAGTAIL_PASSES_BASE_URL = CONFIGURED


@pytest.fixture
def session(db):
    programme = ProgrammeFactory(name="Yoga", default_unit_price=Decimal("12.00"))
    klass = ProgrammeClassFactory(
        programme=programme, name="Yoga Flow", location="Studio 2", capacity=5
    )
    return SessionFactory(programme_class=klass, start=START, end=START + dt.timedelta(hours=1))


@pytest.fixture
def member(db):
    return UserFactory(username="lee", first_name="Lee", last_name="Park")


@pytest.fixture
def staff(db):
    return StaffFactory()


@dataclass
class Sent:
    """One email as its recipient's programs read it."""

    to: list
    subject: str
    text: str
    html: str
    content_type: str  # of the calendar part
    method_param: str | None
    charset: str | None
    filename: str | None
    raw: bytes  # the attachment's bytes
    calendar: Calendar

    @property
    def event(self):
        (event,) = self.calendar.walk("VEVENT")
        return event

    @property
    def method(self) -> str:
        return str(self.calendar["METHOD"])

    @property
    def uid(self) -> str:
        return str(self.event["UID"])

    @property
    def sequence(self) -> int:
        return int(self.event["SEQUENCE"])


def read(message) -> Sent:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    parts = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    (part,) = parts
    raw = part.get_payload(decode=True)
    return Sent(
        to=message.to,
        subject=message.subject,
        text=message.body,
        html=html,
        content_type=part.get_content_type(),
        method_param=part.get_param("method"),
        charset=part.get_content_charset(),
        filename=part.get_filename(),
        raw=raw,
        calendar=Calendar.from_ical(raw),
    )


@pytest.fixture
def outbox():
    """``outbox()``: every email sent since the last call, read."""
    seen = len(mail.outbox)

    def new():
        nonlocal seen
        fresh = mail.outbox[seen:]
        seen = len(mail.outbox)
        return [read(m) for m in fresh]

    return new
