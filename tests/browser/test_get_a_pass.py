"""P3, P6, CAL2 in a real browser on a phone (375 px): a session that needs a pass shows one
"Get a pass" link; its page lists the products that would pay with their cost per session and,
for the season pass the member already ordered, the order to pay; the booking page says what
cancelling will cost before the member confirms. Zero axe violations on each page."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from wagtail_passes import services
from wagtail_passes.calendars.blocks import CalendarBlock
from wagtail_passes.conf import passes_settings
from wagtail_passes.presentation import local_today
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    default_site_root,
    member_pass,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def calendar_page(programme):
    from tests.testapp.models import CalendarTestPage

    value = CalendarBlock().to_python(
        {
            "programmes": [str(programme.pk)],
            "classes": [],
            "first_view": "list",
            "weeks_ahead": 2,
            "show_price": True,
            "show_places": True,
        }
    )
    page = CalendarTestPage(title="Timetable", slug="timetable")
    page.body = json.dumps([{"type": "calendar", "value": CalendarBlock().get_prep_value(value)}])
    default_site_root().add_child(instance=page)
    return page


def test_p3_p6_cal2_one_get_a_pass_link_its_page_and_the_cancel_terms_at_375px(
    page, live_server, assert_accessible, save_screenshot
):
    swim = ProgrammeFactory(name="Swim club", default_unit_price=Decimal("12.00"))
    swim.require_valid_pass = True
    swim.save()
    lanes = ProgrammeClassFactory(programme=swim, name="Lane swim", location="Pool")
    start = dt.datetime.combine(
        local_today() + dt.timedelta(days=3), dt.time(18), tzinfo=passes_settings.tzinfo
    )
    session = SessionFactory(programme_class=lanes, start=start, end=start + dt.timedelta(hours=1))
    for title, kind, quantity, price in (
        ("10 swims", "entries", Decimal(10), Decimal("90.00")),
        ("5 swims", "entries", Decimal(5), Decimal("50.00")),
        ("Unlimited month", "unlimited", None, Decimal("120.00")),
    ):
        PassPageFactory(
            title=title,
            kind=kind,
            quantity=quantity,
            price=price,
            duration_days=30,
            programmes=[swim],
        )
    season = PassPageFactory(
        title="Season pass", kind="unlimited", quantity=None, duration_days=90,
        price=Decimal("240.00"), programmes=[swim],
    )  # fmt: skip
    member = UserFactory(username="ida")
    order = services.place_order(member, season, accepted_terms=True)
    host = calendar_page(swim)

    page.set_viewport_size({"width": 375, "height": 740})
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/?next={host.url}")
    page.fill("input[name=username]", "ida")
    page.fill("input[name=password]", "password")
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()

    row = page.locator(f'[data-session="{session.pk}"]')
    expect(row).to_contain_text("A valid pass is needed")
    assert row.get_by_role("link").count() == 1  # four products pay: one link
    assert_accessible(page, "calendar with Get a pass (375 px)")
    save_screenshot(page, "get-a-pass-calendar-375")

    # Named for screen readers with the session, like the calendar's other action links.
    row.get_by_role("link", name=re.compile(r"^Get a pass\s*: Lane swim")).click()
    expect(page.get_by_role("heading", name="Get a pass for Lane swim")).to_be_visible()
    titles = page.locator(".wp-get-pass__title").all_inner_texts()
    assert titles == ["10 swims", "5 swims", "Unlimited month", "Season pass"]
    options = page.locator(".wp-get-pass__option")
    expect(options.nth(0)).to_contain_text("€9.00 per session")
    expect(options.nth(2)).to_contain_text("unlimited classes for 30 days")
    expect(options.nth(3)).to_contain_text(
        f"Your order {order.reference} is waiting for payment — pay now"
    )
    assert options.nth(3).get_by_role("link", name=re.compile("^Buy")).count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert_accessible(page, "Get a pass (375 px)")
    save_screenshot(page, "get-a-pass-page-375")

    # A pass of its own: the booking page says what cancelling costs before confirming.
    member_pass(member, title="Held swims", programmes=[swim])
    page.get_by_role("link", name="Back to the session").click()
    expect(page.locator("#wp-cancel-terms")).to_contain_text("Free cancellation until")
    assert_accessible(page, "booking page with its cancel terms (375 px)")
    save_screenshot(page, "get-a-pass-booking-375")
