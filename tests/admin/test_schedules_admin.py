"""Schedules in the admin, and the "Generate sessions" action."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.constants import SUCCESS, WARNING
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail_passes.conf import passes_settings
from wagtail_passes.models import Schedule, Session
from wagtail_passes.test.factories import (
    BookingFactory,
    ProgrammeClassFactory,
    ScheduleFactory,
)

from . import admin_url, assert_refused, row_cells, staff_client

pytestmark = pytest.mark.django_db

INDEX_URL = admin_url("schedule", "index")
CREATE_URL = admin_url("schedule", "create")


def generate_url(schedule):
    return admin_url("schedule", "generate", schedule.pk)


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def schedule():
    """Mondays and Wednesdays at 18:00, from today on: sessions fall within the horizon."""
    return ScheduleFactory(weekdays=[0, 2], start_time=dt.time(18, 0))


def schedule_data(programme_class, **overrides):
    data = {
        "programme_class": str(programme_class.pk),
        "weekdays": ["0", "3"],
        "start_time": "19:00",
        "duration_minutes": "75",
        "starts_on": "2031-01-06",
        "ends_on": "",
        "capacity": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_superuser_creates_a_schedule(admin):
    programme_class = ProgrammeClassFactory()

    response = admin.post(CREATE_URL, schedule_data(programme_class, ends_on="2031-06-30"))

    assert response.status_code == 302
    created = Schedule.objects.get()
    assert created.weekdays == [0, 3]
    assert created.start_time == dt.time(19, 0)
    assert created.ends_on == dt.date(2031, 6, 30)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"weekdays": None}, "weekdays", "This field is required."),
        ({"ends_on": "2031-01-01"}, "ends_on", "The end date must not be before the start date."),
        ({"duration_minutes": "0"}, "duration_minutes", "greater than or equal to 1"),
        ({"capacity": "-4"}, "capacity", "greater than or equal to 1"),
    ],
    ids=["no-weekdays", "until-before-from", "zero-duration", "negative-capacity"],
)
def test_bad_schedule_values_are_refused_next_to_the_field(admin, overrides, field, message):
    programme_class = ProgrammeClassFactory()

    response = admin.post(CREATE_URL, schedule_data(programme_class, **overrides))

    assert_refused(response, field, message)
    assert not Schedule.objects.exists()


def test_list_shows_the_rule(admin):
    schedule = ScheduleFactory(
        programme_class__name="Flow",
        weekdays=[1, 3],
        start_time=dt.time(7, 30),
        duration_minutes=45,
        starts_on=dt.date(2031, 1, 6),
        ends_on=None,
    )

    cells = row_cells(admin.get(INDEX_URL), schedule)

    # en-gb (the test settings' LANGUAGE_CODE), as every date the app writes.
    assert cells[:6] == ["Flow", "Tue, Thu", "07:30", "45", "6 Jan 2031", "—"]


def test_each_row_has_a_generate_button(admin, schedule):
    response = admin.get(INDEX_URL)

    assert f'href="{generate_url(schedule)}"' in response.content.decode()


def test_get_shows_the_confirm_page_and_changes_nothing(admin, schedule):
    response = admin.get(generate_url(schedule))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"for the next {passes_settings.SCHEDULE_HORIZON_DAYS} days" in page
    assert "sessions with bookings: those are kept" in page
    assert f'action="{generate_url(schedule)}" method="post"' in page
    assert not Session.objects.exists()


def test_post_generates_and_reports_the_summary(admin, schedule):
    response = admin.post(generate_url(schedule))

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
    created = Session.objects.filter(schedule=schedule)
    assert created.exists()
    assert {session.local_start.weekday() for session in created} <= {0, 2}
    [message] = get_messages(response.wsgi_request)
    assert message.level == SUCCESS
    assert f"{created.count()} sessions created" in message.message


def test_post_again_only_reports(admin, schedule):
    admin.post(generate_url(schedule))
    count = Session.objects.count()

    response = admin.post(generate_url(schedule), follow=True)

    assert Session.objects.count() == count
    assert "0 sessions created" in response.content.decode()


def test_kept_booked_sessions_are_a_warning(admin, schedule):
    admin.post(generate_url(schedule))
    booked = Session.objects.filter(schedule=schedule).first()
    BookingFactory(session=booked)
    # Move the class to a weekday the booked session is not on.
    schedule.weekdays = [(booked.local_start.weekday() + 1) % 7]
    schedule.save()

    response = admin.post(generate_url(schedule))

    message = list(get_messages(response.wsgi_request))[-1]
    assert message.level == WARNING
    assert "has bookings, so it was kept" in message.message
    assert Session.objects.filter(pk=booked.pk).exists()


def test_post_needs_the_csrf_token(superuser, schedule):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)

    response = client.post(generate_url(schedule))

    assert response.status_code == 403
    assert not Session.objects.exists()


@pytest.mark.parametrize("permissions", [(), ("view_schedule",)], ids=["none", "view-only"])
def test_without_change_permission_nothing_is_generated(schedule, permissions):
    client = staff_client(*permissions)

    for response in (client.get(generate_url(schedule)), client.post(generate_url(schedule))):
        # Wagtail answers "permission denied" with a message and a redirect to the dashboard.
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")

    assert not Session.objects.exists()


def test_view_only_user_sees_no_generate_button(schedule):
    client = staff_client("view_schedule")

    response = client.get(INDEX_URL)

    assert response.status_code == 200
    assert generate_url(schedule) not in response.content.decode()


def test_change_permission_is_enough_to_generate(schedule):
    client = staff_client("view_schedule", "change_schedule")

    response = client.post(generate_url(schedule))

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
    assert Session.objects.filter(schedule=schedule).exists()


def test_horizon_date_on_the_confirm_page_follows_the_setting(admin, schedule, settings):
    settings.WAGTAIL_PASSES_SCHEDULE_HORIZON_DAYS = 7
    today = timezone.localtime(timezone.now(), passes_settings.tzinfo).date()

    response = admin.get(generate_url(schedule))

    # Seven days starting today end six days from now.
    assert response.context["horizon_date"] == today + dt.timedelta(days=6)
    assert "for the next 7 days" in response.content.decode()
