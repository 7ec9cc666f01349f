"""The member's own pages in a real browser (M1, M2, P6): a member with a pass and an
upcoming booking opens My passes and My bookings (axe: no WCAG 2.2 AA violation), cancels
the booking and finds the entry back on the pass."""

import os
import re
import shutil
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from wagtail_passes import services
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()


def shot(page, tmp_path, name):
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    keep = os.environ.get("PASSES_SCREENSHOTS")
    if keep:  # copy them somewhere to look at: PASSES_SCREENSHOTS=/tmp/shots
        shutil.copy(path, f"{keep}/{name}.png")


def test_m1_m2_p6_member_sees_passes_and_bookings_and_cancels(
    page, live_server, tmp_path, assert_accessible
):
    member = UserFactory(username="robin")
    yoga = ProgrammeFactory(name="Yoga")
    flow = ProgrammeClassFactory(programme=yoga, name="Yoga Flow", location="Studio 2")
    ten = member_pass(member, title="Ten classes", quantity=Decimal(10), duration_days=90)
    used = member_pass(member, title="Taster", quantity=Decimal(1))
    services.book(member, SessionFactory(programme_class=flow), member_pass=used)
    session = SessionFactory(programme_class=flow)
    services.book(member, session, member_pass=ten)
    full = SessionFactory(programme_class=ProgrammeClassFactory(programme=yoga, capacity=1))
    services.book(UserFactory(), full)
    services.join_waitlist(member, full)
    page.set_default_timeout(10_000)

    log_in(page, live_server, "robin")
    page.goto(f"{live_server.url}/passes/my/")
    expect(page.get_by_role("heading", name="My passes", exact=True)).to_be_visible()
    card = page.locator(".wp-mypass", has=page.get_by_role("heading", name="Ten classes"))
    expect(card).to_contain_text("Available now")
    expect(card).to_contain_text("1 of 10 entries used")
    expect(card).to_contain_text("9 of 10 entries")
    expect(page.locator(".wp-mypasses--past")).to_contain_text("Used up")
    assert_accessible(page, "my passes")
    shot(page, tmp_path, "my-passes")

    page.get_by_role("link", name="My bookings").click()
    expect(page.get_by_role("heading", name="My bookings", exact=True)).to_be_visible()
    upcoming = page.locator(".wp-bookings--upcoming")
    expect(upcoming).to_contain_text("Paid with “Ten classes” (1 entry)")
    expect(page.locator(".wp-waiting")).to_contain_text("number 1 on the waiting list")
    assert_accessible(page, "my bookings")
    shot(page, tmp_path, "my-bookings")

    row = upcoming.locator("tr", has_text="Ten classes")
    row.get_by_role("link", name=re.compile("^Cancel")).click()
    expect(page.locator(".wp-cancel__effects")).to_contain_text(
        "1 entry goes back to your pass “Ten classes”."
    )
    assert_accessible(page, "cancel a booking")
    page.get_by_role("button", name="Yes, cancel the booking").click()

    expect(page.locator(".wp-member-outcome")).to_contain_text(
        "1 entry went back to your pass “Ten classes”."
    )
    expect(page.locator(".wp-bookings--upcoming tr", has_text="Ten classes")).to_have_count(0)
    expect(page.locator(".wp-bookings--past")).to_contain_text(
        "Paid with “Ten classes”; 1 entry went back to it"
    )
    assert_accessible(page, "my bookings after cancelling")

    page.get_by_role("button", name=re.compile("^Leave")).click()
    expect(page.locator(".wp-member-outcome")).to_contain_text("You left the waiting list")
    expect(page.locator(".wp-waiting")).to_have_count(0)

    page.get_by_role("link", name="My passes").click()
    card = page.locator(".wp-mypass", has=page.get_by_role("heading", name="Ten classes"))
    expect(card).to_contain_text("10 of 10 entries")
    expect(card).to_contain_text("0 of 10 entries used")
    card.get_by_role("link", name="Ten classes").click()
    expect(page.locator(".wp-ledger")).to_contain_text("Returned")
    assert_accessible(page, "one pass")
    shot(page, tmp_path, "my-pass")
