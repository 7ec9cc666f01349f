"""CAL1, CAL2 in a browser: the calendar block of a host that renders ``{{ page.body }}``
(no request reaches the block, tests/page_body.py) and of one that uses ``{% include_block %}``.
A signed-in member sees their standing in both, the first after calendar.js fills it from the
calendar's own page; "Later sessions" moves the period in place; axe finds no violation."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.page_body import page_body_template
from wagtail_passes import services
from wagtail_passes.presentation import format_day, local_today
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    UserFactory,
    member_pass,
)

from .test_calendar import calendar_page, log_in, session_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def yoga(transactional_db):
    yoga = ProgrammeFactory(name="Yoga", default_unit_price=Decimal("12.00"))
    return yoga, ProgrammeClassFactory(programme=yoga, name="Yoga Flow", location="Studio 1")


def test_cal2_a_member_sees_their_standing_with_page_body_and_include_block(
    page, live_server, yoga, save_screenshot, assert_accessible
):
    programme, flow = yoga
    member = UserFactory(username="ada")
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[programme])
    today = local_today()
    booked = session_on(flow, today + dt.timedelta(days=2))
    services.book(member, booked)
    later = session_on(flow, today + dt.timedelta(days=30))
    host = calendar_page(programme, "list")
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/passes/my/")
    log_in(page, "ada")
    page.wait_for_url(re.compile("/passes/my/"))
    next_period = f"From {format_day(today + dt.timedelta(days=28))}"

    for rendering in ("page.body", "include_block"):
        if rendering == "page.body":
            with page_body_template():
                page.goto(f"{live_server.url}{host.url}")
            calendar = page.locator("[data-wp-calendar-src]")
            expect(calendar).to_have_count(1)
        else:
            page.goto(f"{live_server.url}{host.url}")
            expect(page.locator("[data-wp-calendar-src]")).to_have_count(0)
        # With page.body the server rendered "Log in to book"; calendar.js swapped in the
        # member's view from the calendar's own page.
        expect(page.locator(f'[data-session="{booked.pk}"]')).to_contain_text("Booked")
        assert_accessible(page, f"calendar, {rendering}, member")
        save_screenshot(page, f"calendar-{rendering.replace('.', '-')}-member")

        page.get_by_role("link", name=re.compile("Later sessions")).click()
        expect(page.locator(".wp-calendar__title")).to_have_text(next_period)
        expect(page.locator(f'[data-session="{later.pk}"]')).to_contain_text(
            "10-class pass pays — 8 left after"
        )
        expect(page.locator(".wp-calendar__title")).to_be_focused()
        if rendering == "page.body":
            # Swapped in place: the host page stays in the address bar.
            assert page.url == f"{live_server.url}{host.url}"
            assert_accessible(page, "calendar, page.body, later sessions")
