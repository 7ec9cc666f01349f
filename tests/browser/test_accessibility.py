"""axe-core on the pages a visitor and a member see (WCAG 2.2 AA): zero violations on the
product page, the checkout, the registration page, an order's page, My orders and Amounts
due, in the test site's plain layout."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from wagtail.models import PageViewRestriction

from wagtail_passes import services
from wagtail_passes.models import ProgrammeProduct
from wagtail_passes.services.gateway import PAID, PaymentFact
from wagtail_passes.test.factories import PassPageFactory, ProgrammeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()


def test_checkout_and_member_pages_have_no_axe_violations(page, live_server, assert_accessible):
    club = ProgrammeFactory(name="Swim club", slug="swim-club")
    season = PassPageFactory(
        title="Season pass",
        price=Decimal("40.00"),
        programmes=[club],
        terms="<p>No running on deck.</p>",
        stock_limit=5,
    )
    guests = PassPageFactory(title="5 guest swims", price=Decimal("35.00"), programmes=[club])
    ProgrammeProduct.objects.create(
        programme=club, product=season, role=ProgrammeProduct.Role.MANDATORY
    )
    ProgrammeProduct.objects.create(
        programme=club, product=guests, role=ProgrammeProduct.Role.OPTIONAL
    )
    friends = PassPageFactory(title="Friends pass", price=Decimal("20.00"))
    PageViewRestriction.objects.create(  # A2: its checkout refuses and links to the page
        page=friends, restriction_type=PageViewRestriction.PASSWORD, password="pw"
    )
    member = UserFactory(username="ada")
    order = services.place_order(member, guests)
    short = services.place_order(member, season, accepted_terms=True)  # C3, A6: paid short
    services.receive_payment(
        short,
        PaymentFact(
            provider="manual", key="transfer-1", state=PAID, amount=Decimal("1.00"), currency="EUR"
        ),
    )
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}{season.url}")
    assert_accessible(page, "product page (anonymous)")
    log_in(page, live_server, "ada")
    for path, name in (
        (season.url, "product page"),
        (f"/passes/checkout/{season.pk}/", "checkout"),
        ("/passes/programmes/swim-club/register/", "registration"),
        (f"/passes/orders/{order.reference}/", "order"),
        (f"/passes/orders/{short.reference}/", "order paid short (its payment notice)"),
        ("/passes/orders/", "my orders"),
        ("/passes/dues/", "amounts due"),
        (f"/passes/checkout/{friends.pk}/", "checkout of a password-protected product"),
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(".wp-passes")).to_be_visible()
        assert_accessible(page, name)


def test_renewal_and_settings_pages_have_no_axe_violations(
    page, live_server, assert_accessible, save_screenshot
):
    """N1, N2, N3 on the member's side: the checkout's "Renew automatically" box, My passes
    with a renewing, committed pass (its opt-out refused with the commitment's words), and the
    "Payment and emails" page."""
    monthly = PassPageFactory(
        title="Monthly",
        price=Decimal("30.00"),
        duration_days=30,
        allow_auto_renew=True,
        renew_when="expired",
        commitment_payments=6,
    )
    member = UserFactory(username="bea")
    services.issue_member_pass(member, monthly, paid=True, auto_renew=True)
    page.set_default_timeout(10_000)
    log_in(page, live_server, "bea")
    for path, name in (
        (f"/passes/checkout/{monthly.pk}/", "checkout of a renewing product"),
        ("/passes/my/", "my passes with a renewing pass"),
        ("/passes/my/settings/", "payment and emails"),
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(".wp-passes")).to_be_visible()
        assert_accessible(page, name)
    page.goto(f"{live_server.url}/passes/my/")
    expect(page.locator(".wp-passes")).to_contain_text("1 of 6 payments made, 5 to go")
    save_screenshot(page, "my-passes-renewing")
    page.goto(f"{live_server.url}/passes/my/settings/")
    reminders = page.get_by_label("Email me before a pass expires")
    expect(reminders).to_be_checked()
    reminders.uncheck()
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_label("Email me before a pass expires")).not_to_be_checked()
    save_screenshot(page, "payment-and-emails")
