"""CAL3: the public iCalendar feed of a programme's sessions."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from wagtail_passes.models import Session
from wagtail_passes.test.factories import ProgrammeClassFactory, ProgrammeFactory, SessionFactory

from .conftest import events, parse

LONDON = zoneinfo.ZoneInfo("Europe/London")


def feed_url(slug="yoga"):
    return reverse("wagtail_passes:programme_feed", kwargs={"slug": slug})


def test_cal3_programme_feed_url():
    assert feed_url() == "/passes/feeds/programmes/yoga.ics"


def test_cal3_programme_feed_lists_sessions(client, make_session):
    session = make_session(days=3)
    response = client.get(feed_url())
    calendar = parse(response)
    assert response["Content-Disposition"] == 'attachment; filename="yoga.ics"'
    assert "max-age" in response["Cache-Control"]
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Pay-as-you-go yoga"
    [event] = events(calendar)
    assert str(event["UID"]) == f"session-{session.pk}@wagtail-passes.invalid"
    assert str(event["SUMMARY"]) == "Yoga Flow"
    assert str(event["LOCATION"]) == "Studio 2"
    assert str(event["STATUS"]) == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    assert "Ann Lee" in description
    assert "12.00" in description
    assert "DTSTAMP" in event
    assert "URL" not in event  # sessions have no page of their own
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    assert event.decoded("DTSTART") == session.start
    assert event.decoded("DTEND") == session.end


def test_cal3_programme_feed_uids_stable_across_requests(client, make_session):
    make_session(days=1)
    make_session(days=5)
    first = [str(e["UID"]) for e in events(parse(client.get(feed_url())))]
    second = [
        str(e["UID"]) for e in events(parse(client.get(feed_url(), HTTP_HOST="testserver.example")))
    ]
    assert first == second
    assert len(set(first)) == 2
    assert all("testserver" not in uid for uid in first)


def test_cal3_programme_feed_has_site_time_zone(client, make_session, settings):
    settings.WAGTAIL_PASSES_TIME_ZONE = "Europe/Paris"
    make_session(days=2)
    calendar = parse(client.get(feed_url()))
    [zone] = list(calendar.walk("VTIMEZONE"))
    assert str(zone["TZID"]) == "Europe/Paris"
    [event] = events(calendar)
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"


def test_cal3_programme_feed_keeps_local_time_across_dst(client, yoga_class):
    # The clocks go back on Sunday 31 October 2027: 09:00 before and after stays 09:00.
    with time_machine.travel(dt.datetime(2027, 10, 10, 12, tzinfo=dt.UTC), tick=False):
        before = dt.datetime(2027, 10, 29, 9, tzinfo=LONDON)
        after = dt.datetime(2027, 11, 5, 9, tzinfo=LONDON)
        for start in (before, after):
            SessionFactory(
                programme_class=yoga_class, start=start, end=start + dt.timedelta(hours=1)
            )
        body = client.get(feed_url()).content
    calendar = parse_body(body)
    starts = [event["DTSTART"] for event in events(calendar)]
    assert [s.params["TZID"] for s in starts] == ["Europe/London", "Europe/London"]
    assert [s.dt.replace(tzinfo=None) for s in starts] == [
        dt.datetime(2027, 10, 29, 9),
        dt.datetime(2027, 11, 5, 9),
    ]
    # ... which are 08:00 and 09:00 UTC, as the VTIMEZONE tells any client.
    assert b"DTSTART;TZID=Europe/London:20271029T090000" in body
    assert b"DTSTART;TZID=Europe/London:20271105T090000" in body
    assert [s.dt.astimezone(dt.UTC).hour for s in starts] == [8, 9]
    [zone] = list(calendar.walk("VTIMEZONE"))
    changes = [sub["DTSTART"].dt for sub in zone.walk("STANDARD")]
    assert dt.datetime(2027, 10, 31, 2) in changes


def parse_body(body):
    return Calendar.from_ical(body)


def test_cal3_cancelled_session_is_status_cancelled(client, make_session):
    session = make_session(days=2)
    Session.objects.filter(pk=session.pk).update(
        is_cancelled=True, cancelled_at=session.start - dt.timedelta(days=3)
    )
    [event] = events(parse(client.get(feed_url())))
    assert str(event["STATUS"]) == "CANCELLED"
    assert "LAST-MODIFIED" in event


def test_cal3_programme_feed_window(client, make_session, programme):
    old = make_session(days=-40)
    recent = make_session(days=-20)
    soon = make_session(days=10)
    far = make_session(days=200)
    other = SessionFactory(programme_class=ProgrammeClassFactory())  # another programme
    uids = {str(e["UID"]) for e in events(parse(client.get(feed_url())))}
    assert uids == {f"session-{s.pk}@wagtail-passes.invalid" for s in (recent, soon)}
    assert not {old.pk, far.pk, other.pk} & {recent.pk, soon.pk}


def test_cal3_class_price_overrides_programme(client, programme):
    cls = ProgrammeClassFactory(programme=programme, name="Pilates", unit_price=Decimal("15.50"))
    SessionFactory(programme_class=cls)
    [event] = events(parse(client.get(feed_url())))
    assert "15.50" in str(event["DESCRIPTION"])
    assert "LOCATION" not in event  # the class has none


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/passes/feeds/programmes/nope.ics",
        "/passes/feeds/programmes/%00.ics",
        "/passes/feeds/programmes/" + "a" * 10_000 + ".ics",
        "/passes/feeds/programmes/../x.ics",
        "/passes/feeds/programmes/yo%20ga.ics",
    ],
)
def test_cal3_unknown_or_bad_programme_is_404(client, path):
    assert client.get(path).status_code == 404


def test_cal3_programme_feed_refuses_post(client, programme):
    assert client.post(feed_url()).status_code == 405
    assert client.head(feed_url()).status_code == 200


@pytest.mark.parametrize("count", [1, 100])
def test_cal3_programme_feed_queries_constant(
    client, programme, make_session, django_assert_max_num_queries, count
):
    classes = [ProgrammeClassFactory(programme=programme) for _ in range(3)]
    for index in range(count):
        make_session(days=index % 150 - 20, hours=index % 5, programme_class=classes[index % 3])
    with django_assert_max_num_queries(3):
        response = client.get(feed_url())
    assert len(events(parse(response))) == count


def test_cal3_programme_feed_is_bounded(client, programme, make_session, monkeypatch):
    from wagtail_passes.feeds import views

    monkeypatch.setattr(views, "PROGRAMME_MAX_UPCOMING", 3)
    monkeypatch.setattr(views, "PROGRAMME_MAX_PAST", 2)
    for index in range(6):
        make_session(days=index + 1)
        make_session(days=-(index + 1))
    assert len(events(parse(client.get(feed_url())))) == 5


def test_cal3_other_programme_not_found_by_prefix(client, db):
    ProgrammeFactory(slug="yoga-2")
    assert client.get(feed_url("yoga")).status_code == 404
