"""Bookings in the admin: the list with its filters and search (S2, S3), the inspect page
with the booking's ledger movements (R3), and who may see them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.conf import passes_settings
from wagtail_passes.models import Booking, BookingStatus
from wagtail_passes.test.factories import (
    BookingFactory,
    ProgrammeClassFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from . import admin_url, listed, row_cells, sidebar_menu, staff_client

pytestmark = pytest.mark.django_db

INDEX_URL = admin_url("booking", "index")
HOME_URL = reverse("wagtailadmin_home")


def inspect_url(booking):
    return admin_url("booking", "inspect", booking.pk)


def register_url(session):
    return admin_url("session", "register", session.pk)


def denied(response):
    return response.status_code == 302 and response["Location"] == HOME_URL


def local_midnight(days_from_today=0):
    today = timezone.localtime(timezone.now(), passes_settings.tzinfo).date()
    day = today + dt.timedelta(days=days_from_today)
    return dt.datetime.combine(day, dt.time(0), tzinfo=passes_settings.tzinfo)


def session_on(programme_class, days_from_today, hour=12):
    start = local_midnight(days_from_today) + dt.timedelta(hours=hour)
    return SessionFactory(programme_class=programme_class, start=start)


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.org")


@pytest.fixture
def bob():
    return UserFactory(username="bob", first_name="Bob", last_name="Stone", email="bob@example.org")


@pytest.fixture
def diary(ann, bob):
    """Bookings of two programmes over the past and the coming weeks, paid in every way."""
    flow = ProgrammeClassFactory(name="Flow", programme__name="Yoga")
    yin = ProgrammeClassFactory(name="Yin", programme=flow.programme)
    boulder = ProgrammeClassFactory(name="Bouldering", programme__name="Climbing")
    member_pass(ann, title="Ten classes", quantity=Decimal(10))
    yesterday = BookingFactory(member=ann, session=session_on(flow, -1))
    by_pass = services.book(ann, session_on(flow, 3))
    owes = services.book(bob, session_on(yin, 5), attendees=2)
    climbing = services.book(bob, session_on(boulder, 20))
    cancelled = services.book(bob, session_on(boulder, 45))
    services.cancel_booking(cancelled)
    return {
        "yesterday": yesterday,
        "by_pass": by_pass,
        "owes": owes,
        "climbing": climbing,
        "cancelled": cancelled,
    }


def shown(client, query):
    return set(listed(client.get(INDEX_URL, query)))


# ---- menu and list ---------------------------------------------------------------


def test_superuser_sees_bookings_in_the_passes_menu(admin):
    assert "Bookings" in sidebar_menu(admin.get(HOME_URL))["Passes"]
    assert admin.get(INDEX_URL).status_code == 200


def test_list_shows_member_session_programme_and_what_paid(admin, diary, settings):
    response = admin.get(INDEX_URL)

    by_pass, owes = diary["by_pass"], diary["owes"]
    start = by_pass.session.local_start
    # The programme, places and when it was booked are on the booking's page.
    assert row_cells(response, by_pass) == ["Flow", "Ann Lee (ann)", "Booked", "Ten classes"]
    row = BeautifulSoup(response.content, "html.parser").find(
        "tr", attrs={"data-object-pk": str(by_pass.pk)}
    )
    assert f"{start:%a}, {start.day} {start:%b %Y, %H:%M}" in row.td.get_text()
    assert row_cells(response, owes)[2:4] == ["Booked", "Amount due €24.00"]
    assert row_cells(response, diary["cancelled"])[2:4] == ["Cancelled", "Nothing due"]
    assert row_cells(response, diary["yesterday"])[3] == "Free"


def test_list_is_newest_booking_first(admin, diary):
    created = [booking.created_at for booking in listed(admin.get(INDEX_URL))]

    assert created == sorted(created, reverse=True)


def test_each_row_links_to_its_inspect_page_and_register(admin, diary):
    html = admin.get(INDEX_URL).content.decode()

    for booking in diary.values():
        assert inspect_url(booking) in html
        assert register_url(booking.session) in html


# ---- filters and search ----------------------------------------------------------


def test_filter_by_programme_and_class(admin, diary):
    yoga = diary["by_pass"].session.programme
    yin = diary["owes"].session.programme_class

    assert shown(admin, {"session__programme_class__programme__id__exact": yoga.pk}) == {
        diary["yesterday"],
        diary["by_pass"],
        diary["owes"],
    }
    assert shown(admin, {"session__programme_class__id__exact": yin.pk}) == {diary["owes"]}


def test_filter_by_status(admin, diary):
    assert shown(admin, {"status__exact": BookingStatus.CANCELLED}) == {diary["cancelled"]}
    assert diary["cancelled"] not in shown(admin, {"status__exact": BookingStatus.BOOKED})


def test_s2_filter_bookings_that_owe_an_amount(admin, diary):
    assert shown(admin, {"owes": "yes"}) == {diary["owes"], diary["climbing"]}
    assert shown(admin, {"owes": "no"}) == {
        diary["yesterday"],
        diary["by_pass"],
        diary["cancelled"],
    }


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Any date", {"yesterday", "by_pass", "owes", "climbing", "cancelled"}),
        ("Next 7 days", {"by_pass", "owes"}),
        ("Next 30 days", {"by_pass", "owes", "climbing"}),
        ("Upcoming", {"by_pass", "owes", "climbing", "cancelled"}),
        ("Past", {"yesterday"}),
    ],
)
def test_filter_by_session_date_range(admin, diary, label, expected):
    page = BeautifulSoup(admin.get(INDEX_URL).content, "html.parser")
    assert "By session date" in " ".join(page.get_text().split())
    link = page.find("a", string=label)["href"]

    assert set(listed(admin.get(INDEX_URL + link))) == {diary[name] for name in expected}


def test_filters_combine(admin, diary):
    yoga = diary["by_pass"].session.programme
    query = {"session__programme_class__programme__id__exact": yoga.pk, "owes": "yes"}

    assert shown(admin, query) == {diary["owes"]}


@pytest.mark.parametrize("query", ["ann", "Lee", "Ann Lee", "ann@example.org"], ids=str)
def test_search_by_member(admin, diary, query):
    ann_bookings = {diary["yesterday"], diary["by_pass"]}

    assert shown(admin, {"q": query}) == ann_bookings


def test_list_queries_do_not_grow_with_bookings(admin, django_assert_max_num_queries):
    # 30 bookings, each with its own member, session, class and programme, half paid by a
    # pass: a lookup per row would add 30 or more queries. Measured: 14 for the page
    # (session, user, profile; the filters' programme and class choices, each twice as
    # modeladmin builds the filters twice; three counts; locale and two page queries of
    # the menu; the page of bookings joined with members, passes, sessions, classes and
    # programmes).
    for number in range(30):
        member = UserFactory()
        if number % 2:
            member_pass(member)
        services.book(member, SessionFactory(programme_class=ProgrammeClassFactory()))
    admin.get(INDEX_URL)  # fills per-process caches (permission codenames), as in production

    with django_assert_max_num_queries(14):
        response = admin.get(INDEX_URL)

    assert len(listed(response)) == 30


# ---- inspect (R3) ----------------------------------------------------------------


def test_r3_inspect_shows_the_booking_and_its_ledger_movements(admin, ann, superuser):
    member_pass(ann, title="Ten classes", quantity=Decimal(10))
    session = SessionFactory(programme_class=ProgrammeClassFactory(name="Flow"))
    booking = services.book(ann, session, attendees=1, by=superuser)
    services.cancel_booking(booking, by=superuser, return_entry=True)

    response = admin.get(inspect_url(booking))

    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    fields = {
        dt_.get_text(strip=True): dd.get_text(strip=True)
        for dt_, dd in zip(page.find_all("dt"), page.find_all("dd"), strict=False)
    }
    assert fields["Member"] == "Ann Lee (ann)"
    assert fields["Status"] == "Cancelled"
    assert fields["Paid with"] == "Ten classes"
    assert fields["Booked by"] == "admin"
    assert fields["Cancelled"].endswith("– admin")
    ledger = [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")][1:6]
        for row in page.find(id="passes-booking-ledger").tbody.find_all("tr")
    ]
    assert ledger == [
        ["Redeemed", "-1", "9", "Ten classes", "admin"],
        ["Returned", "+1", "10", "Ten classes", "admin"],
    ]
    assert register_url(session) in response.content.decode()


def test_inspect_of_a_booking_without_a_pass_says_so(admin, bob):
    booking = services.book(bob, SessionFactory())

    response = admin.get(inspect_url(booking))

    assert "No pass paid for this booking" in response.content.decode()


def test_inspect_offers_attendance_and_cancel_to_those_who_may(admin, bob):
    session = SessionFactory()
    booking = services.book(bob, session)

    html = admin.get(inspect_url(booking)).content.decode()
    assert admin_url("booking", "attendance", booking.pk) not in html  # not started yet
    assert admin_url("booking", "cancel", booking.pk) in html
    assert admin_url("booking", "desk_payment", booking.pk) in html  # owes 12.00

    with time_machine.travel(session.start + dt.timedelta(minutes=1), tick=False):
        html = admin.get(inspect_url(booking)).content.decode()
    assert admin_url("booking", "attendance", booking.pk) in html


# ---- no generic create, edit or delete -------------------------------------------


@pytest.mark.parametrize("action", ["create", "edit", "delete"])
def test_generic_create_edit_delete_are_closed_even_to_the_superuser(admin, bob, action):
    booking = services.book(bob, SessionFactory())
    url = admin_url("booking", action) if action == "create" else None
    url = url or admin_url("booking", action, booking.pk)

    for response in (admin.get(url), admin.post(url, {"attendees": "5", "status": "attended"})):
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert response["Location"] == HOME_URL

    booking.refresh_from_db()
    assert (booking.attendees, booking.status) == (1, BookingStatus.BOOKED)
    assert Booking.objects.count() == 1


def test_list_offers_no_create_edit_or_delete(admin, bob):
    booking = services.book(bob, SessionFactory())

    html = admin.get(INDEX_URL).content.decode()

    assert admin_url("booking", "edit", booking.pk) not in html
    assert admin_url("booking", "delete", booking.pk) not in html
    assert admin_url("booking", "create") not in html


# ---- permissions -----------------------------------------------------------------


def test_without_view_booking_there_is_no_bookings_list(bob):
    booking = services.book(bob, SessionFactory())
    client = staff_client("view_session", "change_booking")

    assert "Bookings" not in sidebar_menu(client.get(HOME_URL)).get("Passes", [])
    assert denied(client.get(INDEX_URL))
    assert denied(client.get(inspect_url(booking)))


def test_view_booking_shows_the_list_and_inspect_page_without_actions(bob):
    booking = services.book(bob, SessionFactory())
    client = staff_client("view_booking")

    # not the outstanding payments report (S2): reports need their own permission
    assert sidebar_menu(client.get(HOME_URL))["Passes"] == ["Bookings", "Check-in"]
    for response in (client.get(INDEX_URL), client.get(inspect_url(booking))):
        assert response.status_code == 200
        html = response.content.decode()
        assert admin_url("booking", "attendance", booking.pk) not in html
        assert admin_url("booking", "cancel", booking.pk) not in html
    assert denied(client.post(admin_url("booking", "cancel", booking.pk)))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
