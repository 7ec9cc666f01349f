"""T1, T2 pages: the series form reached from a session's booking page, its result listing
each date and person, paying and cancelling. Bad input is a form error, never a 500."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from wagtail_passes.models import Booking, Person, Series, SeriesDateState
from wagtail_passes.test.factories import UserFactory

from .conftest import FIRST, HOLIDAY, LAST, make_class, sessions_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def form_url(session):
    return reverse("wagtail_passes:book_series", args=[session.pk])


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def post(client, session, **data):
    page = client.get(form_url(session))
    fields = {
        "token": token_of(page),
        "people": ["me"],
        "starts_on": FIRST.isoformat(),
        "ends_on": LAST.isoformat(),
    }
    fields.update(data)
    return client.post(form_url(session), fields)


def test_T1_the_booking_page_links_to_the_series_form(logged_in, sessions):
    session = sessions[FIRST]
    page = logged_in.get(reverse("wagtail_passes:book_session", args=[session.pk]))
    assert "Book every Tuesday at 18:00" in page.content.decode()
    assert form_url(session) in page.content.decode()


def test_T1_the_form_fills_in_the_term_and_lists_the_household(logged_in, member, sessions):
    Person.objects.create(account=member, name="Mia")
    page = logged_in.get(form_url(sessions[FIRST]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "every Tuesday at 18:00" in html
    assert f'value="{FIRST.isoformat()}"' in html and f'value="{LAST.isoformat()}"' in html
    assert "Mia" in html and 'value="me"' in html


def test_T1_posting_books_and_lists_each_date_and_person(logged_in, member, sessions):
    child = Person.objects.create(account=member, name="Mia")
    response = post(logged_in, sessions[FIRST], people=["me", str(child.pk)])

    series = Series.objects.get()
    assert response.status_code == 303 and response["Location"].endswith(f"/series/{series.pk}/")
    page = logged_in.get(response["Location"])
    html = page.content.decode()
    assert html.count('class="wp-series__row') == 2 * 9
    assert "Tuesday, 16 March 2027" in html and "No session that day" in html
    assert "Mia" in html and "€12.00 due" in html
    assert "Pay the amounts due in one order" in html
    assert Booking.objects.active().filter(member=member).count() == 2 * len(sessions)


def test_T1_the_same_form_sent_twice_books_once(logged_in, member, sessions):
    page = logged_in.get(form_url(sessions[FIRST]))
    data = {
        "token": token_of(page),
        "people": ["me"],
        "starts_on": FIRST.isoformat(),
        "ends_on": LAST.isoformat(),
    }
    first = logged_in.post(form_url(sessions[FIRST]), data)
    second = logged_in.post(form_url(sessions[FIRST]), data)

    assert first["Location"] == second["Location"]
    assert Series.objects.count() == 1
    assert Booking.objects.active().filter(member=member).count() == len(sessions)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"people": ["abc"]}, "Select a valid choice"),
        ({"people": []}, "Choose who attends."),
        ({"ends_on": "2027-02-01"}, "The last date must not be before the first."),
        ({"starts_on": "not a date"}, "Enter a valid date."),
        ({"ends_on": "2028-06-01"}, "at most 52 dates"),
        ({"token": "forged"}, "This page has expired"),
    ],
)
def test_T1_bad_input_is_a_form_error(logged_in, sessions, data, message):
    response = post(logged_in, sessions[FIRST], **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Series.objects.exists()


def test_T1_someone_of_another_household_is_refused(logged_in, sessions):
    stranger = Person.objects.create(account=UserFactory(), name="Tom")
    page = logged_in.get(form_url(sessions[FIRST]))
    response = logged_in.post(
        form_url(sessions[FIRST]),
        {
            "token": token_of(page),
            "people": [str(stranger.pk)],
            "starts_on": FIRST.isoformat(),
            "ends_on": LAST.isoformat(),
        },
    )
    assert response.status_code == 200  # not one of the choices
    assert not Series.objects.exists()


def test_T1_a_weekday_with_no_sessions_in_the_range_is_a_form_error(logged_in, sessions):
    response = post(
        logged_in, sessions[FIRST], starts_on=HOLIDAY.isoformat(), ends_on=HOLIDAY.isoformat()
    )
    assert response.status_code == 200
    assert "has no session at that day and time" in response.content.decode()


def test_T1_pages_need_a_login_and_are_the_members_own(client, member, sessions):
    assert client.get(form_url(sessions[FIRST])).status_code == 302
    client.force_login(member)
    post(client, sessions[FIRST])
    series = Series.objects.get()
    client.force_login(UserFactory())
    assert client.get(reverse("wagtail_passes:series", args=[series.pk])).status_code == 404
    cancel = reverse("wagtail_passes:cancel_series", args=[series.pk])
    assert client.post(cancel).status_code == 404
    assert client.get("/passes/series/abc/").status_code == 404
    assert (
        client.get(form_url(sessions[FIRST]).replace(str(sessions[FIRST].pk), "999999")).status_code
        == 404
    )


def test_T2_cancel_one_date_then_the_whole_series_from_the_page(logged_in, member, sessions):
    post(logged_in, sessions[FIRST])
    series = Series.objects.get()
    one = series.dates.filter(state=SeriesDateState.BOOKED).order_by("day")[1]
    cancel = reverse("wagtail_passes:cancel_series", args=[series.pk])

    response = logged_in.post(cancel, {"date": one.pk})

    assert response.status_code == 303
    one.refresh_from_db()
    assert one.state == SeriesDateState.CANCELLED
    assert logged_in.post(cancel, {"date": "x"}).status_code == 404

    logged_in.post(cancel)
    assert not Booking.objects.active().filter(member=member).exists()
    page = logged_in.get(reverse("wagtail_passes:series", args=[series.pk]))
    assert "This series is cancelled." in page.content.decode()


def test_T2_a_date_past_the_cutoff_is_reported_not_cancelled(logged_in, member, sessions, clock):
    post(logged_in, sessions[FIRST])
    series = Series.objects.get()
    clock.move_to(dt.datetime(2027, 3, 2, 12, 0, tzinfo=dt.UTC))

    page = logged_in.get(reverse("wagtail_passes:series", args=[series.pk])).content.decode()
    # The first date is past its deadline: no "Cancel this date" on its row.
    assert page.count("Cancel this date") == len(sessions) - 1

    response = logged_in.post(reverse("wagtail_passes:cancel_series", args=[series.pk]))

    assert response.status_code == 200
    assert "Not cancelled" in response.content.decode()
    assert Booking.objects.active().filter(member=member).count() == 1


def test_T2_the_pay_link_leads_to_one_checkout_of_the_series_dues(logged_in, member, sessions):
    post(logged_in, sessions[FIRST])
    series = Series.objects.get()
    page = logged_in.get(reverse("wagtail_passes:series", args=[series.pk])).content.decode()
    pay = re.search(r'href="([^"]*/dues/pay/[^"]*)"', page).group(1).replace("&amp;", "&")

    checkout = logged_in.get(pay)

    assert checkout.status_code == 200
    assert "€96.00" in checkout.content.decode()  # 8 dates at €12.00


def test_T1_a_class_that_needs_a_pass_offers_one_on_the_result_page(logged_in, member):
    klass = make_class(require_valid_pass=True)
    sessions = sessions_of(klass)
    post(logged_in, sessions[FIRST])
    series = Series.objects.get()
    page = logged_in.get(reverse("wagtail_passes:series", args=[series.pk])).content.decode()
    assert "needs a valid pass" in page
    assert "Get a pass that covers this class" in page


def test_T1_my_series_lists_the_members_series_and_a_booking_links_to_its_series(
    logged_in, member, sessions
):
    post(logged_in, sessions[FIRST])
    series = Series.objects.get()
    listing = logged_in.get(reverse("wagtail_passes:my_series")).content.decode()
    assert reverse("wagtail_passes:series", args=[series.pk]) in listing
    assert "8 / 8" in listing

    booking = series.dates.filter(state=SeriesDateState.BOOKED).first().booking
    booked = logged_in.get(reverse("wagtail_passes:booked", args=[booking.pk])).content.decode()
    assert reverse("wagtail_passes:series", args=[series.pk]) in booked


def test_T2_try_the_dates_not_booked_again_after_getting_a_pass(logged_in, member):
    from wagtail_passes.test.factories import member_pass

    klass = make_class(require_valid_pass=True)
    sessions = sessions_of(klass)
    post(logged_in, sessions[FIRST])
    series = Series.objects.get()
    page = logged_in.get(reverse("wagtail_passes:series", args=[series.pk])).content.decode()
    assert "Try the dates not booked again" in page
    member_pass(member, kind="unlimited", quantity=None, duration_days=90)

    response = logged_in.post(reverse("wagtail_passes:retry_series", args=[series.pk]))

    assert response.status_code == 303
    assert series.dates.filter(state=SeriesDateState.BOOKED).count() == len(sessions)
    assert (
        logged_in.get(reverse("wagtail_passes:retry_series", args=[series.pk])).status_code == 405
    )
