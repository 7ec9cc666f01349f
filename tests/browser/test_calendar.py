"""The calendar block in a real browser (CAL1, CAL2, P7): a visitor finds a session in a
page's calendar, logs in and books it with a pass; the same by keyboard only; and a full
session's waiting list books the waiting member when another cancels. axe-core finds no
violation on the week, month and list views nor on the booking page."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from wagtail_passes import services
from wagtail_passes.calendars.blocks import CalendarBlock
from wagtail_passes.conf import passes_settings
from wagtail_passes.models import Booking, MemberPass
from wagtail_passes.presentation import local_today
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    default_site_root,
    member_pass,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCK_ID = "5e55a0c1-0000-4000-8000-000000000000"


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=passes_settings.tzinfo)


def session_on(klass, day, hour=18, **kwargs):
    start = at(day, hour)
    return SessionFactory(
        programme_class=klass, start=start, end=start + dt.timedelta(hours=1), **kwargs
    )


def calendar_page(programme, first_view):
    from tests.testapp.models import CalendarTestPage

    value = CalendarBlock().to_python(
        {
            "programmes": [str(programme.pk)],
            "classes": [],
            "first_view": first_view,
            "weeks_ahead": 8,
            "show_price": True,
            "show_places": True,
        }
    )
    page = CalendarTestPage(title="Timetable", slug="timetable")
    page.body = json.dumps(
        [{"type": "calendar", "value": CalendarBlock().get_prep_value(value), "id": BLOCK_ID}]
    )
    default_site_root().add_child(instance=page)
    return page


def log_in(page, username):
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()


@pytest.fixture
def yoga(transactional_db):
    yoga = ProgrammeFactory(name="Yoga", default_unit_price=Decimal("12.00"))
    flow = ProgrammeClassFactory(programme=yoga, name="Yoga Flow", location="Studio 1")
    return yoga, flow


def test_cal2_visitor_logs_in_from_the_calendar_and_books_with_a_pass(
    page, live_server, yoga, save_screenshot, assert_accessible
):
    programme, flow = yoga
    member = UserFactory(username="ada")
    ten = member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[programme])
    session = session_on(flow, local_today() + dt.timedelta(days=2))
    host = calendar_page(programme, "list")
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}{host.url}")
    expect(page.get_by_role("heading", name=re.compile("^From "))).to_be_visible()
    assert_accessible(page, "calendar list view (anonymous)")
    save_screenshot(page, "calendar-list")
    for view in ("Week", "Month"):
        page.get_by_role("link", name=view, exact=True).click()
        expect(page.locator(f".wp-calendar--{view.lower()}")).to_be_visible()
        assert_accessible(page, f"calendar {view.lower()} view")
        save_screenshot(page, f"calendar-{view.lower()}")
    page.get_by_role("link", name="List", exact=True).click()
    expect(page.locator(".wp-calendar--list")).to_be_visible()

    page.get_by_role("link", name=re.compile("^Log in to book")).first.click()
    log_in(page, "ada")
    expect(page.get_by_role("heading", name="Book Yoga Flow")).to_be_visible()
    expect(page.locator("#wp-booking-state")).to_have_text("10-class pass pays — 9 left after")
    assert_accessible(page, "booking page")
    save_screenshot(page, "calendar-confirm")
    page.get_by_role("button", name="Book").click()
    expect(page.locator("#wp-booked")).to_contain_text(
        "paid with 10-class pass, 9 entries left"
    )
    save_screenshot(page, "calendar-booked")

    booking = Booking.objects.get(member=member, session=session)
    assert booking.member_pass_id == ten.pk
    assert MemberPass.objects.get(pk=ten.pk).balance == Decimal(9)
    page.get_by_role("link", name="Back to the calendar").click()
    expect(page.locator(f'[data-session="{session.pk}"]')).to_contain_text("Booked")

    # M2, M1: the booking is under My bookings and the entry used under My passes ...
    page.goto(f"{live_server.url}/passes/bookings/")
    row = page.locator(".wp-booking-row", has_text="Yoga Flow")
    expect(row).to_contain_text("10-class pass")
    assert_accessible(page, "my bookings")
    page.goto(f"{live_server.url}/passes/my/")
    expect(page.locator(".wp-mypass__usage-words")).to_have_text("1 of 10 entries used")
    save_screenshot(page, "my-passes")
    # ... the member cancels (P6) and sees the entry back.
    page.goto(f"{live_server.url}/passes/bookings/")
    row.get_by_role("link", name=re.compile("^Cancel")).click()
    page.get_by_role("button", name="Yes, cancel the booking").click()
    expect(page.locator(".wp-booking-row", has_text="Yoga Flow").first).to_be_visible()
    page.goto(f"{live_server.url}/passes/my/")
    expect(page.locator(".wp-mypass__usage-words")).to_have_text("0 of 10 entries used")
    assert MemberPass.objects.get(pk=ten.pk).balance == Decimal(10)
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"


def test_cal2_keyboard_only_next_week_and_book(page, live_server, yoga, save_screenshot):
    programme, flow = yoga
    member = UserFactory(username="kim")
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[programme])
    today = local_today()
    next_monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
    session = session_on(flow, next_monday + dt.timedelta(days=1), hour=9)
    host = calendar_page(programme, "week")
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/accounts/login/?next={host.url}")
    page.focus("input[name=username]")
    page.keyboard.type("kim")
    page.keyboard.press("Tab")
    page.keyboard.type("password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("^Week of"))).to_be_visible()

    def tab_to(pattern, limit=80):
        for _ in range(limit):
            page.keyboard.press("Tab")
            name = page.evaluate("document.activeElement && document.activeElement.innerText")
            if name and re.search(pattern, name):
                return
        raise AssertionError(f"no focusable element matching {pattern!r}")

    tab_to(r"^Next week")
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name=f"Week of {next_monday.day} ", exact=False)
    ).to_be_visible()
    # The enhancement keeps focus on the calendar: its heading, then on to the sessions.
    expect(page.locator(".wp-calendar__title")).to_be_focused()
    save_screenshot(page, "calendar-week-next")
    tab_to(r"^Book")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Book Yoga Flow")).to_be_visible()
    tab_to(r"^Book$")
    page.keyboard.press("Enter")
    expect(page.locator("#wp-booked")).to_be_visible()
    assert Booking.objects.filter(member=member, session=session).exists()


def test_p7_full_session_waiting_list_books_the_member_when_another_cancels(
    page, live_server, yoga, save_screenshot, assert_accessible
):
    programme, flow = yoga
    holder = UserFactory(username="bea")
    waiter = UserFactory(username="cy")
    session = session_on(flow, local_today() + dt.timedelta(days=3), capacity=1)
    taken = services.book(holder, session)
    host = calendar_page(programme, "list")
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/accounts/login/?next={host.url}")
    log_in(page, "cy")
    row = page.locator(f'[data-session="{session.pk}"]')
    expect(row).to_contain_text("Full — join the waiting list")
    row.get_by_role("link", name=re.compile("^join the waiting list")).click()
    assert_accessible(page, "booking page (full)")
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.locator("#wp-booking-state")).to_contain_text("You are on the waiting list")

    mail.outbox.clear()
    services.cancel_booking(taken, by=holder)
    promoted = Booking.objects.active().get(session=session)
    assert promoted.member == waiter
    assert any(waiter.email in message.to for message in mail.outbox)
    page.goto(f"{live_server.url}{host.url}")
    expect(page.locator(f'[data-session="{session.pk}"]')).to_contain_text("Booked")
    save_screenshot(page, "calendar-after-waiting-list")
