"""The member profile in a real browser (issue 18, item 1): from the search box on the
admin home to the member's profile, booking them into a session there, the booking
showing; no axe violation at 1280 px, no sideways scroll at 375 px."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wagtail_passes import services
from wagtail_passes.models import Booking
from wagtail_passes.test.factories import (
    BookingFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from .desk_world import PHONE, WIDE, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def session_in(klass, days, hour=18):
    start = (timezone.now() + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


@pytest.fixture
def studio():
    """Ann, with a pass, a past session she owes for, an order awaiting payment and a
    history; a Yoga Flow session in two days she has not booked."""
    boss = UserFactory(username="boss", is_superuser=True, is_staff=True)
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.com")
    UserFactory(username="bob", first_name="Bob", last_name="Stone")
    yoga = ProgrammeFactory(name="Yoga", currency="EUR", default_unit_price=Decimal("12.00"))
    flow = ProgrammeClassFactory(programme=yoga, name="Yoga Flow")
    ten = PassPageFactory(
        title="Ten classes", quantity=Decimal(10), duration_days=60, price=Decimal("90.00")
    )
    pass_ = member_pass(ann, ten)
    services.adjust_pass(pass_, Decimal(-1), boss, "a class given back at the desk")
    BookingFactory(
        member=ann,
        session=session_in(flow, -3),
        price=Decimal("12.00"),
        amount_due=Decimal("12.00"),
        currency="EUR",
    )
    services.place_order(ann, ten, accepted_terms=True)
    session = session_in(flow, 2)
    return {"ann": ann, "session": session}


def test_search_profile_book_and_see_the_booking(
    page, live_server, studio, assert_accessible, save_screenshot
):
    page.set_viewport_size(WIDE)
    log_in(page, live_server, "boss")

    search = page.get_by_role("search", name="Members")
    expect(search).to_be_visible()
    assert_accessible(page, "admin home with the member search")
    save_screenshot(page, "profile-dashboard-search")
    search.get_by_label("Find a member").fill("ann lee")
    search.get_by_role("button", name="Search").click()

    # One member found: her profile opens.
    expect(page).to_have_url(re.compile(rf"/admin/passes-desk/members/{studio['ann'].pk}/"))
    expect(page.get_by_role("heading", name="Ann Lee (ann)").first).to_be_visible()
    expect(page.locator("#passes-passes")).to_contain_text("9 of 10 entries")
    expect(page.locator("#passes-owed-total")).to_contain_text("€102.00")
    assert_accessible(page, "member profile")
    save_screenshot(page, "profile-1280")

    book = page.locator("#book-section")
    choose = book.get_by_role("combobox", name=re.compile("^Session"))
    choose.select_option(str(studio["session"].pk))
    book.get_by_role("button", name="Book them").click()

    expect(page.get_by_text(re.compile(r"Ann Lee \(ann\) booked for 1 place"))).to_be_visible()
    upcoming = page.locator("#passes-upcoming")
    expect(upcoming).to_contain_text("Yoga Flow")
    expect(upcoming).to_contain_text("Ten classes")  # R1: her pass paid
    assert Booking.objects.filter(member=studio["ann"], session=studio["session"]).exists()
    assert_accessible(page, "member profile after booking")
    save_screenshot(page, "profile-booked")

    page.set_viewport_size(PHONE)
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the profile scrolls sideways by {overflow}px at 375 px"
    save_screenshot(page, "profile-375")


def test_member_search_page(page, live_server, studio, assert_accessible, save_screenshot):
    UserFactory(username="annie", first_name="Annie", last_name="Hall")
    page.set_viewport_size(WIDE)
    log_in(page, live_server, "boss")

    page.goto(f"{live_server.url}/admin/passes-desk/members/?q=ann")

    results = page.locator("#passes-member-results-table")
    expect(results).to_contain_text("Ann Lee (ann)")
    expect(results).to_contain_text("Annie Hall (annie)")
    assert_accessible(page, "member search")
    save_screenshot(page, "profile-search")
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the search scrolls sideways by {overflow}px at 375 px"
    results.get_by_role("link", name="Annie Hall (annie)").click()
    expect(page.get_by_text("No passes yet.")).to_be_visible()
