"""T1 in the admin: "Book a series" on a session's register books a member on every week
of the class, outside the booking window too, lists the dates not booked, and books once
when its form is sent twice."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from wagtail_passes.models import Booking, Series, SeriesDateState
from wagtail_passes.test.factories import StaffFactory

from ..admin import admin_url, form_token
from .conftest import FIRST, LAST, make_class, sessions_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = StaffFactory()
    client.force_login(user)
    return client


def series_url(session):
    return admin_url("session", "book_series", session.pk)


def test_T1_the_register_offers_book_a_series(staff, sessions):
    page = staff.get(admin_url("session", "register", sessions[FIRST].pk))
    assert series_url(sessions[FIRST]) in page.content.decode()


def test_T1_staff_book_a_series_outside_the_window_once(staff, member):
    klass = make_class(booking_opens_days_before=7)
    sessions = sessions_of(klass)
    full = sessions[dt.date(2027, 3, 30)]
    full.capacity = 0
    full.save()
    url = series_url(sessions[FIRST])
    page = staff.get(url)
    assert "Every Tuesday at 18:00" in page.content.decode()
    data = {
        "form_token": form_token(page),
        "member": member.pk,
        "starts_on": FIRST.isoformat(),
        "ends_on": LAST.isoformat(),
        "attendees": 1,
    }

    response = staff.post(url, data)

    assert response.status_code == 302
    series = Series.objects.get()
    assert series.created_by != member
    assert series.dates.filter(state=SeriesDateState.BOOKED).count() == len(sessions) - 1
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Series booked" in m for m in said)
    assert any("30 March 2027" in m and "waiting list" in m.lower() for m in said)

    again = staff.post(url, data)
    assert again.status_code == 302
    assert Series.objects.count() == 1
    assert Booking.objects.active().filter(member=member).count() == len(sessions) - 1


def test_T1_admin_bad_range_is_a_form_error(staff, member, sessions):
    url = series_url(sessions[FIRST])
    page = staff.get(url)
    response = staff.post(
        url,
        {
            "form_token": form_token(page),
            "member": member.pk,
            "starts_on": FIRST.isoformat(),
            "ends_on": "2029-01-01",
            "attendees": 1,
        },
    )
    assert response.status_code == 200
    assert "at most 52 dates" in response.content.decode()
    assert not Series.objects.exists()


def test_T1_the_admin_form_needs_the_booking_permission(client, sessions):
    client.force_login(StaffFactory(permissions=["view_booking"]))
    response = client.get(series_url(sessions[FIRST]))
    assert response.status_code in (302, 403)
