"""Sessions in the admin: columns, filters and the cost of the list."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from wagtail_passes.conf import passes_settings
from wagtail_passes.models import BookingStatus, Session
from wagtail_passes.test.factories import (
    BookingFactory,
    ProgrammeClassFactory,
    SessionFactory,
)

from . import admin_url, assert_refused, listed, row_cells

pytestmark = pytest.mark.django_db

INDEX_URL = admin_url("session", "index")
CREATE_URL = admin_url("session", "create")


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def local_midnight(days_from_today=0):
    """Midnight in the site's time zone, ``days_from_today`` days from today."""
    today = timezone.localtime(timezone.now(), passes_settings.tzinfo).date()
    day = today + dt.timedelta(days=days_from_today)
    return dt.datetime.combine(day, dt.time(0), tzinfo=passes_settings.tzinfo)


def session_on(programme_class, days_from_today, **kwargs):
    start = local_midnight(days_from_today) + dt.timedelta(hours=12)
    return SessionFactory(programme_class=programme_class, start=start, **kwargs)


@pytest.fixture
def timetable():
    """Sessions of two programmes spread over the past, today and the coming weeks."""
    yoga = ProgrammeClassFactory(name="Flow", programme__name="Yoga")
    yin = ProgrammeClassFactory(name="Yin", programme=yoga.programme)
    climbing = ProgrammeClassFactory(name="Bouldering", programme__name="Climbing")
    return {
        "yesterday": session_on(yoga, -1),
        "today": session_on(yin, 0),
        "in_3_days": session_on(climbing, 3),
        "in_20_days": session_on(yoga, 20, is_cancelled=True),
        "in_45_days": session_on(climbing, 45),
    }


def date_filter_link(response, label):
    """Follow the date filter's link called ``label`` as the editor would."""
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.find("a", string=label)["href"]


def shown(client, query):
    return set(listed(client.get(INDEX_URL, query)))


def test_filter_by_programme(admin, timetable):
    yoga = timetable["today"].programme

    rows = shown(admin, {"programme_class__programme__id__exact": yoga.pk})

    assert rows == {timetable["yesterday"], timetable["today"], timetable["in_20_days"]}


def test_filter_by_class(admin, timetable):
    yin = timetable["today"].programme_class

    assert shown(admin, {"programme_class__id__exact": yin.pk}) == {timetable["today"]}


def test_filter_by_cancelled(admin, timetable):
    assert shown(admin, {"is_cancelled__exact": "1"}) == {timetable["in_20_days"]}
    assert timetable["in_20_days"] not in shown(admin, {"is_cancelled__exact": "0"})


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Any date", {"yesterday", "today", "in_3_days", "in_20_days", "in_45_days"}),
        ("Today", {"today"}),
        ("Next 7 days", {"today", "in_3_days"}),
        ("Next 30 days", {"today", "in_3_days", "in_20_days"}),
        ("Upcoming", {"today", "in_3_days", "in_20_days", "in_45_days"}),
        ("Past", {"yesterday"}),
    ],
)
def test_date_range_links(admin, timetable, label, expected):
    link = date_filter_link(admin.get(INDEX_URL), label)

    response = admin.get(INDEX_URL + link)

    assert set(listed(response)) == {timetable[name] for name in expected}
    selected = BeautifulSoup(response.content, "html.parser").select("li.selected a")
    assert label in [a.get_text(strip=True) for a in selected]


def test_date_range_takes_any_bounds(admin, timetable):
    query = {
        "start__gte": local_midnight(2).isoformat(),
        "start__lt": local_midnight(21).isoformat(),
    }

    response = admin.get(f"{INDEX_URL}?{urlencode(query)}")

    assert set(listed(response)) == {timetable["in_3_days"], timetable["in_20_days"]}


def test_filters_combine(admin, timetable):
    climbing = timetable["in_3_days"].programme
    query = {"programme_class__programme__id__exact": climbing.pk}
    link = date_filter_link(admin.get(INDEX_URL, query), "Next 7 days")

    assert listed(admin.get(INDEX_URL + link)) == [timetable["in_3_days"]]


def test_list_is_ordered_by_start(admin, timetable):
    starts = [session.start for session in listed(admin.get(INDEX_URL))]

    assert starts == sorted(starts)


def test_row_shows_local_start_capacity_and_active_bookings(admin, settings):
    settings.WAGTAIL_PASSES_TIME_ZONE = "Asia/Tokyo"
    session = SessionFactory(
        start=dt.datetime(2031, 3, 3, 10, 0, tzinfo=dt.UTC),
        programme_class__name="Flow",
        programme_class__programme__name="Yoga",
        programme_class__capacity=6,
    )
    BookingFactory.create_batch(2, session=session)
    BookingFactory(session=session, status=BookingStatus.CANCELLED)

    cells = row_cells(admin.get(INDEX_URL), session)

    # 10:00 UTC is 19:00 in Tokyo, the site's time zone here.
    assert cells[:6] == ["Mon, 3 Mar 2031, 19:00", "Flow", "Yoga", "6", "2", "No"]


def test_index_queries_do_not_grow_with_sessions(admin, django_assert_max_num_queries):
    # Each session has its own class and programme, and a booking, so any lookup per
    # row would add 30 queries. Measured: 14 for the page (session, user, filters'
    # choices and counts, each twice as modeladmin builds them twice, menu).
    for _ in range(30):
        BookingFactory(session=SessionFactory(programme_class=ProgrammeClassFactory()))
    admin.get(INDEX_URL)  # fills per-process caches (permission codenames), as in production

    with django_assert_max_num_queries(14):
        response = admin.get(INDEX_URL)

    assert len(listed(response)) == 30


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end": "2031-03-03 18:00"}, "end", "The end must be after the start."),
        ({"capacity": "-1"}, "capacity", "greater than or equal to 1"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"capacity": "99999999999"}, "capacity", "less than or equal to 10000"),
        ({"start": "9999-12-31 23:00", "end": "9999-12-31 23:30"}, "start", "between 2000"),
        ({"end": "2031-03-05 18:00"}, "end", "longer than 24 hours"),
    ],
    ids=["end-before-start", "negative-capacity", "zero", "huge", "year-9999", "too-long"],
)
def test_bad_session_values_are_refused_next_to_the_field(admin, overrides, field, message):
    programme_class = ProgrammeClassFactory()
    data = {
        "programme_class": str(programme_class.pk),
        "start": "2031-03-03 19:00",
        "end": "2031-03-03 20:00",
        "capacity": "",
        **overrides,
    }

    response = admin.post(CREATE_URL, data)

    assert_refused(response, field, message)
    assert not Session.objects.exists()


def test_superuser_creates_a_session(admin):
    programme_class = ProgrammeClassFactory()

    response = admin.post(
        CREATE_URL,
        {
            "programme_class": str(programme_class.pk),
            "start": "2031-03-03 19:00",
            "end": "2031-03-03 20:00",
            "capacity": "8",
        },
    )

    assert response.status_code == 302
    session = Session.objects.get()
    assert (session.programme_class, session.capacity, session.is_cancelled) == (
        programme_class,
        8,
        False,
    )


def test_deleting_a_booked_session_explains_why_not(admin):
    booking = BookingFactory()

    response = admin.post(admin_url("session", "delete", booking.session.pk))

    assert response.status_code == 200
    assert "could not be deleted" in response.content.decode()
    assert Session.objects.filter(pk=booking.session.pk).exists()


def test_deleting_a_session_without_bookings(admin):
    session = SessionFactory()

    response = admin.post(admin_url("session", "delete", session.pk))

    assert response.status_code == 302
    assert not Session.objects.exists()
