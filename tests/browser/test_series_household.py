"""T1 with F1 in a real browser, at a phone's width: a parent books a term of Tuesdays for two
children, one of whom has no pass that pays; the result lists each date and person — the one
booked with her pass, the other refused with the reason — and nothing overflows at 375 px."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from wagtail_passes import services
from wagtail_passes.conf import passes_settings
from wagtail_passes.models import Booking
from wagtail_passes.presentation import local_today
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from .test_member_pages import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEKS = 4


def tuesdays_at_six(klass, weeks):
    today = local_today()
    first = today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)
    sessions = []
    for week in range(weeks):
        day = first + dt.timedelta(weeks=week)
        start = dt.datetime.combine(day, dt.time(18), tzinfo=passes_settings.tzinfo)
        sessions.append(
            SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))
        )
    return sessions


def test_T1_F1_a_parent_books_a_term_for_two_children_one_without_a_pass(
    page, live_server, tmp_path, assert_accessible
):
    parent = UserFactory(username="maya")
    swim = ProgrammeFactory(name="Swim", require_valid_pass=True, booking_opens_days_before=None)
    klass = ProgrammeClassFactory(programme=swim, name="Junior swim", capacity=8)
    sessions = tuesdays_at_six(klass, WEEKS)
    ana = services.add_dependant(parent, "Ana")
    leo = services.add_dependant(parent, "Leo")
    member_pass(ana, title="Kids ten", quantity=Decimal(10), programmes=[swim])
    page.set_viewport_size({"width": 375, "height": 800})
    page.set_default_timeout(10_000)

    log_in(page, live_server, "maya")
    page.goto(f"{live_server.url}/passes/sessions/{sessions[0].pk}/book/")
    page.locator("#wp-book-series").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("every Tuesday at 18:00")
    page.get_by_label("Ana").check()
    page.get_by_label("Leo").check()
    me = page.locator("input[name=people][value=me]")
    if me.is_checked():
        me.uncheck()
    page.fill("#wp-series-ends-on", sessions[-1].start.date().isoformat())
    page.get_by_role("button", name="Book these dates").click()

    summary = page.locator("#wp-series-summary")
    expect(summary).to_contain_text(f"{WEEKS} booked")
    expect(summary).to_contain_text(f"{WEEKS} not booked")
    rows = page.locator("tr.wp-series__row")
    expect(rows).to_have_count(2 * WEEKS)
    for person, state in (("Ana", "booked"), ("Leo", "refused")):
        theirs = page.locator(f"tr.wp-series__row[data-state={state}]", has_text=person)
        expect(theirs).to_have_count(WEEKS)
    expect(page.locator("tr.wp-series__row[data-state=refused]").first).to_contain_text(
        re.compile("needs a valid pass", re.I)
    )
    # Each date of Ana's paid with her own pass; none of Leo's booked.
    assert Booking.objects.filter(person=ana, member_pass__title="Kids ten").count() == WEEKS
    assert not Booking.objects.filter(person=leo).exists()
    # At a phone's width the rows stack: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide at 375px"
    assert_accessible(page, "series result")
    shot(page, tmp_path, "series-result-375")
