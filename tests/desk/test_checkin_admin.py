"""The check-in screen of the front desk (S3; admin/desk/checkin.py): the day's sessions
with their bookings, what paid and what each member owes (S2); one click checks a member
in or undoes it (a plain form, or JSON for the script), "Check in all", and walk-ins
booked and checked in at once. Refusals and garbage write nothing and are never a 500."""

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.admin.desk.links import profile_url
from wagtail_passes.models import Booking, BookingStatus, LedgerEntry, MemberPass
from wagtail_passes.test.factories import StaffFactory, UserFactory, member_pass

from ..admin import form_token, sidebar_menu, staff_client
from .checkin_helpers import DAY, NOW, at, member, session_at

pytestmark = pytest.mark.django_db

CHECKIN = reverse("wagtail_passes_desk:checkin")
HOME = reverse("wagtailadmin_home")
JSON = {"HTTP_ACCEPT": "application/json"}


def mark_url(booking, session=None):
    return reverse(
        "wagtail_passes_desk:checkin_mark", args=[(session or booking.session).pk, booking.pk]
    )


def all_url(session):
    return reverse("wagtail_passes_desk:checkin_all", args=[session.pk])


def day_url(day, anchor=""):
    return f"{CHECKIN}?date={day.isoformat()}" + (f"#{anchor}" if anchor else "")


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def messages_of(response):
    return [str(m.message).strip() for m in get_messages(response.wsgi_request)]


def snapshot():
    return (
        list(Booking.objects.order_by("pk").values_list("pk", "status", "amount_due")),
        list(LedgerEntry.objects.values_list("pk")),
        list(MemberPass.objects.values_list("pk", "balance")),
        ModelLogEntry.objects.count(),
    )


def status_of(booking):
    return Booking.objects.get(pk=booking.pk).status


def denied(response):
    return response.status_code == 302 and response["Location"] == HOME


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin(client, superuser, clock):
    client.force_login(superuser)
    return client


@pytest.fixture
def desk(clock):
    """Front-desk staff: see, mark and book (not a superuser)."""
    return staff_client(
        "view_booking", "change_booking", "add_booking", "view_session", group_name="Desk"
    )


@pytest.fixture
def day(clock):
    """Flow at 18:00 (check-in open): Ann paid with her pass, Bob owes €12 (and €12 more
    tomorrow), Cleo and a friend owe €24. Pilates at 19:30 (check-in opens at 19:00)."""
    ann = member("ann", "Ann", "Lee")
    bob = member("bob", "Bob", "Stone")
    cleo = member("cleo", "Cleo", "Park")
    member_pass(ann, title="Ten classes", quantity=Decimal(10))
    flow = session_at(at(18), location="Studio 1", instructor="Mia")
    pilates = session_at(at(19, 30), name="Mat", programme__name="Pilates")
    services.book(bob, session_at(at(18, day=DAY + dt.timedelta(days=1))))
    return {
        "flow": flow,
        "pilates": pilates,
        "ann": services.book(ann, flow),
        "bob": services.book(bob, flow),
        "cleo": services.book(cleo, flow, attendees=2),
        "ann_pilates": services.book(ann, pilates),
    }


def rows(response, session):
    """Each booking row of ``session`` as {member: {label: text}}."""
    section = soup(response).find(id=f"checkin-session-{session.pk}")
    found = {}
    for row in section.select("tr[data-checkin-row]"):
        cells = {
            cell["data-label"]: " ".join(cell.get_text(" ", strip=True).split())
            for cell in row.find_all("td")
        }
        found[cells["Member"]] = cells
    return found


# ---- the sheet -------------------------------------------------------------------


def test_S3_the_screen_shows_todays_sessions_rows_and_counts(admin, day):
    response = admin.get(CHECKIN)

    assert response.status_code == 200
    page = soup(response)
    assert "10 March 2027" in page.find(id="checkin-day").get_text()
    headings = [h.get_text(" ", strip=True) for h in page.select(".passes-checkin-session h3")]
    assert headings == ["18:00–19:00 Flow (Yoga)", "19:30–20:30 Mat (Pilates)"]
    flow = rows(response, day["flow"])
    assert flow["Ann Lee (ann)"] == {
        "Member": "Ann Lee (ann)",
        "Places": "1",
        "Status": "Not checked in",
        "Paid with": "Ten classes",
        "Owes in all": "Nothing",
        "Actions": "Check in Ann Lee (ann)",
    }
    assert flow["Bob Stone (bob)"]["Paid with"] == "Amount due €12.00"
    assert flow["Bob Stone (bob)"]["Owes in all"] == "€24.00"  # today's and tomorrow's
    assert flow["Cleo Park (cleo)"]["Owes in all"] == "€24.00"
    assert flow["Bob Stone (bob)"]["Actions"].startswith("Check in Bob Stone (bob) Take payment")
    section = page.find(id=f"checkin-session-{day['flow'].pk}")
    facts = section.select_one(".passes-checkin-session__facts").get_text(" ", strip=True)
    assert "4 of 12 places booked" in facts and "0 checked in" in facts
    assert "Studio 1" in facts and "Mia" in facts
    assert section.find("button", string="Check in all (3 bookings)") is not None
    # Owing is highlighted.
    owes = section.find("tr", id=f"checkin-booking-{day['bob'].pk}").select(".passes-checkin-owes")
    assert owes and "€24.00" in owes[0].get_text()
    # Pilates: check-in opens at 19:00; no buttons yet.
    pilates = page.find(id=f"checkin-session-{day['pilates'].pk}")
    assert "Check-in opens at 19:00." in pilates.get_text(" ", strip=True)
    assert pilates.find("button") is None
    assert rows(response, day["pilates"])["Ann Lee (ann)"]["Actions"] == ""


def test_S3_member_names_link_to_their_profile(admin, day):
    response = admin.get(CHECKIN)
    row = soup(response).find("tr", id=f"checkin-booking-{day['ann'].pk}")
    link = row.select_one(".passes-checkin-row__member a")
    assert link["href"] == profile_url(day["ann"].member_id)


def test_S3_the_take_payment_link_comes_back_to_the_row(admin, day):
    response = admin.get(CHECKIN)
    row = soup(response).find("tr", id=f"checkin-booking-{day['bob'].pk}")
    [link] = [a for a in row.find_all("a") if "Take payment" in a.get_text()]
    assert link["href"].startswith(
        reverse("wagtail_passes_booking_modeladmin_desk_payment", args=[day["bob"].pk])
    )
    assert f"checkin-booking-{day['bob'].pk}" in link["href"]


def test_S3_a_walk_in_without_a_paying_pass_gets_a_sell_a_pass_link(admin, day):
    row = soup(admin.get(CHECKIN)).find("tr", id=f"checkin-booking-{day['bob'].pk}")
    [link] = [a for a in row.find_all("a") if "Sell a pass" in a.get_text()]
    path, _, query = link["href"].partition("?")
    params = parse_qs(query)
    assert path == reverse("wagtail_passes_desk:sell")
    assert params["member"] == [str(day["bob"].member_id)]
    assert params["session"] == [str(day["flow"].pk)]
    assert params["next"][0].endswith(f"#checkin-booking-{day['bob'].pk}")
    # Ann's pass paid: nothing to sell on her row.
    row = soup(admin.get(CHECKIN)).find("tr", id=f"checkin-booking-{day['ann'].pk}")
    assert "Sell a pass" not in row.get_text()


def test_S3_another_day_and_the_day_links(admin, day):
    tomorrow = DAY + dt.timedelta(days=1)
    response = admin.get(day_url(tomorrow))
    page = soup(response)
    assert "11 March 2027" in page.find(id="checkin-day").get_text()
    assert [h.get_text(" ", strip=True) for h in page.select(".passes-checkin-session h3")] == [
        "18:00–19:00 Flow (Yoga)"
    ]
    nav = page.select_one(".passes-checkin__days")
    links = {a.get_text(strip=True): a["href"] for a in nav.find_all("a")}
    assert links == {
        "Previous day": day_url(DAY),
        "Today": CHECKIN,
        "Next day": day_url(DAY + dt.timedelta(days=2)),
    }
    assert nav.find("input", attrs={"type": "date"})["value"] == "2027-03-11"
    # Check-in of tomorrow's session is not open: no marks, no walk-in.
    assert page.select("form[data-checkin-action]") == []
    assert page.select(".passes-checkin-walkin") == []


@pytest.mark.parametrize(
    "value", ["yesterday", "2027-02-30", "1999-12-31", "2101-01-01", "9" * 40, "2027-3-1x"]
)
def test_S3_a_bad_date_shows_today_with_a_message(admin, day, value):
    response = admin.get(CHECKIN, {"date": value})
    assert response.status_code == 200
    assert "10 March 2027" in soup(response).find(id="checkin-day").get_text()
    [message] = messages_of(response)
    assert message.endswith("is not a date: showing today.")


def test_S3_the_first_and_last_days_have_no_link_beyond(admin):
    first = soup(admin.get(CHECKIN, {"date": "2000-01-01"}))
    assert "Previous day" not in first.select_one(".passes-checkin__days").get_text()
    last = soup(admin.get(CHECKIN, {"date": "2100-12-31"}))
    assert "Next day" not in last.select_one(".passes-checkin__days").get_text()


def test_S3_a_day_without_sessions_says_so(admin):
    assert "No sessions on this day." in admin.get(CHECKIN).content.decode()


def page_queries(client, django_assert_num_queries, n):
    with django_assert_num_queries(n):
        response = client.get(CHECKIN)
    assert response.status_code == 200
    return response


#: Queries of the check-in page for a superuser, whatever the number of attendees: the
#: session and user (2), the sheet (4), Wagtail's admin furniture and the walk-in token.
PAGE_QUERIES = 13


def test_S3_the_page_reads_a_fixed_number_of_queries_1_attendee_or_40(
    admin, clock, django_assert_num_queries
):
    flow = session_at(at(18), capacity=60)
    services.book(UserFactory(), flow)
    page_queries(admin, django_assert_num_queries, PAGE_QUERIES)

    for n in range(39):
        buyer = UserFactory()
        if n % 2:
            member_pass(buyer, quantity=Decimal(5))
        booking = services.book(buyer, flow)
        if n % 5 == 0:
            services.mark_attendance(booking, True, by=None)
    response = page_queries(admin, django_assert_num_queries, PAGE_QUERIES)
    assert len(soup(response).select("tr[data-checkin-row]")) == 40


# ---- marks without JavaScript ----------------------------------------------------


def test_S3_one_click_checks_in_and_comes_back_to_the_row(admin, day):
    booking = day["ann"]
    response = admin.post(mark_url(booking), {"action": "attended"})

    assert response.status_code == 302
    assert response["Location"] == day_url(DAY, f"checkin-booking-{booking.pk}")
    assert messages_of(response) == ["Ann Lee (ann) is checked in."]
    assert status_of(booking) == BookingStatus.ATTENDED
    page = admin.get(day_url(DAY))
    assert rows(page, day["flow"])["Ann Lee (ann)"]["Status"] == "Checked in"
    assert rows(page, day["flow"])["Ann Lee (ann)"]["Actions"] == "Undo Ann Lee (ann)"

    response = admin.post(mark_url(booking), {"action": "clear"})
    assert messages_of(response) == ["Ann Lee (ann) is not checked in any more."]
    assert status_of(booking) == BookingStatus.BOOKED


def test_S3_no_show_from_the_start(admin, day, clock):
    booking = day["bob"]
    before = snapshot()
    response = admin.post(mark_url(booking), {"action": "no_show"})
    assert messages_of(response) == [
        "The session has not started yet: a no-show can be marked once it has."
    ]
    assert snapshot() == before

    clock.move_to(at(18, 1))
    actions = rows(admin.get(CHECKIN), day["flow"])["Bob Stone (bob)"]["Actions"]
    assert actions.startswith("Check in Bob Stone (bob) No-show Bob Stone (bob)")
    admin.post(mark_url(booking), {"action": "no_show"})
    assert status_of(booking) == BookingStatus.NO_SHOW
    # Came late after all: check in straight from no-show.
    admin.post(mark_url(booking), {"action": "attended"})
    assert status_of(booking) == BookingStatus.ATTENDED


def test_S3_checking_in_before_check_in_opens_is_refused(admin, day):
    before = snapshot()
    response = admin.post(mark_url(day["ann_pilates"]), {"action": "attended"})
    assert response["Location"] == day_url(DAY, f"checkin-booking-{day['ann_pilates'].pk}")
    assert messages_of(response) == [
        "Check-in opens 30 minutes before the start, at Wed, 10 Mar 2027, 19:00."
    ]
    assert snapshot() == before


def test_S3_check_in_all_without_javascript(admin, day):
    services.mark_attendance(day["bob"], True, by=None)
    response = admin.post(all_url(day["flow"]))
    assert response["Location"] == day_url(DAY, f"checkin-session-{day['flow'].pk}")
    assert messages_of(response) == ["2 bookings checked in."]
    assert {status_of(day[n]) for n in ("ann", "bob", "cleo")} == {BookingStatus.ATTENDED}
    assert status_of(day["ann_pilates"]) == BookingStatus.BOOKED
    facts = soup(admin.get(CHECKIN)).find(id=f"checkin-session-{day['flow'].pk}")
    assert "4 checked in" in facts.get_text(" ", strip=True)
    assert "Check in all" not in facts.get_text()  # nobody left to check in

    response = admin.post(all_url(day["flow"]))
    assert messages_of(response) == ["Everyone booked was marked already; nothing changed."]


def test_S3_check_in_all_before_check_in_opens_is_refused(admin, day):
    before = snapshot()
    response = admin.post(all_url(day["pilates"]))
    assert messages_of(response) == [
        "Check-in opens 30 minutes before the start, at Wed, 10 Mar 2027, 19:00."
    ]
    assert snapshot() == before


# ---- marks with JavaScript (JSON) ------------------------------------------------


def test_S3_json_check_in_answers_the_redrawn_session(admin, day):
    response = admin.post(mark_url(day["ann"]), {"action": "attended"}, **JSON)

    assert response.status_code == 200
    data = response.json()
    assert (data["ok"], data["message"], data["code"]) == (True, "Ann Lee (ann) is checked in.", "")
    html = BeautifulSoup(data["html"], "html.parser")
    row = html.find("tr", id=f"checkin-booking-{day['ann'].pk}")
    assert row["data-status"] == "attended"
    assert row.find("button", attrs={"data-checkin-button": "clear"}) is not None
    assert "1 checked in" in html.get_text(" ", strip=True)
    assert html.find("input", attrs={"name": "csrfmiddlewaretoken"}) is not None
    assert status_of(day["ann"]) == BookingStatus.ATTENDED
    assert messages_of(response) == []  # said in the answer, not queued for the next page

    response = admin.post(mark_url(day["ann"]), {"action": "clear"}, **JSON)
    assert response.json()["ok"] is True
    assert status_of(day["ann"]) == BookingStatus.BOOKED


def test_S3_json_check_in_all(admin, day):
    response = admin.post(all_url(day["flow"]), **JSON)
    data = response.json()
    assert (response.status_code, data["message"]) == (200, "3 bookings checked in.")
    assert "4 checked in" in BeautifulSoup(data["html"], "html.parser").get_text(" ", strip=True)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"action": "maybe"}, "invalid_mark"),
        ({}, "invalid_mark"),
        ({"action": ["attended", "x"]}, "checkin_not_open"),  # the last one is not read
    ],
)
def test_S3_json_refusals_change_nothing(admin, day, data, code):
    before = snapshot()
    response = admin.post(mark_url(day["ann_pilates"]), data, **JSON)
    assert response.status_code == 409
    assert response.json()["ok"] is False
    assert response.json()["code"] in (code, "invalid_mark")
    assert snapshot() == before


def test_S3_a_cancelled_booking_is_refused(admin, day):
    services.cancel_booking(day["bob"], by=StaffFactory())
    before = snapshot()
    response = admin.post(mark_url(day["bob"]), {"action": "attended"}, **JSON)
    assert (response.status_code, response.json()["code"]) == (409, "booking_cancelled")
    assert response.json()["message"] == "A cancelled booking has no attendance."
    assert snapshot() == before


def test_S3_a_booking_of_another_session_or_garbage_ids_change_nothing(admin, day):
    before = snapshot()
    wrong = mark_url(day["ann"], session=day["pilates"])  # Ann's Flow booking, Pilates' id
    response = admin.post(wrong, {"action": "attended"}, **JSON)
    assert response.status_code == 404
    assert response.json()["message"] == (
        "This booking is not on this session: nothing was changed."
    )
    response = admin.post(wrong, {"action": "attended"})
    assert response["Location"] == day_url(DAY, f"checkin-session-{day['pilates'].pk}")
    assert messages_of(response) == ["This booking is not on this session: nothing was changed."]
    huge = "9" * 30
    for url, back in (
        (f"{CHECKIN}{huge}/{day['ann'].pk}/", CHECKIN),
        (f"{CHECKIN}{day['flow'].pk}/{huge}/", day_url(DAY, f"checkin-session-{day['flow'].pk}")),
        (f"{CHECKIN}{huge}/all/", CHECKIN),
        (f"{CHECKIN}999999/all/", CHECKIN),
    ):
        response = admin.post(url, {"action": "attended"})
        assert response.status_code == 302 and response["Location"] == back, url
        assert admin.post(url, {"action": "attended"}, **JSON).status_code == 404
    assert admin.post(f"{CHECKIN}abc/{day['ann'].pk}/").status_code == 404
    assert snapshot() == before


def test_S3_marks_are_posts_only(admin, day):
    before = snapshot()
    for url in (mark_url(day["ann"]), all_url(day["flow"])):
        assert admin.get(url, {"action": "attended"}).status_code == 405
        assert admin.put(url).status_code == 405
    assert snapshot() == before


def test_S3_marks_need_the_csrf_token(superuser, day, clock):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    before = snapshot()
    assert client.post(mark_url(day["ann"]), {"action": "attended"}).status_code == 403
    assert client.post(all_url(day["flow"])).status_code == 403
    assert client.post(CHECKIN, {"session": day["flow"].pk}).status_code == 403
    assert snapshot() == before


# ---- permissions -----------------------------------------------------------------


def test_S3_view_booking_sees_the_sheet_without_buttons_and_cannot_mark(day):
    viewer = staff_client("view_booking", group_name="Viewers")
    before = snapshot()

    response = viewer.get(CHECKIN)
    assert response.status_code == 200
    page = soup(response)
    assert len(page.select("tr[data-checkin-row]")) == 4
    assert page.find("form", attrs={"method": "post"}) is None
    assert "Actions" not in [th.get_text(strip=True) for th in page.find_all("th")]
    assert sidebar_menu(viewer.get(HOME))["Passes"][-1] == "Check-in"

    assert denied(viewer.post(mark_url(day["ann"]), {"action": "attended"}))
    assert denied(viewer.post(all_url(day["flow"])))
    assert denied(viewer.post(CHECKIN, {"session": day["flow"].pk}))
    refused = viewer.post(mark_url(day["ann"]), {"action": "attended"}, **JSON)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed")
    assert snapshot() == before


def test_S3_without_view_booking_there_is_no_check_in(day):
    other = staff_client("view_session", "change_booking", group_name="Others")
    assert denied(other.get(CHECKIN))
    assert "Check-in" not in sidebar_menu(other.get(HOME)).get("Passes", [])


def test_S3_change_booking_marks_but_walks_in_only_with_add_booking(day):
    marker = staff_client("view_booking", "change_booking", group_name="Markers")
    page = soup(marker.get(CHECKIN))
    assert page.select("form[data-checkin-action]")
    assert page.select(".passes-checkin-walkin") == []
    assert marker.post(mark_url(day["ann"]), {"action": "attended"}).status_code == 302
    assert status_of(day["ann"]) == BookingStatus.ATTENDED
    walk_in = member("walk", "Walk", "In")
    assert denied(marker.post(CHECKIN, {"session": day["flow"].pk, "member": walk_in.pk}))
    assert not Booking.objects.filter(member=walk_in).exists()


# ---- walk-ins --------------------------------------------------------------------


def walk_in(client, session, who, attendees=1, token=None):
    page = client.get(CHECKIN)
    token = form_token(page) if token is None else token
    return client.post(
        CHECKIN,
        {"session": session.pk, "member": who.pk, "attendees": attendees, "form_token": token},
    )


def test_S3_a_walk_in_is_booked_with_the_pass_that_pays_and_checked_in(desk, day):
    dan = member("dan", "Dan", "Ray")
    member_pass(dan, title="Five classes", quantity=Decimal(5))

    response = walk_in(desk, day["flow"], dan)

    booking = Booking.objects.get(member=dan)
    assert response.status_code == 302
    assert response["Location"] == day_url(DAY, f"checkin-booking-{booking.pk}")
    assert messages_of(response) == [
        "Dan Ray (dan) booked for 1 place and checked in; paid with: Five classes."
    ]
    assert (booking.status, booking.member_pass.title) == (BookingStatus.ATTENDED, "Five classes")
    assert booking.created_by.groups.get().name == "Desk"
    actions = ModelLogEntry.objects.filter(object_id=str(booking.pk)).values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["wagtail_passes.booking.attendance", "wagtail_passes.booking.create"]


def test_S3_a_walk_in_without_a_pass_owes_the_price(desk, day):
    eve = member("eve", "Eve", "Moss")
    response = walk_in(desk, day["flow"], eve, attendees=2)
    booking = Booking.objects.get(member=eve)
    assert messages_of(response) == [
        "Eve Moss (eve) booked for 2 places and checked in; paid with: Amount due €24.00."
    ]
    assert (booking.status, booking.amount_due) == (BookingStatus.ATTENDED, Decimal("24.00"))
    row = rows(desk.get(CHECKIN), day["flow"])["Eve Moss (eve)"]
    assert (row["Status"], row["Owes in all"]) == ("Checked in", "€24.00")


def test_S3_the_same_walk_in_form_sent_twice_books_once(desk, day):
    eve = member("eve", "Eve", "Moss")
    token = form_token(desk.get(CHECKIN))
    first = walk_in(desk, day["flow"], eve, token=token)
    second = walk_in(desk, day["flow"], eve, token=token)
    assert second["Location"] == first["Location"]
    assert messages_of(second) == ["This walk-in was booked already; nothing changed."]
    assert Booking.objects.filter(member=eve).count() == 1


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("member", "has already booked this session."),
        ("attendees", "places"),
    ],
)
def test_S3_a_refused_walk_in_shows_on_its_form_and_changes_nothing(desk, day, field, message):
    before = snapshot()
    if field == "member":
        response = walk_in(desk, day["flow"], day["ann"].member)  # booked already
    else:
        day["flow"].capacity = 4  # full: 4 places booked
        day["flow"].save()
        response = walk_in(desk, day["flow"], member("eve", "Eve", "Moss"))
    assert response.status_code == 200
    assert messages_of(response) == ["The walk-in was not booked; see the form below."]
    walkin = soup(response).find(id=f"checkin-session-{day['flow'].pk}").select_one("details")
    assert walkin.has_attr("open")
    errors = " ".join(e.get_text(" ", strip=True) for e in walkin.select("[data-field-errors]"))
    assert message in errors
    assert form_token(response)  # a new token: the form can be sent again
    assert snapshot()[:3] == before[:3]


def test_S3_a_walk_in_before_check_in_opens_books_nothing(desk, day):
    before = snapshot()
    eve = member("eve", "Eve", "Moss")
    response = walk_in(desk, day["pilates"], eve)
    assert response.status_code == 200
    assert not Booking.objects.filter(member=eve).exists()  # the booking rolled back
    assert "Check-in opens 30 minutes before the start" in response.content.decode()
    assert snapshot()[:3] == before[:3]


@pytest.mark.parametrize("session", ["", "abc", "999999", "9" * 30, "-1"])
def test_S3_a_walk_in_for_garbage_sessions_is_refused(desk, day, session):
    before = snapshot()
    eve = member("eve", "Eve", "Moss")
    token = form_token(desk.get(CHECKIN))
    response = desk.post(
        CHECKIN, {"session": session, "member": eve.pk, "attendees": 1, "form_token": token}
    )
    assert response.status_code == 200
    assert messages_of(response) == ["The walk-in was not booked; see the form below."]
    assert soup(response).select_one("[role=alert] .error") is not None
    assert snapshot()[:3] == before[:3]


def test_S3_a_walk_in_with_garbage_members_or_places_is_refused(desk, day):
    before = snapshot()
    for data in (
        {"member": "x", "attendees": 1},
        {"member": "9" * 30, "attendees": 1},
        {"member": day["ann"].member_id, "attendees": "two"},
        {"member": day["ann"].member_id, "attendees": 0},
    ):
        token = form_token(desk.get(CHECKIN))
        response = desk.post(CHECKIN, {"session": day["flow"].pk, "form_token": token, **data})
        assert response.status_code == 200, data
    assert snapshot()[:3] == before[:3]


def test_S3_the_walk_in_form_offers_the_member_chooser_per_session(desk, day):
    page = soup(desk.get(CHECKIN))
    [walkin] = page.select(".passes-checkin-walkin")  # only where check-in is open
    assert walkin.find("summary").get_text(strip=True) == "Walk-in for Flow"
    assert walkin.find(id=f"id_walkin_{day['flow'].pk}_member") is not None
    assert "Choose a member" in walkin.get_text()


def test_S3_the_menu_item_opens_the_screen(admin):
    menu = sidebar_menu(admin.get(HOME))
    assert "Check-in" in menu["Passes"]
    props = json.dumps(menu)
    assert "Check-in" in props


def test_P3_a_walk_in_no_pass_pays_for_is_refused_with_a_link_to_sell_one(desk, day):
    strict = session_at(at(18), name="Strict", programme__require_valid_pass=True)
    seller = StaffFactory(
        permissions=["view_booking", "change_booking", "add_booking", "sell_at_desk"]
    )
    client = Client()
    client.force_login(seller)
    eve = member("eve", "Eve", "Moss")
    before = snapshot()

    response = walk_in(client, strict, eve)

    assert response.status_code == 200
    assert not Booking.objects.filter(member=eve).exists()
    assert snapshot()[:3] == before[:3]
    walkin = soup(response).find(id=f"checkin-session-{strict.pk}").select_one("details")
    [link] = [a for a in walkin.find_all("a") if a.get_text(strip=True) == "Sell a pass"]
    assert link["href"].startswith(f"/admin/passes-desk/sell/?member={eve.pk}&session={strict.pk}")
    # Without sell_at_desk (the desk fixture) the link is not offered.
    response = walk_in(desk, strict, eve)
    walkin = soup(response).find(id=f"checkin-session-{strict.pk}").select_one("details")
    assert "Sell a pass" not in walkin.get_text()
