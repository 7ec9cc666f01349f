"""Issue 19 item 2 in a real browser (CAL1, CAL2): the calendar opens on the next 7 days;
its filters narrow the sessions and the URL carries them, with and without JavaScript; on a
phone a day strip shows one day at a time; a member books by keyboard only; axe finds no
violation in the four views with the filters open, at 375 and 1280 px."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from wagtail_passes.calendars.blocks import CalendarBlock
from wagtail_passes.models import Booking
from wagtail_passes.presentation import local_today
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    UserFactory,
    default_site_root,
    member_pass,
)

from .test_calendar import session_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCK_ID = "7e57da75-0000-4000-8000-000000000000"
KEY = BLOCK_ID[:8]
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def timetable(transactional_db):
    """Yoga (Flow in Studio 1 at 9:00, Yin in Studio 2 at 18:00) and Aqua (Swim at 19:00)
    over the coming days, on a page whose calendar block keeps the default first view."""
    from tests.testapp.models import CalendarTestPage

    yoga = ProgrammeFactory(name="Yoga", default_unit_price=Decimal("12.00"))
    aqua = ProgrammeFactory(name="Aqua", default_unit_price=Decimal("8.00"))
    flow = ProgrammeClassFactory(programme=yoga, name="Yoga Flow", location="Studio 1")
    yin = ProgrammeClassFactory(programme=yoga, name="Yin", location="Studio 2")
    swim = ProgrammeClassFactory(programme=aqua, name="Swim", location="Pool")
    today = local_today()
    sessions = {
        "flow": session_on(flow, today + dt.timedelta(days=1), hour=9),
        "yin": session_on(yin, today + dt.timedelta(days=2), hour=18),
        "swim": session_on(swim, today + dt.timedelta(days=2), hour=19),
        "later": session_on(flow, today + dt.timedelta(days=9), hour=9),
    }
    block = CalendarBlock()
    value = block.to_python({"programmes": [str(yoga.pk), str(aqua.pk)], "classes": []})
    page = CalendarTestPage(title="Timetable", slug="timetable")
    page.body = json.dumps(
        [{"type": "calendar", "value": block.get_prep_value(value), "id": BLOCK_ID}]
    )
    default_site_root().add_child(instance=page)
    return {"page": page, "sessions": sessions, "yoga": yoga, "today": today}


def visible_sessions(page):
    return set(
        page.locator(".wp-calendar .wp-session:visible").evaluate_all(
            "rows => rows.map(r => Number(r.dataset.session))"
        )
    )


def ids(timetable, *names):
    return {timetable["sessions"][name].pk for name in names}


def test_cal2_opens_on_the_next_7_days_and_filters_narrow_it(
    page, live_server, timetable, assert_accessible, save_screenshot
):
    page.set_default_timeout(10_000)
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}{timetable['page'].url}")
    expect(page.get_by_role("heading", name="Next 7 days")).to_be_visible()
    expect(page.locator(".wp-calendar--next")).to_be_visible()
    assert visible_sessions(page) == ids(timetable, "flow", "yin", "swim")
    expect(page.locator(".wp-calendar")).not_to_contain_text("Past")

    # Open the filters, choose a location and the evening, and show.
    page.get_by_text("Filter sessions").click()
    page.get_by_label("Location").select_option("Studio 2")
    page.get_by_label("Time of day").select_option("evening")
    page.get_by_role("button", name="Show sessions").click()
    expect(page.locator(".wp-filters__count")).to_have_text("(2 applied)")
    assert f"passes_where_{KEY}=Studio+2" in page.url
    assert f"passes_time_{KEY}=evening" in page.url
    assert visible_sessions(page) == ids(timetable, "yin")
    save_screenshot(page, "calendar-next-filtered")

    # The period links keep the filters; a filter keeps the view.
    page.get_by_role("link", name="List", exact=True).click()
    expect(page.locator(".wp-calendar--list")).to_be_visible()
    assert f"passes_where_{KEY}=Studio+2" in page.url
    assert visible_sessions(page) == ids(timetable, "yin")
    page.get_by_label("Time of day").select_option("")
    page.get_by_role("button", name="Show sessions").click()
    expect(page.locator(".wp-calendar--list")).to_be_visible()
    assert visible_sessions(page) == ids(timetable, "yin")
    page.get_by_role("link", name="Clear the filters").click()
    expect(page.locator(".wp-filters__count")).to_have_count(0)
    assert visible_sessions(page) == ids(timetable, "flow", "yin", "swim", "later")

    # axe: the four views with the filters open, wide and on a phone.
    for size, viewport in (("1280", WIDE), ("375", PHONE)):
        page.set_viewport_size(viewport)
        for view in ("next", "week", "month", "list"):
            page.goto(
                f"{live_server.url}{timetable['page'].url}?passes_view_{KEY}={view}"
                f"&passes_time_{KEY}=morning"
            )
            expect(page.locator(f".wp-calendar--{view}")).to_be_visible()
            expect(page.locator("details.wp-filters")).to_have_attribute("open", "")
            assert_accessible(page, f"calendar {view} with filters open at {size} px")
            no_sideways = "document.documentElement.scrollWidth <= window.innerWidth"
            assert page.evaluate(no_sideways), f"{view} scrolls sideways at {size} px"
            save_screenshot(page, f"calendar-{view}-filters-{size}")


def test_cal2_without_javascript_filters_and_the_day_strip_work(browser, live_server, timetable):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}{timetable['page'].url}")
        # A phone: the day strip, one day at a time (the first with sessions).
        strip = page.get_by_role("navigation", name="Days")
        expect(strip).to_be_visible()
        expect(strip.get_by_role("link")).to_have_count(2)
        expect(strip.locator('[aria-current="true"]')).to_contain_text("1 session")
        assert visible_sessions(page) == ids(timetable, "flow")
        strip.get_by_role("link").nth(1).click()  # a link: the page reloads with that day
        assert f"passes_day_{KEY}=" in page.url
        expect(strip.locator('[aria-current="true"]')).to_contain_text("2 sessions")
        assert visible_sessions(page) == ids(timetable, "yin", "swim")

        page.get_by_text("Filter sessions").click()
        page.get_by_label("Programme").select_option(label="Aqua")
        page.get_by_role("button", name="Show sessions").click()
        assert f"passes_programme_{KEY}=" in page.url
        expect(page.locator(".wp-filters__count")).to_have_text("(1 applied)")
        assert visible_sessions(page) == ids(timetable, "swim")
    finally:
        context.close()


def test_cal2_the_day_strip_switches_days_in_place_with_javascript(
    page, live_server, timetable, assert_accessible
):
    page.set_default_timeout(10_000)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{timetable['page'].url}")
    assert visible_sessions(page) == ids(timetable, "flow")
    page.evaluate("window.notReloaded = true")
    strip = page.get_by_role("navigation", name="Days")
    strip.get_by_role("link").nth(1).click()
    expect(strip.get_by_role("link").nth(1)).to_have_attribute("aria-current", "true")
    assert visible_sessions(page) == ids(timetable, "yin", "swim")
    assert page.evaluate("window.notReloaded === true")  # switched in place
    assert f"passes_day_{KEY}=" in page.url  # and the address says so
    assert_accessible(page, "calendar day strip, second day")
    # On a wide screen the strip hides and every day shows.
    page.set_viewport_size(WIDE)
    expect(strip).to_be_hidden()
    assert visible_sessions(page) == ids(timetable, "flow", "yin", "swim")


def test_cal2_keyboard_only_a_member_books_from_the_next_7_days(page, live_server, timetable):
    member = UserFactory(username="kay")
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[timetable["yoga"]])
    session = timetable["sessions"]["yin"]
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/?next={timetable['page'].url}")
    page.focus("input[name=username]")
    page.keyboard.type("kay")
    page.keyboard.press("Tab")
    page.keyboard.type("password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Next 7 days")).to_be_visible()

    def tab_to(pattern, limit=120):
        for _ in range(limit):
            page.keyboard.press("Tab")
            name = page.evaluate(
                "document.activeElement && (document.activeElement.innerText ||"
                " document.activeElement.getAttribute('aria-label') || '')"
            )
            if name and re.search(pattern, name):
                return
        raise AssertionError(f"no focusable element matching {pattern!r}")

    # By keyboard: open the filters, choose Studio 2, show; then book Yin.
    tab_to(r"^Filter sessions")
    page.keyboard.press("Enter")
    tab_to(r"Any location")
    page.keyboard.press("ArrowDown")  # the first location after "any": Pool
    page.keyboard.press("ArrowDown")  # Studio 1
    page.keyboard.press("ArrowDown")  # Studio 2
    tab_to(r"^Show sessions")
    page.keyboard.press("Enter")
    expect(page.locator(".wp-filters__count")).to_have_text("(1 applied)")
    assert visible_sessions(page) == {session.pk}
    tab_to(r"^Book")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Book Yin")).to_be_visible()
    tab_to(r"^Book$")
    page.keyboard.press("Enter")
    expect(page.locator("#wp-booked")).to_be_visible()
    assert Booking.objects.filter(member=member, session=session).exists()
