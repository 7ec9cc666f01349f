"""What an admin and a visitor click through, in a real browser."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; the factories re-create Wagtail's root page
    # and site after the flush that follows each test.
    pytest.mark.django_db(transaction=True),
]


def log_in(page, live_server, username, password="password"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_admin_edits_attendance_settings_and_bad_values_are_refused(page, live_server):
    UserFactory(username="boss", is_superuser=True, is_staff=True)
    programme = ProgrammeFactory(name="Pay-as-you-go Yoga", cancellation_cutoff_hours=24)
    log_in(page, live_server, "boss")

    page.get_by_role("button", name="Passes").click()
    page.get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="Pay-as-you-go Yoga").first.click()
    page.get_by_role("tab", name="Attendance settings").click()

    page.locator("#id_cancellation_cutoff_hours").fill("-5")
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_text("The programme could not be saved due to errors.")).to_be_visible()
    page.get_by_role("tab", name=re.compile("Attendance settings")).click()  # badged: 1 error
    expect(page.get_by_text(re.compile("greater than or equal to 0"))).to_be_visible()
    programme.refresh_from_db()
    assert programme.cancellation_cutoff_hours == 24  # nothing saved

    page.get_by_role("tab", name="Attendance settings").click()
    page.locator("#id_cancellation_cutoff_hours").fill("6")
    page.locator("#id_require_valid_pass").check()
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_text(re.compile("updated|saved", re.I)).first).to_be_visible()
    programme.refresh_from_db()
    assert (programme.cancellation_cutoff_hours, programme.require_valid_pass) == (6, True)


def test_c1_visitor_reads_a_pass_page_and_buys_it(page, live_server):
    yoga = ProgrammeFactory(name="Yoga")
    ProgrammeClassFactory(programme=yoga)
    PassPageFactory(
        title="10-class pass",
        price=Decimal("90.00"),
        quantity=Decimal(10),
        validity_basis="first_use",
        duration_days=90,
        period_limit="week",
        period_max_uses=2,
        programmes=[yoga],
    )
    product = PassPageFactory._meta.model.objects.get()
    response = page.goto(f"{live_server.url}{product.url}")
    assert response.ok
    expect(page.get_by_role("heading", name="10-class pass")).to_be_visible()
    expect(page.get_by_text("10 entries").first).to_be_visible()
    expect(page.get_by_text(re.compile("90.00")).first).to_be_visible()
    page.get_by_role("link", name=re.compile("Buy", re.I)).click()
    # a visitor logs in first (the host's LOGIN_URL), and comes back to the checkout
    expect(page).to_have_url(re.compile(rf"/accounts/login/\?next=/passes/checkout/{product.pk}/"))

    UserFactory(username="lee", is_superuser=True, is_staff=True)  # logs in through the admin
    log_in(page, live_server, "lee")
    page.goto(f"{live_server.url}{product.url}")
    page.get_by_role("link", name=re.compile("Buy", re.I)).click()
    expect(page.get_by_role("heading", name="Buy 10-class pass")).to_be_visible()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Order [2-9A-Z]{8}$"))).to_be_visible()
    expect(page.get_by_text("Awaiting payment")).to_be_visible()


def test_staff_choose_a_member_by_name_and_assign_a_pass(page, live_server):
    UserFactory(username="boss", is_superuser=True, is_staff=True)
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.org")
    UserFactory(username="bob", first_name="Bob", last_name="Stone")
    trial = PassPageFactory(title="Trial week", quantity=Decimal(3))
    log_in(page, live_server, "boss")

    page.goto(f"{live_server.url}/admin/wagtail_passes/memberpass/assign/")
    page.get_by_role("button", name="Choose a member").click()
    modal = page.locator(".modal-content")
    modal.get_by_placeholder("Name, username or email").fill("lee")
    expect(modal.get_by_role("link", name="Ann Lee (ann)")).to_be_visible()
    expect(modal.get_by_text("Bob Stone")).to_have_count(0)
    modal.get_by_role("link", name="Ann Lee (ann)").click()
    expect(page.get_by_text("Ann Lee (ann)").first).to_be_visible()
    page.get_by_label("Product").select_option(str(trial.pk))
    page.get_by_role("button", name="Assign").click()

    expect(page.get_by_text("“Trial week” assigned to Ann Lee (ann).")).to_be_visible()
    assert ann.passes_member_passes.get().title == "Trial week"
