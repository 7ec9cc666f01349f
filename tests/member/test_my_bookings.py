"""My bookings, cancelling and leaving a waiting list (M2, P6, P7)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from wagtail_passes import services
from wagtail_passes.models import Booking, BookingStatus, MemberPass
from wagtail_passes.test.factories import (
    BookingFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from . import soup_of, words

pytestmark = pytest.mark.django_db

MY_BOOKINGS = "/passes/bookings/"


def cancel_url(booking_or_pk):
    return reverse(
        "wagtail_passes:cancel_booking", args=[getattr(booking_or_pk, "pk", booking_or_pk)]
    )


def leave_url(entry_or_pk):
    return reverse("wagtail_passes:leave_waitlist", args=[getattr(entry_or_pk, "pk", entry_or_pk)])


def session_at(klass, day, hour=18, month=12):
    start = dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


def cells(row):
    return [words(td) for td in row.select("td")]


def upcoming_rows(soup):
    return soup.select(".wp-bookings--upcoming tbody tr")


def past_rows(soup):
    return soup.select(".wp-bookings--past tbody tr")


@pytest.fixture
def ten(member, now):
    return member_pass(member, title="Ten classes", quantity=Decimal(10))


def test_m2_urls_are_the_documented_ones():
    assert reverse("wagtail_passes:my_bookings") == MY_BOOKINGS
    assert cancel_url(5) == "/passes/bookings/5/cancel/"
    assert leave_url(5) == "/passes/bookings/waiting/5/leave/"


def test_m2_anonymous_visitors_log_in_first(client, member, flow, now):
    booking = services.book(member, session_at(flow, 3))
    for url in (MY_BOOKINGS, cancel_url(booking)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    assert client.post(cancel_url(booking)).status_code == 302
    assert Booking.objects.get().status == BookingStatus.BOOKED


def test_m2_upcoming_booking_paid_with_a_pass_and_its_deadline(member_client, member, flow, ten):
    services.book(member, session_at(flow, 3), member_pass=ten)

    soup = soup_of(member_client.get(MY_BOOKINGS))

    (row,) = upcoming_rows(soup)
    # Thursday 18:00 with a 24-hour cutoff: cancel until Wednesday 18:00
    assert cells(row) == [
        "Thursday, 3 December 2026, 18:00 – 19:00",  # two <time> elements (words() adds spaces)
        "Yoga Flow",
        "Studio 2",
        "1",
        "Paid with “Ten classes” (1 entry)",
        "Cancel Yoga Flow, Thursday, 3 December 2026, 18:00 "
        "Cancel until Wednesday, 2 December 2026, 18:00",
    ]
    start, end = row.select("td:first-child time")  # machine-readable, and never split on a phone
    assert (start["datetime"], end["datetime"]) == (
        "2026-12-03T18:00:00+00:00",
        "2026-12-03T19:00:00+00:00",
    )
    assert row.select_one("a.wp-booking-row__cancel")["href"] == cancel_url(Booking.objects.get())
    nav = soup.select_one("nav.wp-member-nav a[aria-current='page']")
    assert nav["href"] == MY_BOOKINGS
    assert words(soup.select_one(".wp-bookings--upcoming").find_previous("h2")) == "Upcoming"


def test_m2_amount_due_links_to_pay_and_desk_payment_says_how(
    member_client, member, staff, flow, now
):
    due = services.book(member, session_at(flow, 3))
    desk = services.book(member, session_at(flow, 4))
    services.record_desk_payment(desk, staff, "cash")

    rows = upcoming_rows(soup_of(member_client.get(MY_BOOKINGS)))

    assert cells(rows[0])[4] == "€12.00 due Pay Yoga Flow, Thursday, 3 December 2026, 18:00"
    assert rows[0].select_one("td:nth-of-type(5) a")["href"] == "/passes/dues/"
    assert cells(rows[1])[4] == "€12.00 paid: Cash at the desk"
    assert due.amount_due == Decimal("12.00")


def test_p6_cancel_shows_what_happens_then_returns_the_entry(member_client, member, flow, ten):
    booking = services.book(member, session_at(flow, 3), member_pass=ten)

    page = soup_of(member_client.get(cancel_url(booking)))
    assert words(page.h1) == "Cancel Yoga Flow, Thursday, 3 December 2026, 18:00?"
    assert words(page.select_one(".wp-cancel__effects")) == (
        "1 entry goes back to your pass “Ten classes”. Your place is freed for someone else."
    )
    assert words(page.select_one(".wp-cancel__deadline")) == (
        "You can cancel online until Wednesday, 2 December 2026, 18:00."
    )

    response = member_client.post(cancel_url(booking))

    assert response.status_code == 303
    assert response["Location"] == f"{MY_BOOKINGS}?cancelled={booking.pk}"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert MemberPass.objects.get(pk=ten.pk).balance == 10
    soup = soup_of(member_client.get(response["Location"]))
    assert words(soup.select_one(".wp-member-outcome")) == (
        "Booking cancelled: Yoga Flow, Thursday, 3 December 2026, 18:00. "
        "1 entry went back to your pass “Ten classes”."
    )
    assert upcoming_rows(soup) == []
    assert cells(past_rows(soup)[0])[4:] == [
        "Paid with “Ten classes”; 1 entry went back to it",
        "Cancelled",
    ]


def test_p6_cancelling_an_amount_due_drops_it(member_client, member, flow, now):
    booking = services.book(member, session_at(flow, 3))

    page = soup_of(member_client.get(cancel_url(booking)))
    assert "The amount due, €12.00, is dropped: you will owe nothing for it." in words(
        page.select_one(".wp-cancel__effects")
    )
    member_client.post(cancel_url(booking))

    booking.refresh_from_db()
    assert (booking.status, booking.amount_due) == (BookingStatus.CANCELLED, 0)


def test_p6_a_second_post_is_harmless(member_client, member, flow, ten):
    booking = services.book(member, session_at(flow, 3), member_pass=ten)
    member_client.post(cancel_url(booking))

    response = member_client.post(cancel_url(booking))

    assert response["Location"] == f"{MY_BOOKINGS}?already_cancelled={booking.pk}"
    assert MemberPass.objects.get(pk=ten.pk).balance == 10  # returned once
    assert ten.ledger.filter(kind="return").count() == 1
    outcome = soup_of(member_client.get(response["Location"])).select_one(".wp-member-outcome")
    assert words(outcome) == (
        "This booking was already cancelled: Yoga Flow, Thursday, 3 December 2026, 18:00."
    )
    page = soup_of(member_client.get(cancel_url(booking)))
    assert page.select_one("form") is None
    assert "This booking is cancelled." in words(page)


def test_p6_after_the_cutoff_no_button_and_a_post_is_refused(member_client, member, flow, ten):
    # Thursday 09:00 with a 24-hour cutoff: online cancelling closed Wednesday 09:00,
    # an hour before "now" (Wednesday 10:00).
    booking = services.book(member, session_at(flow, 3, hour=9), member_pass=ten)

    (row,) = upcoming_rows(soup_of(member_client.get(MY_BOOKINGS)))
    assert row.select_one("a.wp-booking-row__cancel") is None
    assert cells(row)[5] == "Online cancellation closed on Wednesday, 2 December 2026, 09:00"
    page = soup_of(member_client.get(cancel_url(booking)))
    assert page.select_one("form") is None

    response = member_client.post(cancel_url(booking))

    assert response.status_code == 200
    alert = soup_of(response).select_one("[role=alert]")
    assert words(alert) == (
        "Bookings can be cancelled online until 2 December 2026, 09:00; please contact the studio."
    )
    assert soup_of(response).select_one("form") is None
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
    assert MemberPass.objects.get(pk=ten.pk).balance == 9


def test_p6_shown_deadline_is_the_enforced_one_across_the_end_of_summer_time(
    member_client, member, time_machine
):
    # The clocks go back on Sunday 25 October 2026 (BST -> GMT). A session on Monday
    # 26 October at 09:00 GMT with a 48-hour cutoff may be cancelled until 09:00 UTC on
    # Saturday 24 October, which London reads as 10:00 BST (48 real hours, not "09:00").
    time_machine.move_to(dt.datetime(2026, 10, 20, 10, tzinfo=dt.UTC), tick=False)
    programme = ProgrammeFactory(cancellation_cutoff_hours=48)
    klass = ProgrammeClassFactory(programme=programme, name="Swim")
    start = dt.datetime(2026, 10, 26, 9, tzinfo=dt.UTC)
    first = services.book(member, SessionFactory(programme_class=klass, start=start))
    second = services.book(member, SessionFactory(programme_class=klass, start=start))

    shown = "Saturday, 24 October 2026, 10:00"
    rows = upcoming_rows(soup_of(member_client.get(MY_BOOKINGS)))
    assert [cells(row)[5].rsplit("Cancel until ", 1)[1] for row in rows] == [shown, shown]

    time_machine.move_to(dt.datetime(2026, 10, 24, 9, 0, 0, tzinfo=dt.UTC), tick=False)
    assert f"You can cancel online until {shown}." in words(
        soup_of(member_client.get(cancel_url(first)))
    )
    assert member_client.post(cancel_url(first)).status_code == 303  # the shown minute counts
    first.refresh_from_db()
    assert first.status == BookingStatus.CANCELLED

    time_machine.move_to(dt.datetime(2026, 10, 24, 9, 0, 1, tzinfo=dt.UTC), tick=False)
    response = member_client.post(cancel_url(second))
    assert "until 24 October 2026, 10:00" in words(soup_of(response).select_one("[role=alert]"))
    second.refresh_from_db()
    assert second.status == BookingStatus.BOOKED


def test_p7_waiting_list_position_and_leaving_twice(member_client, member, other, now):
    programme = ProgrammeFactory(default_capacity=1)
    klass = ProgrammeClassFactory(programme=programme, name="Full class")
    session = session_at(klass, 3)
    services.book(other, session)
    mine = services.join_waitlist(member, session)
    services.join_waitlist(UserFactory(), session)  # behind the member

    soup = soup_of(member_client.get(MY_BOOKINGS))
    entry = soup.select_one(f"#wp-waiting-{mine.pk}")
    assert words(entry.select_one("span")) == (
        "Full class, Thursday, 3 December 2026, 18:00: number 1 on the waiting list, for 1 place"
    )
    assert entry.select_one("form")["action"] == leave_url(mine)

    response = member_client.post(leave_url(mine))
    assert response["Location"] == f"{MY_BOOKINGS}?left={mine.pk}"
    mine.refresh_from_db()
    assert mine.status == "left"
    soup = soup_of(member_client.get(response["Location"]))
    assert words(soup.select_one(".wp-member-outcome")) == (
        "You left the waiting list for Full class, Thursday, 3 December 2026, 18:00."
    )
    assert soup.select_one(".wp-waiting") is None

    again = member_client.post(leave_url(mine))
    assert again["Location"] == f"{MY_BOOKINGS}?not_waiting={mine.pk}"
    assert words(
        soup_of(member_client.get(again["Location"])).select_one(".wp-member-outcome")
    ) == (
        "You were no longer on the waiting list for Full class, Thursday, 3 December 2026, "
        "18:00: nothing changed."
    )
    assert member_client.get(leave_url(mine)).status_code == 405


def test_m2_another_members_booking_and_entry_are_404(member_client, member, other, now):
    programme = ProgrammeFactory(default_capacity=1)
    klass = ProgrammeClassFactory(programme=programme)
    session = session_at(klass, 3)
    theirs = services.book(other, session_at(klass, 4))
    services.book(member, session)
    entry = services.join_waitlist(other, session)

    for _ in range(2):  # every time
        assert member_client.get(cancel_url(theirs)).status_code == 404
        assert member_client.post(cancel_url(theirs)).status_code == 404
        assert member_client.get(leave_url(entry)).status_code == 404
        assert member_client.post(leave_url(entry)).status_code == 404
    theirs.refresh_from_db()
    entry.refresh_from_db()
    assert (theirs.status, entry.status) == (BookingStatus.BOOKED, "waiting")
    soup = soup_of(member_client.get(f"{MY_BOOKINGS}?cancelled={theirs.pk}&left={entry.pk}"))
    assert soup.select_one(".wp-member-outcome") is None  # nothing said about theirs


@pytest.mark.parametrize(
    "path",
    [
        "/passes/bookings/abc/cancel/",
        "/passes/bookings/-3/cancel/",
        "/passes/bookings/999999999999999999/cancel/",
        "/passes/bookings/99999999999999999999999/cancel/",
        "/passes/bookings/waiting/x/leave/",
        "/passes/bookings/waiting/99999999999999999999999/leave/",
    ],
)
def test_m2_bad_ids_are_404(member_client, path, now):
    assert member_client.get(path).status_code == 404
    assert member_client.post(path).status_code == 404


@pytest.mark.parametrize(
    "param",
    [
        "cancelled=abc",
        "left=99999999999999999999999",
        "page=x",
        "cancelled=%C2%B2",  # "²": a digit to str.isdigit, not to int()
        "left=%E2%91%A0",  # "①"
        "not_waiting=%C2%B9",
    ],
)
def test_m2_bad_query_parameters_are_ignored(member_client, param, now):
    assert member_client.get(f"{MY_BOOKINGS}?{param}").status_code == 200


def test_m2_posts_without_a_csrf_token_are_refused_as_django_does(member, flow, ten):
    booking = services.book(member, session_at(flow, 3), member_pass=ten)
    entry_session = session_at(
        ProgrammeClassFactory(programme=ProgrammeFactory(default_capacity=1)), 5
    )
    services.book(UserFactory(), entry_session)
    entry = services.join_waitlist(member, entry_session)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    assert client.post(cancel_url(booking)).status_code == 403
    assert client.post(leave_url(entry)).status_code == 403
    booking.refresh_from_db()
    entry.refresh_from_db()
    assert (booking.status, entry.status) == (BookingStatus.BOOKED, "waiting")


def test_m2_past_bookings_newest_first_a_page_at_a_time(member_client, member, flow, now):
    for day in range(1, 31):
        BookingFactory(member=member, session=session_at(flow, day, month=11))

    soup = soup_of(member_client.get(MY_BOOKINGS))

    rows = past_rows(soup)
    assert len(rows) == 25
    assert cells(rows[0])[0].startswith("Monday, 30 November 2026")
    assert words(soup.select_one(".wp-pages a[rel=next]")) == "Older bookings"
    second = past_rows(soup_of(member_client.get(f"{MY_BOOKINGS}?page=2")))
    assert [cells(row)[0][:26] for row in second][-1] == "Sunday, 1 November 2026, 1"


@pytest.mark.parametrize("count", [1, 30])
def test_m2_query_count_does_not_grow_with_the_bookings(
    member_client, member, other, flow, count, now, django_assert_max_num_queries
):
    passes = [member_pass(member, title=f"Pass {n}") for n in range(3)]
    full = ProgrammeClassFactory(programme=ProgrammeFactory(default_capacity=1))
    for n in range(count):
        services.book(
            member, session_at(flow, 3 + n % 25, hour=8 + n // 25), member_pass=passes[n % 3]
        )
        BookingFactory(member=member, session=session_at(flow, 1 + n % 28, month=11))
        waiting_for = session_at(full, 3 + n % 25, hour=8 + n // 25)
        services.book(other, waiting_for)
        services.join_waitlist(member, waiting_for)
    member_client.get(MY_BOOKINGS)

    # the member (2: session, user), upcoming bookings and their movements (2), past ones
    # (count, page, movements, charges L3: 4), waiting entries (1), the outcome's booking (2),
    # the feed, the household (F1: whose rows to label)
    with django_assert_max_num_queries(13):
        response = member_client.get(f"{MY_BOOKINGS}?cancelled=1")
    soup = soup_of(response)
    assert len(upcoming_rows(soup)) == count
    assert len(soup.select(".wp-waiting__entry")) == count
    booking = Booking.objects.filter(member=member, status="booked").first()
    with django_assert_max_num_queries(5):
        assert member_client.get(cancel_url(booking)).status_code == 200
