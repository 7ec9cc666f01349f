"""The export buttons in a real browser (Chromium): staff filter the bookings list, press
"Export CSV" and get the rows the list shows; the lists and the register carrying the buttons
have no axe violations at 1280 px and at 375 px."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401 (fixtures)
    CHROMIUM,
    assert_accessible,
    browser_type_launch_args,
    save_screenshot,
    wagtail_tree,
)
from wagtail_passes.models import BookingStatus
from wagtail_passes.test.factories import (
    BookingFactory,
    ProgrammeClassFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="Chromium not found"),
]


def log_in(page, live_server, username, password="password"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))


@pytest.fixture
def bookings():
    UserFactory(username="boss", is_superuser=True, is_staff=True)
    flow = ProgrammeClassFactory(name="Flow")
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    session = SessionFactory(programme_class=flow, start=start)
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Ray")
    eur = {"price": Decimal("12.00"), "currency": "EUR"}
    BookingFactory(member=ann, session=session, status=BookingStatus.ATTENDED, **eur)
    BookingFactory(member=bob, session=session, amount_due=Decimal("12.00"), **eur)
    return session


def test_staff_export_the_filtered_bookings_list_as_csv(page, live_server, bookings):
    log_in(page, live_server, "boss")
    page.goto(f"{live_server.url}/admin/wagtail_passes/booking/?owes=yes")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert re.fullmatch(r"bookings-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig") as file:
        rows = list(csv.reader(io.StringIO(file.read())))
    assert [row[6] for row in rows[1:]] == ["Bob Ray (bob)"]  # the list's filter applied


@pytest.mark.parametrize("width", [1280, 375])
def test_the_pages_with_export_buttons_have_no_axe_violations(
    page,
    live_server,
    bookings,
    assert_accessible,  # noqa: F811 (the browser tests' fixture, imported above)
    save_screenshot,  # noqa: F811
    width,
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "boss")
    pages = [
        ("/admin/wagtail_passes/booking/", "bookings list"),
        ("/admin/wagtail_passes/memberpass/", "member passes list"),
        ("/admin/wagtail_passes/registration/", "registrations list"),
        ("/admin/wagtail_passes/order/", "orders list"),
        (f"/admin/wagtail_passes/session/register/{bookings.pk}/", "register"),
    ]
    for path, name in pages:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
        expect(page.get_by_role("link", name="Export XLSX")).to_be_visible()
        assert_accessible(page, f"{name} at {width} px")
        save_screenshot(page, f"exports-{name.replace(' ', '-')}-{width}")
