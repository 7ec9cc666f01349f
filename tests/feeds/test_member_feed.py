"""CAL3: the member's private feed of their own bookings, its token and resetting it."""

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.models import BookingStatus, CalendarFeed, Session
from wagtail_passes.services.feeds import feed_for_token
from wagtail_passes.test.factories import BookingFactory, UserFactory

from .conftest import events, parse

RESET = "/passes/feeds/bookings/reset/"


def feed_url(member) -> str:
    token = services.member_feed_token(member)
    return reverse("wagtail_passes:member_feed", kwargs={"token": token})


def uids(response) -> list[str]:
    return [str(event["UID"]) for event in events(parse(response))]


def test_cal3_member_feed_url_and_token_not_guessable(member):
    url = feed_url(member)
    token = CalendarFeed.objects.get(member=member).token
    assert url == f"/passes/feeds/bookings/{token}.ics"
    assert len(token) >= 32
    other = services.member_feed_token(UserFactory())
    assert other != token


def test_cal3_member_feed_token_created_once(member):
    first = services.member_feed_token(member)
    assert services.member_feed_token(member) == first
    assert CalendarFeed.objects.filter(member=member).count() == 1
    assert first not in str(CalendarFeed.objects.get(member=member))


def test_cal3_member_feed_lists_only_own_bookings(client, member, make_session):
    mine = BookingFactory(member=member, session=make_session(days=2))
    BookingFactory(member=UserFactory(), session=mine.session)
    BookingFactory(member=UserFactory(), session=make_session(days=3))
    response = client.get(feed_url(member))
    assert response["Cache-Control"].startswith("private")
    assert response["Content-Disposition"] == 'attachment; filename="bookings.ics"'
    [event] = events(parse(response))
    assert str(event["UID"]) == f"booking-{mine.pk}@wagtail-passes.invalid"
    assert str(event["SUMMARY"]) == "Yoga Flow"
    assert str(event["LOCATION"]) == "Studio 2"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == mine.session.start
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert "Ann Lee" in str(event["DESCRIPTION"])


def test_cal3_member_feed_uids_stable(client, member, make_session):
    for days in (1, 4, -3):
        BookingFactory(member=member, session=make_session(days=days))
    url = feed_url(member)
    assert uids(client.get(url)) == uids(client.get(url, HTTP_HOST="elsewhere.example"))
    assert len(uids(client.get(url))) == 3


def test_cal3_member_feed_window(client, member, make_session):
    BookingFactory(member=member, session=make_session(days=-70))
    kept = BookingFactory(member=member, session=make_session(days=-50))
    assert uids(client.get(feed_url(member))) == [f"booking-{kept.pk}@wagtail-passes.invalid"]


def test_cal3_member_feed_cancelled_bookings(client, member, make_session):
    now = timezone.now()
    coming = BookingFactory(
        member=member,
        session=make_session(days=2),
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
    )
    BookingFactory(  # a past cancellation is just gone
        member=member,
        session=make_session(days=-2),
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
    )
    rebooked_session = make_session(days=5)
    BookingFactory(
        member=member, session=rebooked_session, status=BookingStatus.CANCELLED, cancelled_at=now
    )
    rebooked = BookingFactory(member=member, session=rebooked_session)
    by_uid = {str(e["UID"]): e for e in events(parse(client.get(feed_url(member))))}
    assert set(by_uid) == {
        f"booking-{coming.pk}@wagtail-passes.invalid",
        f"booking-{rebooked.pk}@wagtail-passes.invalid",
    }
    assert str(by_uid[f"booking-{coming.pk}@wagtail-passes.invalid"]["STATUS"]) == "CANCELLED"
    assert str(by_uid[f"booking-{rebooked.pk}@wagtail-passes.invalid"]["STATUS"]) == "CONFIRMED"


def test_cal3_member_feed_cancelled_session(client, member, make_session):
    booking = BookingFactory(member=member, session=make_session(days=2))
    Session.objects.filter(pk=booking.session_id).update(
        is_cancelled=True, cancelled_at=timezone.now()
    )
    [event] = events(parse(client.get(feed_url(member))))
    assert str(event["STATUS"]) == "CANCELLED"


def test_cal3_reset_makes_old_address_404(member_client, member, make_session):
    BookingFactory(member=member, session=make_session(days=2))
    old = feed_url(member)
    assert member_client.get(old).status_code == 200
    response = member_client.post(RESET)
    assert response.status_code == 303
    assert member_client.get(old).status_code == 404
    assert member_client.get(old).status_code == 404
    new = feed_url(member)
    assert new != old
    assert len(uids(member_client.get(new))) == 1


def test_cal3_reset_service_replaces_token(member):
    old = services.member_feed_token(member)
    new = services.reset_feed_token(member)
    assert new != old and len(new) >= 32
    assert feed_for_token(old) is None
    assert feed_for_token(new).member == member


def test_cal3_first_post_creates_the_address(member_client, member):
    assert not CalendarFeed.objects.filter(member=member).exists()
    response = member_client.post(RESET, {"next": "/passes/orders/#wp-calendar-feed"})
    assert response.status_code == 303
    assert response["Location"] == "/passes/orders/?calendar=new#wp-calendar-feed"
    assert CalendarFeed.objects.filter(member=member).exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_cal3_reset_never_redirects_off_site(member_client, target):
    response = member_client.post(RESET, {"next": target})
    assert response.status_code == 303
    assert response["Location"].startswith("/")
    assert not response["Location"].startswith("//")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/passes/feeds/bookings/" + "A" * 43 + ".ics",
        "/passes/feeds/bookings/" + "A" * 10_000 + ".ics",
        "/passes/feeds/bookings/short.ics",
        "/passes/feeds/bookings/%00" + "A" * 40 + ".ics",
        "/passes/feeds/bookings/.ics",
    ],
)
def test_cal3_unknown_token_is_404(client, path):
    assert client.get(path).status_code == 404


def test_cal3_inactive_member_feed_is_404(client, member):
    url = feed_url(member)
    member.is_active = False
    member.save()
    assert client.get(url).status_code == 404


def test_cal3_reset_anonymous_goes_to_login(client, db):
    response = client.post(RESET)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_cal3_reset_refuses_get(member_client):
    assert member_client.get(RESET).status_code == 405


def test_cal3_reset_needs_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(RESET).status_code == 403
    assert not CalendarFeed.objects.filter(member=member).exists()


@pytest.mark.parametrize("count", [1, 100])
def test_cal3_member_feed_queries_constant(
    client, member, make_session, django_assert_max_num_queries, count
):
    for index in range(count):
        BookingFactory(member=member, session=make_session(days=index % 120 - 30, hours=index % 7))
    url = feed_url(member)
    with django_assert_max_num_queries(3):  # the token, the upcoming and the past bookings
        response = client.get(url)
    assert len(events(parse(response))) == count


def test_cal3_a_busy_past_never_crowds_out_the_bookings_to_come(
    client, member, make_session, monkeypatch
):
    """The caps apply to the past and to what is to come separately: with room for 2 past
    events, 5 past bookings and 2 to come give the 2 latest past ones and both to come."""
    from wagtail_passes.feeds import views

    monkeypatch.setattr(views, "MEMBER_MAX_PAST", 2)
    monkeypatch.setattr(views, "MEMBER_MAX_EVENTS", 3)
    past = [BookingFactory(member=member, session=make_session(days=-d)) for d in (1, 2, 3, 4, 5)]
    coming = [BookingFactory(member=member, session=make_session(days=d)) for d in (1, 2)]
    uids = {str(e.get("UID")) for e in events(parse(client.get(feed_url(member))))}
    expected = {f"booking-{b.pk}@wagtail-passes.invalid" for b in (past[0], past[1], *coming)}
    assert uids == expected


# ---- the include on My bookings ---------------------------------------------------------


def render_include(member):
    request = RequestFactory().get("/passes/my-bookings/")
    request.user = member
    return render_to_string(
        "wagtail_passes/feeds/_member_feed.html", {"request": request}, request=request
    )


def test_cal3_include_offers_an_address_without_writing(member):
    html = render_include(member)
    assert "Get a calendar address" in html
    assert 'action="/passes/feeds/bookings/reset/"' in html
    assert "csrfmiddlewaretoken" in html
    assert not CalendarFeed.objects.filter(member=member).exists()


def test_cal3_include_shows_address_and_reset(member):
    token = services.member_feed_token(member)
    html = render_include(member)
    assert f'href="webcal://testserver/passes/feeds/bookings/{token}.ics"' in html
    assert '<label for="wp-calendar-feed-address">' in html
    assert f'value="http://testserver/passes/feeds/bookings/{token}.ics" readonly' in html
    assert "Reset the address" in html
    assert "stops working" in html


def test_cal3_reset_goes_back_to_my_bookings(member_client):
    response = member_client.post(RESET)
    assert response.status_code == 303
    my_bookings = reverse("wagtail_passes:my_bookings")
    assert response["Location"] == f"{my_bookings}?calendar=new#wp-calendar-feed"
    again = member_client.post(RESET, {"next": f"{my_bookings}?calendar=new&page=2"})
    assert again["Location"] == f"{my_bookings}?page=2&calendar=reset"
    # Coming from My bookings right after a cancellation: that message is not shown again.
    after_cancel = member_client.post(RESET, {"next": f"{my_bookings}?cancelled=7&page=2"})
    assert after_cancel["Location"] == f"{my_bookings}?page=2&calendar=reset"


def test_cal3_my_bookings_offers_then_shows_the_address(member_client, member):
    page = member_client.get(reverse("wagtail_passes:my_bookings")).content.decode()
    assert "Get a calendar address" in page
    html = member_client.post(RESET, follow=True).content.decode()
    token = CalendarFeed.objects.get(member=member).token
    assert f"webcal://testserver/passes/feeds/bookings/{token}.ics" in html
    assert "Your calendar address is ready." in html
    html = member_client.post(RESET, follow=True).content.decode()
    assert "The old address no longer works." in html
    assert token not in html


def test_cal3_free_session_shows_no_price(client, member, make_session):
    BookingFactory(member=member, session=make_session(days=2), price=0)
    [event] = events(parse(client.get(feed_url(member))))
    assert "Price" not in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(reverse("wagtail_passes:my_bookings"))
