"""The front desk's check-in screen in Chromium (S3): one click checks a member in and
another undoes it without reloading the page, "Check in all", a walk-in chosen with the
member chooser, zero axe violations at 1280 and 375 px, and no sideways scroll on a
phone (375 px) or a tablet (768 px). Screenshots: checkin-*.png."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wagtail_passes import services
from wagtail_passes.models import Booking, BookingStatus
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

from .desk_world import log_in, no_sideways_scroll, settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK_PERMISSIONS = ["view_booking", "change_booking", "add_booking", "view_session"]


def person(username, first, last):
    return UserFactory(
        username=username, first_name=first, last_name=last, email=f"{username}@example.org"
    )


@pytest.fixture
def studio():
    """Yoga Flow starting in 10 minutes (check-in open): Ann holds a pass, Bob owes,
    Cleo brings a friend; Dan will walk in with a pass."""
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=10)
    flow = ProgrammeClassFactory(
        name="Flow", programme__name="Yoga", capacity=12, location="Studio 1", instructor="Mia"
    ).sessions.create(start=start, end=start + dt.timedelta(hours=1))
    ann = person("ann", "Ann", "Lee")
    member_pass(ann, title="Ten classes", quantity=Decimal(10))
    dan = person("dan", "Dan", "Ray")
    member_pass(dan, title="Five classes", quantity=Decimal(5))
    bookings = {
        "ann": services.book(ann, flow),
        "bob": services.book(person("bob", "Bob", "Stone"), flow),
        "cleo": services.book(person("cleo", "Cleo", "Park"), flow, attendees=2),
    }
    StaffFactory(username="desk", permissions=DESK_PERMISSIONS)
    return {"flow": flow, "dan": dan, **bookings}


def status(booking):
    return Booking.objects.get(pk=booking.pk).status


def test_S3_check_in_with_a_click_undo_check_in_all_and_a_walk_in(
    page, live_server, studio, assert_accessible, save_screenshot
):
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "desk")
    url = f"{live_server.url}/admin/passes-desk/check-in/?date={studio['flow'].local_date}"
    page.goto(url)
    expect(page.get_by_role("heading", name=re.compile("Flow"))).to_be_visible()
    assert_accessible(page, "check-in at 1280 px")
    save_screenshot(page, "checkin-1280")

    # One click checks Ann in: the row changes, the page does not reload.
    page.evaluate("window.checkinNotReloaded = true")
    ann_row = page.locator(f"#checkin-booking-{studio['ann'].pk}")
    page.get_by_role("button", name="Check in Ann Lee (ann)").click()
    expect(ann_row).to_have_attribute("data-status", "attended")
    expect(ann_row.get_by_text("Checked in")).to_be_visible()
    status_region = page.locator(f"#checkin-session-{studio['flow'].pk} [data-checkin-status]")
    expect(status_region).to_have_text("Ann Lee (ann) is checked in.")
    attended = page.locator(f"#checkin-session-{studio['flow'].pk} [data-checkin-attended]")
    expect(attended).to_have_text("1 checked in")
    undo = page.get_by_role("button", name="Undo Ann Lee (ann)")
    expect(undo).to_be_focused()
    assert page.evaluate("window.checkinNotReloaded") is True
    assert status(studio["ann"]) == BookingStatus.ATTENDED
    save_screenshot(page, "checkin-checked-in")

    # The same click undoes it.
    undo.click()
    expect(ann_row).to_have_attribute("data-status", "booked")
    expect(status_region).to_have_text("Ann Lee (ann) is not checked in any more.")
    assert page.evaluate("window.checkinNotReloaded") is True
    assert status(studio["ann"]) == BookingStatus.BOOKED

    # Check in all: everyone booked, still without a reload.
    page.get_by_role("button", name="Check in all (3 bookings)").click()
    expect(status_region).to_have_text("3 bookings checked in.")
    expect(attended).to_have_text("4 checked in")
    assert page.evaluate("window.checkinNotReloaded") is True
    assert {status(studio[n]) for n in ("ann", "bob", "cleo")} == {BookingStatus.ATTENDED}

    # A walk-in: choose Dan, book and check him in at once (a plain form: the page reloads).
    page.get_by_text("Walk-in for Flow").click()
    page.get_by_role("button", name="Choose a member").click()
    modal = page.locator(".modal-content")
    modal.get_by_placeholder("Name, username or email").fill("dan")
    modal.get_by_role("link", name="Dan Ray (dan)").click()
    expect(page.locator(f"#checkin-session-{studio['flow'].pk}-walkin")).to_contain_text(
        "Dan Ray (dan)"
    )
    page.get_by_role("button", name="Book and check in").click()
    expect(
        page.get_by_text(
            "Dan Ray (dan) booked for 1 place and checked in; paid with: Five classes."
        )
    ).to_be_visible()
    walk_in = Booking.objects.get(member=studio["dan"])
    assert (walk_in.status, walk_in.member_pass.title) == (BookingStatus.ATTENDED, "Five classes")
    expect(page.locator(f"#checkin-booking-{walk_in.pk}")).to_have_attribute(
        "data-status", "attended"
    )
    settled(page)  # Wagtail's message fades in: judge its colours once it has
    assert_accessible(page, "check-in after a walk-in at 1280 px")

    # A phone: every booking a card, no sideways scroll, no axe violation.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(url)
    expect(page.get_by_role("heading", name=re.compile("Flow"))).to_be_visible()
    assert no_sideways_scroll(page)
    assert_accessible(page, "check-in at 375 px")
    save_screenshot(page, "checkin-375")
    # A mark still works with a tap at that width.
    page.get_by_role("button", name="Undo Ann Lee (ann)").click()
    expect(page.locator(f"#checkin-booking-{studio['ann'].pk}")).to_have_attribute(
        "data-status", "booked"
    )
    box = page.get_by_role("button", name="Check in Ann Lee (ann)").bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24
    assert no_sideways_scroll(page)

    # A tablet.
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(url)
    expect(page.get_by_role("heading", name=re.compile("Flow"))).to_be_visible()
    assert no_sideways_scroll(page)
    save_screenshot(page, "checkin-768")


def test_S3_without_javascript_a_click_still_checks_in(browser, live_server, studio):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "desk")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/admin/passes-desk/check-in/?date={studio['flow'].local_date}")
    page.get_by_role("button", name="Check in Bob Stone (bob)").click()
    expect(page).to_have_url(re.compile(rf"#checkin-booking-{studio['bob'].pk}$"))
    expect(page.get_by_text("Bob Stone (bob) is checked in.")).to_be_visible()
    assert status(studio["bob"]) == BookingStatus.ATTENDED
    context.close()
