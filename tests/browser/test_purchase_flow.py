"""The whole purchase in a real browser (C1, C2, C3, A5): a visitor signs up on the way to
the checkout, buys a pass by bank transfer, staff mark the order paid in the Wagtail admin,
and the member finds the paid order with its pass, which books a class.

The test site signs members up with Django's own views at the default LOGIN_URL
(tests/testapp/accounts.py): wagtail_passes needs nothing more of the host. The example site
does the same with django-allauth.
"""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from wagtail_passes import services
from wagtail_passes.models import MemberPass, Order
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE = re.compile(r"^Order ([2-9A-Z]{8})$")


def shot(page, tmp_path, name):
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


def test_c1_c3_visitor_signs_up_buys_by_bank_transfer_staff_mark_paid_pass_books(
    page, live_server, tmp_path, settings
):
    settings.WAGTAIL_PASSES_BANK_TRANSFER_INSTRUCTIONS = "Harbour Studio Ltd\nIBAN: GB00 TEST"
    yoga = ProgrammeFactory(name="Yoga")
    session = SessionFactory(programme_class=ProgrammeClassFactory(programme=yoga))
    PassPageFactory(
        title="10-class pass",
        price=Decimal("90.00"),
        quantity=Decimal(10),
        programmes=[yoga],
        terms="<p>Passes are personal and cannot be refunded once used.</p>",
    )
    product = PassPageFactory._meta.model.objects.get()
    UserFactory(username="boss", is_superuser=True, is_staff=True)

    page.set_default_timeout(10_000)
    # A visitor reads the product and presses Buy: sign in first (the host's LOGIN_URL)...
    page.goto(f"{live_server.url}{product.url}")
    page.get_by_role("link", name=re.compile("Buy", re.I)).click()
    checkout_path = f"/passes/checkout/{product.pk}/"
    expect(page).to_have_url(re.compile(rf"/accounts/login/\?next={re.escape(checkout_path)}$"))
    shot(page, tmp_path, "01-sign-in")

    # ... they have no account: sign up, and land back on the checkout.
    page.get_by_role("link", name="Sign up").click()
    page.locator("#id_username").fill("robin")
    page.locator("#id_password1").fill("a-long-Passw0rd")
    page.locator("#id_password2").fill("a-long-Passw0rd")
    shot(page, tmp_path, "02-sign-up")
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(f"{live_server.url}{checkout_path}")
    expect(page.get_by_role("heading", name="Buy 10-class pass")).to_be_visible()

    # Terms are required (A5): the order is placed only once they are accepted.
    page.get_by_label("I accept the terms above.").check()
    bank_transfer = page.get_by_label(re.compile("bank transfer", re.I))
    if bank_transfer.count():  # a choice of payment methods when another provider is set up
        bank_transfer.first.check()
    shot(page, tmp_path, "03-checkout")
    page.get_by_role("button", name="Place order").click()

    heading = page.get_by_role("heading", name=REFERENCE)
    expect(heading).to_be_visible()
    reference = REFERENCE.match(heading.inner_text().strip()).group(1)
    expect(page.get_by_text("Awaiting payment")).to_be_visible()
    expect(page.get_by_text(f"quoting the reference {reference}")).to_be_visible()
    expect(page.get_by_text("IBAN: GB00 TEST")).to_be_visible()
    shot(page, tmp_path, "04-order-placed")
    robin = get_user_model().objects.get(username="robin")
    order = Order.objects.get(reference=reference)
    assert order.member == robin and order.state == "pending"
    assert not MemberPass.objects.filter(member=robin, status="active").exists()

    # Staff sign in to the Wagtail admin in their own browser context, open Orders and mark
    # the order paid.
    staff = page.context.browser.new_page()
    try:
        staff.set_default_timeout(10_000)
        staff.goto(f"{live_server.url}/admin/login/")
        staff.fill("input[name=username]", "boss")
        staff.fill("input[name=password]", "password")
        staff.click("button[type=submit]")
        expect(staff).to_have_url(re.compile(r"/admin/$"))
        staff.get_by_role("button", name="Passes").click()
        staff.get_by_role("link", name="Orders").click()
        staff.get_by_role("link", name=reference).first.click()
        staff.get_by_role("link", name="Mark paid").first.click()
        staff.get_by_label("Bank transfer", exact=True).check()
        staff.get_by_label("Note").fill("Bank statement 14 March")
        staff.get_by_label(re.compile("The payment has arrived")).check()
        shot(staff, tmp_path, "05-admin-mark-paid")
        staff.get_by_role("button", name="Mark paid").click()
        marked = staff.get_by_text(
            re.compile(rf"{reference} marked paid; .* now holds 1 paid member pass")
        )
        expect(marked).to_be_visible()
        shot(staff, tmp_path, "06-admin-marked-paid")
    finally:
        staff.close()

    # The member opens "My orders": the order is paid and shows the pass.
    page.goto(f"{live_server.url}/passes/orders/")
    row = page.locator("tr", has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text("Paid")
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Receipt for order {reference}")).to_be_visible()
    passes = page.locator(".wp-order__passes")
    expect(passes.get_by_text("10-class pass")).to_be_visible()
    shot(page, tmp_path, "07-receipt")

    # And the pass books a class.
    member_pass = MemberPass.objects.get(member=robin)
    assert member_pass.order_line.order == order
    booking = services.book(robin, session)
    assert booking.member_pass_id == member_pass.pk
    member_pass.refresh_from_db()
    assert member_pass.balance == Decimal(9)


def test_p9_p10_member_registers_with_the_mandatory_product_and_an_add_on(
    page, live_server, tmp_path
):
    club = ProgrammeFactory(name="Swim club", slug="swim-club")
    season = PassPageFactory(
        title="Season pass",
        price=Decimal("40.00"),
        programmes=[club],
        terms="<p>No running on deck.</p>",
    )
    guests = PassPageFactory(title="5 guest swims", price=Decimal("35.00"), programmes=[club])
    from wagtail_passes.models import ProgrammeProduct

    ProgrammeProduct.objects.create(
        programme=club, product=season, role=ProgrammeProduct.Role.MANDATORY
    )
    ProgrammeProduct.objects.create(
        programme=club, product=guests, role=ProgrammeProduct.Role.OPTIONAL
    )
    UserFactory(username="sam")

    page.set_default_timeout(10_000)
    # The season pass's page says it comes with registering; the link leads there via sign-in.
    page.goto(f"{live_server.url}{season.url}")
    page.get_by_role("link", name="register for Swim club").click()
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", "password")
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    expect(page.get_by_role("heading", name="Register for Swim club")).to_be_visible()

    # The mandatory product is in the order, locked; the add-on is offered.
    lines = page.locator(".wp-lines tbody tr")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("Season pass")
    expect(lines.first).to_contain_text("required to register")
    expect(page.locator(".wp-checkout__total")).to_contain_text("40.00")
    page.get_by_label(re.compile("5 guest swims")).check()
    page.get_by_role("button", name="Update total").click()
    expect(page.locator(".wp-checkout__total")).to_contain_text("75.00")
    expect(page.locator(".wp-lines tbody tr")).to_have_count(2)
    shot(page, tmp_path, "registration-01-with-add-on")

    # Terms unticked: refused with the product named, nothing placed.
    page.get_by_role("button", name="Register and place order").click()
    expect(page.get_by_role("alert")).to_contain_text("Accept the terms of “Season pass”")
    assert Order.objects.count() == 0
    page.get_by_label("I accept the terms of Season pass.").check()
    page.get_by_role("button", name="Register and place order").click()

    heading = page.get_by_role("heading", name=REFERENCE)
    expect(heading).to_be_visible()
    expect(page.get_by_text("Swim club")).to_be_visible()
    shot(page, tmp_path, "registration-02-order")
    order = Order.objects.get()
    assert [line.title for line in order.lines.order_by("pk")] == ["Season pass", "5 guest swims"]
    assert order.total == Decimal("75.00") and order.registration.programme == club

    # Back on the registration page: registered, the season pass awaiting payment.
    page.goto(f"{live_server.url}/passes/programmes/swim-club/register/")
    expect(page.get_by_text(re.compile("Registered on"))).to_be_visible()
    expect(page.get_by_text(re.compile("Season pass is awaiting payment in order"))).to_be_visible()
