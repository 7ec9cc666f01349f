"""Emails are written in the member's language and show times in the site's time zone
(WAGTAIL_PASSES_TIME_ZONE), whatever Django's TIME_ZONE, the request's language or the
worker's. Expectations worked out by hand: 9 March 2027 is a Tuesday; 17:30 UTC is 18:30 in
Berlin (CET, UTC+1, before the clocks change on 28 March)."""

import copy
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from wagtail.users.models import UserProfile

from wagtail_passes import services
from wagtail_passes.test.factories import ProgrammeClassFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

NBSP = "\N{NO-BREAK SPACE}"
START_UTC = dt.datetime(2027, 3, 9, 17, 30, tzinfo=dt.UTC)
BOOKED_AT = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def berlin_site_on_a_utc_server(settings):
    settings.TIME_ZONE = "UTC"
    settings.WAGTAIL_PASSES_TIME_ZONE = "Europe/Berlin"


@pytest.fixture
def book_and_read(django_capture_on_commit_callbacks):
    """Book ``member`` on a 12.00 EUR session without a pass (so the email says what is
    due) and return the one email sent."""

    def run(member):
        session = SessionFactory(
            programme_class=ProgrammeClassFactory(unit_price=Decimal("12.00")),
            start=START_UTC,
            end=START_UTC + dt.timedelta(hours=1),
        )
        mail.outbox.clear()
        with time_machine.travel(BOOKED_AT, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                services.book(member, session)
        (message,) = mail.outbox
        return message

    return run


def prefers(language):
    member = UserFactory()
    profile = UserProfile.get_for_user(member)
    profile.preferred_language = language
    profile.save()
    return member


def test_a_booking_email_shows_the_session_in_the_site_time_zone(book_and_read):
    message = book_and_read(UserFactory())

    assert "9 March 2027, 18:30" in message.body  # the start, in Berlin
    assert "8 March 2027, 18:30" in message.body  # cancel until: 24 hours before
    assert "17:30" not in message.body
    assert "18:30" in message.subject
    assert "Amount due: €12.00" in message.body
    assert "9 March 2027, 18:30" in message.alternatives[0][0]


def test_a_member_who_prefers_german_gets_german_dates_and_money(book_and_read):
    message = book_and_read(prefers("de"))

    for part in (message.subject, message.body, message.alternatives[0][0]):
        assert "März" in part
        assert "18:30" in part
    assert "Dienstag, 9. März 2027" in message.body
    assert f"12,00{NBSP}€" in message.body


def test_the_email_language_is_the_members_not_the_one_of_whoever_caused_it(book_and_read):
    with translation.override("de"):  # say, staff booking from an admin in German
        message = book_and_read(UserFactory())

    assert "9 March 2027, 18:30" in message.body
    assert "Amount due: €12.00" in message.body


def test_a_host_email_template_with_djangos_date_filter_sees_the_site_zone(
    settings, tmp_path, book_and_read
):
    override = tmp_path / "wagtail_passes" / "emails" / "booking_confirmed_subject.txt"
    override.parent.mkdir(parents=True)
    override.write_text('Booked for {{ session.start|date:"H:i" }}')
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [str(tmp_path), *templates[0]["DIRS"]]
    settings.TEMPLATES = templates

    assert book_and_read(UserFactory()).subject == "Booked for 18:30"


def test_an_html_email_to_a_member_who_reads_arabic_runs_right_to_left(book_and_read):
    html = book_and_read(prefers("ar")).alternatives[0][0]

    assert '<div lang="ar" dir="rtl">' in html
    assert f"\N{RIGHT-TO-LEFT MARK}12.00{NBSP}€" in html


def test_an_html_email_in_english_runs_left_to_right(book_and_read):
    assert '<div lang="en-gb" dir="ltr">' in book_and_read(UserFactory()).alternatives[0][0]
