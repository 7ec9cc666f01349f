"""Emails a member can act on (issue 19, item 5; the emails of P6, P7, P8): every booking
email links to the booking's page (M2: see it, cancel it where P6 allows) at the site's real
address and carries the booking as a calendar invitation, parsed back here with icalendar.

- Booked, promoted, moved: METHOD:REQUEST; cancelled (by the member or with the session):
  METHOD:CANCEL with STATUS:CANCELLED.
- One UID per booking, the member feed's (CAL3), so a calendar app updates one event; its
  SEQUENCE grows with each change (the moment of the change, in seconds from 2020).
- Times on the site's wall clock (Europe/Berlin here, on a UTC server) with a VTIMEZONE.
"""

import datetime as dt
import re

import pytest
import time_machine
from icalendar import Calendar

from wagtail_passes import services
from wagtail_passes.feeds import ical
from wagtail_passes.services.email_ics import sequence_at

from .conftest import BOOKED_AT, CANCELLED_AT, CONFIGURED, MOVED_AT, START

pytestmark = pytest.mark.django_db

BERLIN = "Europe/Berlin"


def manage_link(booking, root=CONFIGURED):
    return f"{root}/passes/bookings/{booking.pk}/cancel/"


def book(member, session, committed, at=BOOKED_AT):
    with time_machine.travel(at, tick=False), committed():
        return services.book(member, session)


def test_m2_the_confirmation_links_to_the_booking_and_invites_to_it(
    member, session, committed, outbox
):
    booking = book(member, session, committed)
    (sent,) = outbox()

    # The link: the booking's own page (see it, cancel it), at the configured address,
    # in both parts; never the default Site's "localhost".
    link = manage_link(booking)
    assert f"See or cancel this booking: {link}" in sent.text
    assert f'<a href="{link}">See or cancel this booking</a>' in sent.html
    assert "localhost" not in sent.text + sent.html

    # The attachment, as a mail client sees it.
    assert sent.content_type == "text/calendar"
    assert (sent.method_param, sent.charset, sent.filename) == ("REQUEST", "utf-8", "booking.ics")
    assert sent.method == "REQUEST"
    assert sent.raw.count(b"\n") == sent.raw.count(b"\r\n") > 10  # RFC 5545 line ends
    event = sent.event
    assert sent.uid == f"booking-{booking.pk}@wagtail-passes.invalid" == ical.booking_uid(booking)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Yoga Flow"
    assert str(event["LOCATION"]) == "Studio 2"
    assert str(event["URL"]) == link
    assert sent.sequence == sequence_at(BOOKED_AT)
    assert str(event["ORGANIZER"]) == "mailto:hello@harbour.example"
    assert event["ORGANIZER"].params["CN"] == "Harbour Studio"
    assert str(event["ATTENDEE"]) == "mailto:lee@example.com"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"

    # The site's wall clock: 18:30 Berlin, with Berlin's VTIMEZONE, the same moment as stored.
    start, end = event["DTSTART"], event["DTEND"]
    assert start.params["TZID"] == end.params["TZID"] == BERLIN
    assert (start.dt.hour, start.dt.minute, end.dt.hour) == (18, 30, 19)
    assert start.dt == START and end.dt == START + dt.timedelta(hours=1)
    assert [str(tz["TZID"]) for tz in sent.calendar.walk("VTIMEZONE")] == [BERLIN]
    assert "Wednesday, 10 March 2027, 18:30" in sent.text  # the body agrees


def test_cal3_the_member_feed_describes_the_same_event(member, session, committed, outbox, client):
    booking = book(member, session, committed)
    (sent,) = outbox()
    token = services.member_feed_token(member)

    feed = Calendar.from_ical(client.get(f"/passes/feeds/bookings/{token}.ics").content)
    (in_feed,) = feed.walk("VEVENT")

    for field in ("UID", "SUMMARY", "LOCATION", "DESCRIPTION", "STATUS", "DTSTART", "DTEND"):
        assert in_feed[field].to_ical() == sent.event[field].to_ical(), field
    assert in_feed["UID"] == ical.booking_uid(booking)


def test_p8_a_moved_session_updates_the_same_event_with_a_higher_sequence(
    member, session, staff, committed, outbox
):
    booking = book(member, session, committed)
    (confirmed,) = outbox()
    later = START + dt.timedelta(minutes=30)  # 19:00 Berlin, the same day

    with time_machine.travel(MOVED_AT, tick=False), committed():
        services.update_session(session, staff, start=later, end=later + dt.timedelta(hours=1))
    (moved,) = outbox()

    assert moved.method == moved.method_param == "REQUEST"
    assert moved.uid == confirmed.uid == ical.booking_uid(booking)
    assert moved.sequence == sequence_at(MOVED_AT) > confirmed.sequence
    assert moved.event["DTSTART"].dt == later
    assert (moved.event["DTSTART"].dt.hour, moved.event["DTSTART"].params["TZID"]) == (19, BERLIN)
    assert str(moved.event["STATUS"]) == "CONFIRMED"
    link = manage_link(booking)
    assert link in moved.text and f'href="{link}"' in moved.html


def test_p6_cancelling_sends_a_cancel_for_the_same_uid(member, session, committed, outbox):
    booking = book(member, session, committed)
    (confirmed,) = outbox()

    with time_machine.travel(CANCELLED_AT, tick=False), committed():
        services.cancel_booking(booking)
    (cancelled,) = outbox()

    assert cancelled.method == cancelled.method_param == "CANCEL"
    assert cancelled.filename == "booking.ics"
    assert cancelled.uid == confirmed.uid
    assert str(cancelled.event["STATUS"]) == "CANCELLED"
    assert cancelled.sequence == sequence_at(CANCELLED_AT) > confirmed.sequence
    assert "PARTSTAT" not in cancelled.event["ATTENDEE"].params  # nothing to accept
    # Nothing left to manage on it: the link leads to My bookings, in both parts.
    bookings = f"{CONFIGURED}/passes/bookings/"
    assert f"See your bookings: {bookings}" in cancelled.text
    assert f'<a href="{bookings}">See your bookings</a>' in cancelled.html


def test_p8_a_cancelled_session_cancels_each_members_event(
    member, session, staff, committed, outbox
):
    booking = book(member, session, committed)
    (confirmed,) = outbox()

    with time_machine.travel(CANCELLED_AT, tick=False), committed():
        services.cancel_session(session, staff)
    (cancelled,) = outbox()

    assert "this session has been cancelled" in cancelled.text
    assert cancelled.method == cancelled.method_param == "CANCEL"
    assert cancelled.uid == confirmed.uid == ical.booking_uid(booking)
    assert str(cancelled.event["STATUS"]) == "CANCELLED"
    assert cancelled.sequence > confirmed.sequence
    assert f"{CONFIGURED}/passes/bookings/" in cancelled.text


def test_p7_a_promoted_member_gets_a_request_for_their_new_booking(
    member, session, committed, outbox
):
    from wagtail_passes.test.factories import UserFactory

    session.capacity = 1
    session.save()
    first = book(UserFactory(username="sam"), session, committed)
    services.join_waitlist(member, session)
    outbox()

    with time_machine.travel(CANCELLED_AT, tick=False), committed():
        services.cancel_booking(first)
    by_recipient = {tuple(sent.to): sent for sent in outbox()}

    promoted = by_recipient[("lee@example.com",)]
    booking = session.bookings.get(member=member)
    assert "we booked it for you" in promoted.text
    assert promoted.method == promoted.method_param == "REQUEST"
    assert promoted.uid == ical.booking_uid(booking)
    assert manage_link(booking) in promoted.text
    assert f'href="{manage_link(booking)}"' in promoted.html
    assert by_recipient[("sam@example.com",)].method == "CANCEL"


def test_p6_an_email_rendered_after_the_booking_was_cancelled_never_re_adds_it(
    member, session, outbox, django_capture_on_commit_callbacks
):
    # With a worker, the confirmation may be sent after the member already cancelled.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        booking = services.book(member, session)
    services.cancel_booking(booking)
    for callback in queued:
        callback()
    (late,) = outbox()
    assert late.method == "CANCEL" and str(late.event["STATUS"]) == "CANCELLED"


# The request that caused the email decides the address: the one the member is using.

HOST = "studio.test:8123"


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_m2_links_use_the_host_of_the_request_that_caused_the_email(
    client, member, session, committed, outbox, time_machine
):
    time_machine.move_to(BOOKED_AT, tick=False)
    client.force_login(member)
    url = f"/passes/sessions/{session.pk}/book/"
    page = client.get(url, HTTP_HOST=HOST)
    with committed():
        response = client.post(url, {"token": token_of(page), "action": "book"}, HTTP_HOST=HOST)
    assert response.status_code == 303
    (confirmed,) = outbox()
    booking = session.bookings.get()
    link = manage_link(booking, f"http://{HOST}")
    assert link in confirmed.text and f'href="{link}"' in confirmed.html
    assert str(confirmed.event["URL"]) == link
    assert CONFIGURED not in confirmed.text

    # Cancelling from the booking's page, over HTTPS at another address.
    time_machine.move_to(CANCELLED_AT, tick=False)
    with committed():
        client.post(f"/passes/bookings/{booking.pk}/cancel/", HTTP_HOST="secure.test", secure=True)
    (cancelled,) = outbox()
    assert cancelled.method == "CANCEL"
    assert "https://secure.test/passes/bookings/" in cancelled.text
    assert 'href="https://secure.test/passes/bookings/"' in cancelled.html

    # Without a request (a task, staff code), emails take the setting's address.
    with committed():
        services.book(member, session)
    (again,) = outbox()
    assert f"{CONFIGURED}/passes/bookings/" in again.text


def test_m2_a_signed_out_member_follows_the_link_signs_in_and_lands_on_the_booking(
    client, member, session, committed, outbox
):
    booking = book(member, session, committed)
    (sent,) = outbox()
    path = re.search(r"See or cancel this booking: \S+?(/passes/\S+)", sent.text).group(1)

    signed_out = client.get(path)
    assert signed_out.status_code == 302
    assert signed_out["Location"] == f"/accounts/login/?next={path}"

    assert path == f"/passes/bookings/{booking.pk}/cancel/"  # the booking that was emailed
    client.force_login(member)
    page = client.get(path).content.decode()
    assert "Yes, cancel the booking" in page and "Yoga Flow" in page
