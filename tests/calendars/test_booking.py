"""Booking from the calendar: the confirmation page, POST through services.book with a
one-time token (P2: a double click books once), the waiting list (P7), P3's refusal page,
and every refusal shown as a message with nothing written."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.models import Booking, MemberPass, WaitlistEntry, WaitlistStatus
from wagtail_passes.test.factories import PassPageFactory, UserFactory, member_pass

pytestmark = pytest.mark.django_db


def url(session, back="/classes/"):
    return f"/passes/sessions/{session.pk}/book/" + (f"?next={back}" if back else "")


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def test_cal2_anonymous_visitors_log_in_first_and_come_back(client, make_session):
    session = make_session(2)
    response = client.get(url(session))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert f"next=/passes/sessions/{session.pk}/book/" in response["Location"]


@pytest.mark.parametrize("pk", ["999999", "999999999999999999"])
def test_cal2_unknown_session_is_404(logged_in, pk):
    assert logged_in.get(f"/passes/sessions/{pk}/book/").status_code == 404


def test_cal2_huge_or_malformed_ids_are_404(logged_in):
    assert logged_in.get("/passes/sessions/9999999999999999999/book/").status_code == 404
    assert logged_in.get("/passes/sessions/abc/book/").status_code == 404


def test_cal2_confirmation_shows_the_pass_that_pays_and_books_it(
    logged_in, member, yoga, make_session
):
    ten = member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    session = make_session(2)
    page = logged_in.get(url(session))
    assert page.status_code == 200
    assert "10-class pass pays — 9 left after" in text(page)
    assert 'name="attendees"' not in page.content.decode()  # one place per session
    response = logged_in.post(
        url(session), {"token": token_of(page), "action": "book", "next": "/classes/"}
    )
    booking = Booking.objects.get(member=member, session=session)
    assert response.status_code == 303
    assert response["Location"] == f"/passes/bookings/{booking.pk}/booked/?next=%2Fclasses%2F"
    assert booking.member_pass == ten
    assert MemberPass.objects.get(pk=ten.pk).balance == Decimal(9)
    done = logged_in.get(response["Location"])
    words = text(done)
    assert "Booked: Yoga Flow," in words and "— paid with 10-class pass, 9 entries left" in words
    assert 'href="/classes/"' in done.content.decode()
    assert 'href="/passes/bookings/"' in done.content.decode()  # My bookings


def test_p2_double_post_with_the_same_token_books_once_and_leads_to_the_result(
    logged_in, member, yoga, make_session
):
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    session = make_session(2)
    token = token_of(logged_in.get(url(session)))
    first = logged_in.post(url(session), {"token": token, "action": "book"})
    second = logged_in.post(url(session), {"token": token, "action": "book"})
    assert Booking.objects.filter(member=member, session=session).count() == 1
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert MemberPass.objects.get(member=member).balance == Decimal(9)


def test_p2_a_second_form_for_a_session_already_booked_leads_to_the_booking(
    logged_in, member, make_session
):
    session = make_session(2)
    one, two = (token_of(logged_in.get(url(session))) for _ in range(2))
    logged_in.post(url(session), {"token": one, "action": "book"})
    response = logged_in.post(url(session), {"token": two, "action": "book"})
    booking = Booking.objects.get(member=member, session=session)
    assert response.status_code == 303
    assert response["Location"].startswith(f"/passes/bookings/{booking.pk}/booked/")


def test_cal2_an_unknown_token_books_nothing_and_asks_to_confirm_again(
    logged_in, member, make_session
):
    session = make_session(2)
    response = logged_in.post(url(session), {"token": "forged", "action": "book"})
    assert response.status_code == 200
    assert "This page has expired" in text(response)
    assert not Booking.objects.exists()


@pytest.mark.parametrize("whose", ["another session", "another member", "tampered"])
def test_cal2_a_token_for_another_form_books_nothing(
    whose, client, logged_in, member, make_session
):
    session, other_session = make_session(2), make_session(3)
    if whose == "another session":
        token = token_of(logged_in.get(url(other_session)))
    elif whose == "another member":
        other = UserFactory(username="bob")
        client.force_login(other)
        token = token_of(client.get(url(session)))
        client.force_login(member)
    else:
        token = token_of(logged_in.get(url(session)))[:-2] + "xx"
    response = logged_in.post(url(session), {"token": token, "action": "book"})
    assert response.status_code == 200
    assert "This page has expired" in text(response)
    assert not Booking.objects.exists()


def test_cal2_a_page_left_open_for_half_a_day_asks_again(
    logged_in, member, make_session, time_machine
):
    session = make_session(2)
    token = token_of(logged_in.get(url(session)))
    time_machine.move_to(timezone.now() + dt.timedelta(hours=12, minutes=1))
    response = logged_in.post(url(session), {"token": token, "action": "book"})
    assert "This page has expired" in text(response)
    assert not Booking.objects.exists()


def test_p2_the_same_form_sent_after_cancelling_leads_to_the_cancelled_booking(
    logged_in, member, yoga, make_session
):
    """The back button and "send again" after a cancellation must not book a second time:
    the token lives on the booking it made."""
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    session = make_session(2)
    token = token_of(logged_in.get(url(session)))
    first = logged_in.post(url(session), {"token": token, "action": "book"})
    booking = Booking.objects.get()
    services.cancel_booking(booking)
    mail.outbox.clear()
    again = logged_in.post(url(session), {"token": token, "action": "book"})
    assert again.status_code == 303 and again["Location"] == first["Location"]
    assert Booking.objects.get().status == "cancelled"
    assert MemberPass.objects.get(member=member).balance == Decimal(10)
    assert mail.outbox == []  # nothing new happened, nothing is emailed


def test_cal2_an_unknown_session_posted_to_is_a_404(logged_in):
    response = logged_in.post("/passes/sessions/999999/book/", {"token": "x", "action": "book"})
    assert response.status_code == 404


def test_p1_no_pass_books_with_the_amount_due_and_says_where_to_pay(
    logged_in, member, make_session
):
    session = make_session(2)
    page = logged_in.get(url(session))
    assert "No pass covers this: €12.00 will be due when you book." in text(page)
    assert 'href="/passes/dues/"' in page.content.decode()
    response = logged_in.post(url(session), {"token": token_of(page), "action": "book"})
    booking = Booking.objects.get()
    assert booking.amount_due == Decimal("12.00") and booking.member_pass is None
    assert "— €12.00 due" in text(logged_in.get(response["Location"]))


def test_p3_refusal_page_names_the_reason_and_the_products_and_has_no_button(
    logged_in, member, yoga, make_session
):
    yoga.require_valid_pass = True
    yoga.save()
    product = PassPageFactory(title="10-class pass", programmes=[yoga])
    session = make_session(2)
    page = logged_in.get(url(session))
    html = page.content.decode()
    assert "This session needs a valid pass, and you hold none." in text(page)
    # P3: one way to get a pass, the session's "Get a pass" page ...
    assert f'href="/passes/sessions/{session.pk}/passes/?next=' in html
    assert "Get a pass" in html and "Buy 10-class pass" not in html
    assert "<form" not in html
    # ... where the checkout books this session once the pass is bought (C3)
    html = logged_in.get(f"/passes/sessions/{session.pk}/passes/").content.decode()
    assert f'href="/passes/checkout/{product.pk}/?session={session.pk}"' in html
    assert "Buy 10-class pass" in html


def test_p3_a_post_anyway_is_refused_with_the_message_and_nothing_written(
    logged_in, member, yoga, make_session
):
    session = make_session(2)
    token = token_of(logged_in.get(url(session)))
    yoga.require_valid_pass = True
    yoga.save()
    response = logged_in.post(url(session), {"token": token, "action": "book"})
    assert response.status_code == 200
    assert 'data-refusal="no_valid_pass"' in response.content.decode()
    assert not Booking.objects.exists()


def test_p7_full_session_offers_the_waiting_list_and_joins_once(logged_in, member, make_session):
    session = make_session(2, capacity=1)
    services.book(UserFactory(), session)
    page = logged_in.get(url(session))
    assert "Join the waiting list" in text(page)
    token = token_of(page)
    for _ in range(2):
        response = logged_in.post(url(session), {"token": token, "action": "waitlist"})
        assert response.status_code == 303
    assert WaitlistEntry.objects.filter(member=member, status=WaitlistStatus.WAITING).count() == 1
    assert "You are on the waiting list" in text(logged_in.get(response["Location"]))


def test_p7_leave_the_waiting_list_from_the_booking_page(logged_in, member, make_session):
    session = make_session(2, capacity=1)
    services.book(UserFactory(), session)
    services.join_waitlist(member, session)
    page = logged_in.get(url(session))
    assert "Leave the waiting list" in text(page)
    logged_in.post(url(session), {"token": token_of(page), "action": "leave"})
    assert WaitlistEntry.objects.get().status == WaitlistStatus.LEFT


def test_p7_a_freed_place_books_the_waiting_member_and_emails_them(
    logged_in, member, yoga, make_session, django_capture_on_commit_callbacks
):
    session = make_session(2, capacity=1)
    other = UserFactory()
    taken = services.book(other, session)
    page = logged_in.get(url(session))
    logged_in.post(url(session), {"token": token_of(page), "action": "waitlist"})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(taken)
    assert Booking.objects.active().get(session=session).member == member
    assert any(member.email in m.to for m in mail.outbox)


def test_p7_booking_a_full_session_is_refused_with_the_message(logged_in, member, make_session):
    session = make_session(2, capacity=1)
    token = token_of(logged_in.get(url(session)))
    services.book(UserFactory(), session)
    response = logged_in.post(url(session), {"token": token, "action": "book"})
    assert response.status_code == 200
    assert "This session is full" in text(response)
    assert not Booking.objects.filter(member=member).exists()


def test_p8_cancelled_and_closed_sessions_show_why_and_no_button(logged_in, yoga, make_session):
    cancelled = make_session(2, is_cancelled=True)
    page = logged_in.get(url(cancelled))
    assert "This session has been cancelled." in text(page) and "<form" not in page.content.decode()
    yoga.booking_opens_days_before = 1
    yoga.save()
    later = make_session(5)
    assert "Booking opens on" in text(logged_in.get(url(later)))


def test_p8_a_session_cancelled_after_the_page_was_shown_is_refused(
    logged_in, member, make_session
):
    session = make_session(2)
    token = token_of(logged_in.get(url(session)))
    session.is_cancelled = True
    session.save()
    response = logged_in.post(url(session), {"token": token, "action": "book"})
    assert response.status_code == 200 and "This session has been cancelled." in text(response)
    assert not Booking.objects.exists()


def test_u3_attendees_field_only_when_the_pass_allows_more_than_one(
    logged_in, member, yoga, make_session
):
    member_pass(
        member,
        title="Family pass",
        quantity=Decimal(10),
        programmes=[yoga],
        allows_additional_attendees=True,
    )
    session = make_session(2)
    page = logged_in.get(url(session))
    assert 'name="attendees"' in page.content.decode()
    logged_in.post(url(session), {"token": token_of(page), "action": "book", "attendees": "3"})
    booking = Booking.objects.get()
    assert booking.attendees == 3
    assert MemberPass.objects.get().balance == Decimal(7)


@pytest.mark.parametrize(
    "back", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_cal2_next_off_the_site_is_dropped(logged_in, make_session, back):
    session = make_session(2)
    page = logged_in.get(url(session, back=back))
    assert "evil" not in page.content.decode() and "javascript:" not in page.content.decode()


def test_cal2_a_booking_result_is_only_for_its_member(client, member, make_session):
    booking = services.book(member, make_session(2))
    client.force_login(UserFactory())
    assert client.get(f"/passes/bookings/{booking.pk}/booked/").status_code == 404


def test_cal2_a_bad_form_books_nothing(logged_in, make_session):
    session = make_session(2)
    response = logged_in.post(url(session), {"token": "", "action": "drop-tables"})
    assert response.status_code == 200 and not Booking.objects.exists()


def _two_passes(member, yoga):
    """An older 5-class pass (R1 pays with it first) and a newer 10-class pass."""
    import datetime as dt

    from django.utils import timezone

    older = member_pass(
        member,
        title="5-class pass",
        quantity=Decimal(5),
        programmes=[yoga],
        purchased_at=timezone.now() - dt.timedelta(days=3),
    )
    newer = member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    return older, newer


def test_r1_with_two_passes_that_pay_the_page_offers_both_the_oldest_chosen(
    logged_in, member, yoga, make_session
):
    older, newer = _two_passes(member, yoga)
    page = logged_in.get(url(make_session(2)))
    html = page.content.decode()
    assert "Pay with" in text(page)
    assert re.search(rf'value="{older.pk}" id="wp-pay-{older.pk}" checked', html)
    assert f'value="{newer.pk}" id="wp-pay-{newer.pk}">' in html
    assert "5-class pass pays — 4 left after" in text(page)
    assert "10-class pass pays — 9 left after" in text(page)


def test_r1_the_member_may_pay_with_the_newer_pass_instead(logged_in, member, yoga, make_session):
    older, newer = _two_passes(member, yoga)
    session = make_session(2)
    page = logged_in.get(url(session))
    response = logged_in.post(
        url(session), {"token": token_of(page), "action": "book", "member_pass": newer.pk}
    )
    assert response.status_code == 303
    booking = Booking.objects.get(member=member, session=session)
    assert booking.member_pass_id == newer.pk
    assert MemberPass.objects.get(pk=newer.pk).balance == Decimal(9)
    assert MemberPass.objects.get(pk=older.pk).balance == Decimal(5)


def test_r1_one_pass_that_pays_needs_no_choice(logged_in, member, yoga, make_session):
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    page = logged_in.get(url(make_session(2)))
    assert "Pay with" not in text(page) and 'name="member_pass"' not in page.content.decode()


@pytest.mark.parametrize("whose", ["someone else's", "unknown", "not a number", "huge"])
def test_r1_a_pass_that_is_not_the_members_is_refused_and_nothing_booked(
    logged_in, member, yoga, make_session, whose
):
    _two_passes(member, yoga)
    other = member_pass(UserFactory(), title="Their pass", quantity=Decimal(10), programmes=[yoga])
    value = {
        "someone else's": other.pk,
        "unknown": 99999999,
        "not a number": "x",
        "huge": 10**30,
    }[whose]
    session = make_session(2)
    page = logged_in.get(url(session))
    response = logged_in.post(
        url(session), {"token": token_of(page), "action": "book", "member_pass": value}
    )
    assert response.status_code == 200
    assert not Booking.objects.exists()
    assert MemberPass.objects.get(pk=other.pk).balance == Decimal(10)
    assert "Nothing was booked" in text(response)


def test_r1_a_chosen_pass_that_cannot_pay_any_more_is_refused_with_its_reason(
    logged_in, member, yoga, make_session
):
    older, newer = _two_passes(member, yoga)
    session = make_session(2)
    page = logged_in.get(url(session))
    staff = UserFactory(is_staff=True, is_superuser=True)
    services.cancel_pass(newer, by=staff, reason="gone")
    response = logged_in.post(
        url(session), {"token": token_of(page), "action": "book", "member_pass": newer.pk}
    )
    assert response.status_code == 200 and not Booking.objects.exists()
    assert "Nothing was booked" in text(response)
    assert MemberPass.objects.get(pk=older.pk).balance == Decimal(5)  # no silent fallback


def test_cal2_the_result_of_a_booking_cancelled_since_says_so_in_its_heading(
    logged_in, member, make_session
):
    booking = services.book(member, make_session(3))
    services.cancel_booking(booking)
    page = logged_in.get(f"/passes/bookings/{booking.pk}/booked/")
    html = page.content.decode()
    assert "<h1>Booking cancelled</h1>" in html and "<h1>Booked</h1>" not in html
    assert "Cancelled: Yoga Flow" in text(page)
