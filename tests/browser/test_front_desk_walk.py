"""A day at the front desk, in Chromium (issue 18's acceptance walks), as a user of the
real "Front desk" group (``ensure_front_desk_group``), not a superuser:

(a) the member search box of the admin home → Ann Lee's profile → book her into Yoga Flow,
    starting in 10 minutes (check-in opens 30 minutes before, the default) → Check-in →
    "Check in" on her row: the row says so without a page reload;
(c) "Check in all" for Vinyasa, starting in 25 minutes with four bookings: all attended;
    the check-in screen on a phone (375 px);
(b) Finn Murphy buys a 10-class pass at the desk and pays later → the manager finds it in
    Outstanding payments → Finn comes back and pays by card: the desk marks the order paid
    from his profile → it is paid and no longer outstanding.

The database is checked after each step; axe finds no violation on the profile and the
check-in screen at 1280 px and on the check-in screen at 375 px.

Screenshots: ``front-desk-*.png`` artefacts, and with ``PASSES_DOCS_SCREENSHOTS=<dir>`` the
docs' pictures (``make docs-screenshots`` writes docs/images/front-desk/).
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from wagtail_passes.models import Booking, BookingStatus, MemberPass, OrderState, Payment

from .desk_world import (
    PHONE,
    WIDE,
    Screenshots,
    build_desk_day,
    log_in,
    no_sideways_scroll,
    scroll_to,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def status(booking):
    return Booking.objects.get(pk=booking.pk).status


def show_day_of(page, live_server, session):
    """The check-in screen shows today: the session's own day instead when the walk runs
    just before midnight and the session starts after it."""
    if session.local_date != timezone.localdate():
        page.goto(f"{live_server.url}/admin/passes-desk/check-in/?date={session.local_date}")


def find_member(page, name):
    search = page.get_by_role("search", name="Members")
    search.get_by_label("Find a member").fill(name)
    return search


@pytest.fixture
def studio_look(settings):
    """The example site's name, and Wagtail's own avatar rather than a Gravatar (which the
    test machine cannot fetch: a broken image in the screenshots)."""
    settings.WAGTAIL_SITE_NAME = "Harbour Studio"
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = None


def test_a_day_at_the_front_desk(
    page, browser, live_server, assert_accessible, save_screenshot, studio_look
):
    day = build_desk_day()
    shots = Screenshots(save_screenshot)
    page.set_default_timeout(15_000)
    page.set_viewport_size(WIDE)
    log_in(page, live_server, "sam")  # Sam Rivera, of the "Front desk" group

    # ---- (a) search → profile → book → check in ---------------------------------------
    search = find_member(page, "Ann Lee")
    search.scroll_into_view_if_needed()
    shots(page, "dashboard-search")
    search.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(rf"/admin/passes-desk/members/{day.ann.pk}/$"))
    expect(page.get_by_role("heading", name="Ann Lee (ann)").first).to_be_visible()
    expect(page.locator("#passes-passes")).to_contain_text("9 of 10 entries")
    expect(page.locator("#passes-past")).to_contain_text("Yoga Flow")
    assert_accessible(page, "the profile at 1280 px")
    shots(page, "profile")

    book = page.locator("#book-section")
    book.get_by_role("combobox", name=re.compile("^Session")).select_option(str(day.flow.pk))
    book.get_by_role("button", name="Book them").click()
    expect(
        page.get_by_text("Ann Lee (ann) booked for 1 place; paid with: 10-class pass.")
    ).to_be_visible()
    expect(page.locator("#passes-upcoming")).to_contain_text("Yoga Flow")
    booking = Booking.objects.get(member=day.ann, session=day.flow)
    assert (booking.status, booking.attendees, booking.member_pass) == (
        BookingStatus.BOOKED,
        1,
        day.ann_pass,
    )

    page.get_by_role("button", name="Passes").click()
    page.get_by_role("link", name="Check-in").click()
    expect(page).to_have_url(re.compile(r"/admin/passes-desk/check-in/$"))
    show_day_of(page, live_server, day.flow)
    flow = page.locator(f"#checkin-session-{day.flow.pk}")
    expect(flow.get_by_role("heading", name=re.compile("Yoga Flow"))).to_be_visible()
    ann_row = page.locator(f"#checkin-booking-{booking.pk}")
    expect(ann_row).to_have_attribute("data-status", "booked")
    page.evaluate("window.deskNotReloaded = true")
    page.get_by_role("button", name="Check in Ann Lee (ann)").click()
    expect(ann_row).to_have_attribute("data-status", "attended")
    expect(ann_row.get_by_text("Checked in")).to_be_visible()
    expect(flow.locator("[data-checkin-status]")).to_have_text("Ann Lee (ann) is checked in.")
    assert page.evaluate("window.deskNotReloaded") is True, "the page reloaded"
    booking.refresh_from_db()
    assert (booking.status, booking.attendance_marked_by) == (BookingStatus.ATTENDED, day.desk)
    assert status(Booking.objects.get(session=day.flow, member__username="grace")) == (
        BookingStatus.BOOKED
    )
    assert_accessible(page, "check-in at 1280 px")
    scroll_to(page.locator("#checkin-day"))
    shots(page, "checkin")

    # ---- (c) "Check in all" for a session with several booked members -----------------
    if day.vinyasa.local_date != day.flow.local_date:  # the walk straddles midnight
        show_day_of(page, live_server, day.vinyasa)
        page.evaluate("window.deskNotReloaded = true")
    vinyasa = page.locator(f"#checkin-session-{day.vinyasa.pk}")
    vinyasa.get_by_role("button", name="Check in all (4 bookings)").click()
    expect(vinyasa.locator("[data-checkin-status]")).to_have_text("4 bookings checked in.")
    expect(vinyasa.locator("[data-checkin-attended]")).to_have_text("5 checked in")  # places
    for b in day.vinyasa_bookings:
        expect(page.locator(f"#checkin-booking-{b.pk}")).to_have_attribute(
            "data-status", "attended"
        )
    assert page.evaluate("window.deskNotReloaded") is True, "the page reloaded"
    assert {status(b) for b in day.vinyasa_bookings} == {BookingStatus.ATTENDED}
    assert status(booking) == BookingStatus.ATTENDED  # Yoga Flow is another session

    page.set_viewport_size(PHONE)
    page.reload()
    expect(vinyasa.get_by_role("heading", name=re.compile("Vinyasa"))).to_be_visible()
    assert no_sideways_scroll(page), "the check-in screen scrolls sideways at 375 px"
    assert_accessible(page, "check-in at 375 px")
    shots(page, "checkin-phone")
    page.set_viewport_size(WIDE)

    # ---- (b) a desk sale, not paid → Outstanding payments → Mark paid ------------------
    page.goto(f"{live_server.url}/admin/")
    find_member(page, "Finn Murphy").get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Finn Murphy (finn)").first).to_be_visible()
    page.locator("#passes-member-tools").get_by_role("link", name="Sell a pass").click()
    expect(page.get_by_role("heading", name="Sell at the desk")).to_be_visible()
    expect(page.get_by_text("Finn Murphy (finn)").first).to_be_visible()  # filled in
    page.get_by_label("Product").select_option(label="10-class pass – €100.00")
    expect(page.get_by_label("Price each")).to_have_value("100.00")
    page.get_by_label("Not paid yet: the member owes it").check()
    scroll_to(page.locator("form.passes-desk-sale"), top=4)  # from Member to Payment
    shots(page, "desk-sale")
    page.get_by_role("button", name="Sell", exact=True).click()

    expect(
        page.get_by_text("Sold 10-class pass to Finn Murphy (finn), not paid: €100.00 is owed.")
    ).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/admin/passes-desk/members/{day.finn.pk}/"))
    order = day.finn.passes_orders.get()
    assert (order.state, order.total, order.sold_by) == (
        OrderState.PENDING,
        Decimal("100.00"),
        day.desk,
    )
    assert not Payment.objects.filter(order=order).exists()
    assert MemberPass.objects.filter(member=day.finn, order_line__order=order).count() == 1
    owed = page.locator("#passes-owed")
    expect(owed).to_contain_text(order.reference)
    expect(page.locator("#passes-owed-total")).to_contain_text("€100.00")

    # The reports are not the front desk's: Outstanding payments is the manager's (a
    # superuser here), in a browser of their own.
    denied = page.goto(f"{live_server.url}{reverse('wagtail_passes_reports:outstanding')}")
    assert denied.status == 403 or "/passes-reports/" not in page.url
    page.go_back()
    manager = browser.new_context(viewport=WIDE)
    office = manager.new_page()
    office.set_default_timeout(15_000)
    log_in(office, live_server, "maya")
    outstanding_url = f"{live_server.url}{reverse('wagtail_passes_reports:outstanding')}"
    office.goto(outstanding_url)
    row = office.get_by_role("row").filter(has_text=order.reference)
    expect(row).to_contain_text("Finn Murphy")
    expect(row).to_contain_text("€100.00")
    expect(row).to_contain_text("sold at the desk")
    expect(row.get_by_role("link", name="Mark paid")).to_be_visible()
    shots(office, "outstanding")

    # Finn comes back and pays by card: the desk marks the order paid from his profile.
    owed.get_by_role("link", name="Mark paid").click()
    expect(page.get_by_role("heading", name=re.compile("Mark paid"))).to_be_visible()
    page.get_by_label("Card terminal at the desk").check()
    page.get_by_label("Note").fill("Terminal receipt 0415")
    page.get_by_label(re.compile("The payment has arrived")).check()
    shots(page, "mark-paid")
    page.get_by_role("button", name="Mark paid").click()

    expect(page.get_by_text(re.compile(rf"{order.reference} marked paid"))).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/admin/passes-desk/members/{day.finn.pk}/"))
    expect(page.get_by_text("Nothing is owed.")).to_be_visible()
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.recorded_by, payment.amount) == (
        "card_terminal",
        day.desk,
        Decimal("100.00"),
    )
    assert MemberPass.objects.filter(member=day.finn).count() == 1  # not issued twice

    office.goto(outstanding_url)
    expect(
        office.get_by_role("heading", name=re.compile("Outstanding payments")).first
    ).to_be_visible()
    expect(office.get_by_role("row").filter(has_text=order.reference)).to_have_count(0)
    manager.close()
