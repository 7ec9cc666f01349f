"""Exports of everything staff list (issue 18, item 4; S1, S3, C2, C6): bookings and
attendance, member passes, registrations, orders and payments, as CSV (streamed) and XLSX,
with the list's filters and search applied, text safe from formula injection, for whoever
may see the list, and a 400 — never a 500 — for a format or a filter that makes no sense."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from tests.admin import admin_url, listed
from tests.households import holders
from wagtail_passes import services
from wagtail_passes.models import (
    Booking,
    BookingStatus,
    Order,
    Payment,
    PaymentMethod,
    ProgrammeProduct,
)
from wagtail_passes.presentation import local, local_today
from wagtail_passes.services.desk_sales import DeskLine
from wagtail_passes.test.factories import (
    BookingFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db

BOOKINGS_HEADER = [
    "Booking ID",
    "Session ID",
    "Date",
    "Start",
    "Class",
    "Programme",
    "Attending",  # F2: who attends; "Member" stays the account holder who pays
    "Member",
    "Email",
    "Attendees",
    "Status",
    "Attendance marked by",
    "Attendance marked at",
    "Paid with",
    "Amount due",
    "Amount paid",
    "Currency",
    "Payment method",
    "Booked at",
]


def export_url(kind):
    return reverse("wagtail_passes_desk:export", args=[kind])


def session_export_url(session):
    return reverse("wagtail_passes_desk:export_session", args=[session.pk])


def csv_body(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for Excel
    return raw.decode("utf-8-sig")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_body(response))))


def xlsx_sheet(response):
    assert response.status_code == 200, response.content[:300]
    raw = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(raw)).active


def as_csv_text(cell) -> str:
    """An XLSX cell as the CSV writes the same value, to compare the two files."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        assert cell.data_type == "s"  # text, never a formula
        return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value
    if isinstance(value, dt.datetime):
        if cell.number_format == "yyyy-mm-dd":
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float | int) and cell.number_format.startswith("0."):
        places = len(cell.number_format) - 2
        return f"{value:.{places}f}"
    return str(value)


def export(client, kind, **params):
    return client.get(export_url(kind), {"format": "csv", **params})


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def desk_user():
    return StaffFactory(username="desk", first_name="Dee", last_name="Desk")


@pytest.fixture
def world(desk_user):
    """Two programmes; a session that started an hour ago with three bookings (Ann with a
    pass, attended; Bob owing 12.00, no-show; Cid paid 12.00 in cash at the desk), one
    cancelled booking, and a session next week (Ann, free)."""
    yoga = ProgrammeFactory(name="Yoga")
    swim = ProgrammeFactory(name="Swim club")
    flow = ProgrammeClassFactory(programme=yoga, name="Flow")
    lengths = ProgrammeClassFactory(programme=swim, name="Lengths")
    now = timezone.now().replace(second=0, microsecond=0)
    started = SessionFactory(programme_class=flow, start=now - dt.timedelta(hours=1))
    later = SessionFactory(programme_class=lengths, start=now + dt.timedelta(days=7))
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.com")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Ray", email="bob@example.com")
    cid = UserFactory(username="cid", first_name="", last_name="", email="cid@example.com")
    dan = UserFactory(username="dan", first_name="Dan", last_name="Oh", email="dan@example.com")
    ten = member_pass(ann, title="Ten classes", price=Decimal("90.00"), currency="EUR")
    eur = {"price": Decimal("12.00"), "currency": "EUR"}
    anns = BookingFactory(member=ann, session=started, member_pass=ten, **eur)
    bobs = BookingFactory(member=bob, session=started, amount_due=Decimal("12.00"), **eur)
    cids = BookingFactory(member=cid, session=started, amount_due=Decimal("12.00"), **eur)
    dans = BookingFactory(
        member=dan, session=started, status=BookingStatus.CANCELLED, cancelled_at=now, **eur
    )
    free = BookingFactory(member=ann, session=later, attendees=2)
    services.mark_attendance(anns, True, by=desk_user)
    services.mark_attendance(bobs, False, by=desk_user)
    services.record_desk_payment(cids, desk_user, PaymentMethod.CASH)
    return {
        "yoga": yoga,
        "swim": swim,
        "started": started,
        "later": later,
        "ann": ann,
        "bob": bob,
        "cid": cid,
        "ten": ten,
        "bookings": {"ann": anns, "bob": bobs, "cid": cids, "dan": dans, "free": free},
    }


# ---- bookings and attendance (S3) ------------------------------------------------------


def test_S3_bookings_export_has_the_header_and_a_row_per_booking(admin, world, desk_user):
    rows = csv_rows(export(admin, "bookings"))
    assert rows[0] == BOOKINGS_HEADER
    by_id = {row[0]: row for row in rows[1:]}
    assert len(by_id) == 5
    started = local(world["started"].start)
    anns = world["bookings"]["ann"]
    anns.refresh_from_db()
    assert by_id[str(anns.pk)] == [
        str(anns.pk),
        str(world["started"].pk),
        started.date().isoformat(),
        started.strftime("%H:%M"),
        "Flow",
        "Yoga",
        "Ann Lee (ann)",
        "Ann Lee (ann)",
        "ann@example.com",
        "1",
        "Attended",
        "Dee Desk (desk)",
        local(anns.attendance_marked_at).strftime("%Y-%m-%d %H:%M"),
        "Ten classes",
        "0.00",
        "0.00",
        "EUR",
        "",
        local(anns.created_at).strftime("%Y-%m-%d %H:%M"),
    ]
    bob = by_id[str(world["bookings"]["bob"].pk)]
    assert bob[7:18] == [
        "Bob Ray (bob)",
        "bob@example.com",
        "1",
        "No-show",
        "Dee Desk (desk)",
        bob[12],
        "Amount due",
        "12.00",
        "0.00",
        "EUR",
        "",
    ]
    cid = by_id[str(world["bookings"]["cid"].pk)]
    assert (cid[7], cid[10], cid[11], cid[12]) == ("cid", "Booked", "", "")
    assert cid[13:18] == ["Paid", "0.00", "12.00", "EUR", "Cash at the desk"]
    assert by_id[str(world["bookings"]["dan"].pk)][10] == "Cancelled"
    free = by_id[str(world["bookings"]["free"].pk)]
    assert (free[4], free[5], free[9], free[13], free[14], free[16]) == (
        "Lengths",
        "Swim club",
        "2",
        "Free",
        "0.00",
        "",
    )


def test_S3_the_register_links_to_its_sessions_attendance_export(admin, world):
    session = world["started"]
    page = admin.get(admin_url("session", "register", session.pk))
    hrefs = [a["href"] for a in BeautifulSoup(page.content, "html.parser").find_all("a")]
    assert f"{session_export_url(session)}?format=csv" in hrefs
    assert f"{session_export_url(session)}?format=xlsx" in hrefs

    response = admin.get(session_export_url(session), {"format": "csv"})
    start = local(session.start)
    assert response["Content-Disposition"] == (
        f'attachment; filename="attendance-{start:%Y-%m-%d-%H%M}-session-{session.pk}.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == BOOKINGS_HEADER
    # The register's order (booked first, first), cancelled bookings included.
    assert [row[7] for row in rows[1:]] == ["Ann Lee (ann)", "Bob Ray (bob)", "cid", "Dan Oh (dan)"]
    assert [row[10] for row in rows[1:]] == ["Attended", "No-show", "Booked", "Cancelled"]
    assert {row[1] for row in rows[1:]} == {str(session.pk)}


def test_S3_a_session_export_of_a_missing_or_huge_session_id_is_a_404(admin, world):
    assert admin.get("/admin/passes-desk/export/session/999999/?format=csv").status_code == 404
    huge = "/admin/passes-desk/export/session/99999999999999999999999/?format=csv"
    assert admin.get(huge).status_code == 404
    assert admin.get("/admin/passes-desk/export/session/abc/?format=csv").status_code == 404


# ---- the list's rows, filters and search -------------------------------------------------


def export_ids(client, kind, params) -> list[str]:
    return [row[0] for row in csv_rows(export(client, kind, **params))[1:]]


def list_ids(client, model_name, params) -> list[str]:
    response = client.get(admin_url(model_name, "index"), params)
    assert response.status_code == 200
    return [str(obj.pk) for obj in listed(response)]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status__exact": "booked"},
        {"owes": "yes"},
        {"q": "ann"},
        {"q": "nobody-at-all"},
        {"o": "1"},
        {"status__exact": "attended", "q": "lee"},
    ],
)
def test_S3_the_bookings_export_holds_the_lists_rows(admin, world, params):
    assert export_ids(admin, "bookings", params) == list_ids(admin, "booking", params)


def test_S3_the_bookings_export_takes_the_programme_and_date_filters(admin, world):
    yoga = {"session__programme_class__programme__id__exact": world["yoga"].pk}
    ids = export_ids(admin, "bookings", yoga)
    assert ids == list_ids(admin, "booking", yoga)
    assert len(ids) == 4
    tomorrow = local(timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    upcoming = {"session__start__gte": str(tomorrow + dt.timedelta(days=1))}
    ids = export_ids(admin, "bookings", upcoming)
    assert ids == list_ids(admin, "booking", upcoming) == [str(world["bookings"]["free"].pk)]


def test_S3_an_export_link_on_the_bookings_list_carries_its_filters_and_search(admin, world):
    page = admin.get(admin_url("booking", "index"), {"status__exact": "booked", "q": "ci", "p": 1})
    links = {
        a.get_text(strip=True): a["href"]
        for a in BeautifulSoup(page.content, "html.parser").select("a.passes-export-link")
    }
    assert set(links) == {"Export CSV", "Export XLSX"}
    assert links["Export CSV"] == (export_url("bookings") + "?status__exact=booked&q=ci&format=csv")
    ids = export_ids(admin, "bookings", {"status__exact": "booked", "q": "ci"})
    assert ids == [str(world["bookings"]["cid"].pk)]


@pytest.fixture
def passes(world):
    """Ann's ten-class pass (paid), an unlimited pass of Bob's (unpaid, renewing) and a
    money credit of Cid's."""
    unlimited = member_pass(
        world["bob"],
        paid=False,
        title="Unlimited month",
        kind="unlimited",
        quantity=None,
        duration_days=30,
        price=Decimal("60.00"),
        currency="EUR",
    )
    unlimited.auto_renew = True
    unlimited.save(update_fields=["auto_renew"])
    credit = member_pass(
        world["cid"],
        title="Money credit",
        kind="money",
        quantity=Decimal("50.00"),
        price=Decimal("50.00"),
        currency="EUR",
    )
    return {"ten": world["ten"], "unlimited": unlimited, "credit": credit}


def test_S1_the_member_passes_export_has_a_row_per_pass(admin, passes):
    rows = csv_rows(export(admin, "member-passes"))
    assert rows[0] == [
        "Pass ID",
        "Holder",
        "Member",
        "Email",
        "Pass",
        "Kind",
        "Status",
        "Left",
        "Balance",
        "Valid from",
        "Valid until",
        "Paid",
        "Price",
        "Currency",
        "Renewing",
        "Bought or assigned",
    ]
    by_id = {row[0]: row for row in rows[1:]}
    ten = passes["ten"]
    ten.refresh_from_db()
    assert by_id[str(ten.pk)][1:9] == [
        "Ann Lee (ann)",
        "Ann Lee (ann)",
        "ann@example.com",
        "Ten classes",
        "Entry pass (a number of entries)",
        "Active",
        f"{ten.balance:.0f} of {ten.quantity:.0f} entries",
        f"{ten.balance:.0f}",
    ]
    assert by_id[str(ten.pk)][11:15] == ["Yes", "90.00", "EUR", "No"]
    unlimited = by_id[str(passes["unlimited"].pk)]
    assert unlimited[4:9] == ["Unlimited month", "Unlimited pass", unlimited[6], "Unlimited", ""]
    assert unlimited[11:15] == ["No", "60.00", "EUR", "Yes"]
    credit = by_id[str(passes["credit"].pk)]
    assert credit[7:9] == ["€50.00", "50.00"]
    passes["unlimited"].refresh_from_db()
    if passes["unlimited"].valid_until:
        assert unlimited[10] == passes["unlimited"].valid_until.isoformat()


@pytest.mark.parametrize(
    "params",
    [{}, {"is_paid__exact": "0"}, {"status__exact": "active"}, {"q": "lee"}, {"o": "-2"}],
)
def test_S1_the_member_passes_export_holds_the_lists_rows(admin, passes, params):
    assert export_ids(admin, "member-passes", params) == list_ids(admin, "memberpass", params)


def test_S1_the_member_passes_export_takes_the_product_filter(admin, passes):
    product = {"product": passes["unlimited"].product_id}
    assert export_ids(admin, "member-passes", product) == [str(passes["unlimited"].pk)]
    assert list_ids(admin, "memberpass", product) == [str(passes["unlimited"].pk)]


@pytest.fixture
def registrations(world, desk_user):
    """Ann registered for the swim club (its badge due, awaiting payment); Bob registered
    and withdrew."""
    badge = PassPageFactory(title="Club badge", price=Decimal("5.00"), currency="EUR")
    ProgrammeProduct.objects.create(
        programme=world["swim"], product=badge, role=ProgrammeProduct.Role.MANDATORY
    )
    ann = services.register(world["ann"], world["swim"]).registration
    bob = services.register(world["bob"], world["yoga"]).registration
    bob = services.withdraw_registration(bob, desk_user, reason="=cmd|' /C calc'!A0")
    return {"ann": ann, "bob": bob}


def test_P10_the_registrations_export_has_a_row_per_registration(admin, registrations):
    rows = csv_rows(export(admin, "registrations"))
    assert rows[0] == [
        "Registration ID",
        "Attending",
        "Member",
        "Email",
        "Programme",
        "Registered at",
        "Status",
        "Withdrawn at",
        "Withdrawn by",
        "Reason for withdrawing",
    ]
    by_id = {row[0]: row for row in rows[1:]}
    ann = by_id[str(registrations["ann"].pk)]
    assert ann[1:5] == ["Ann Lee (ann)", "Ann Lee (ann)", "ann@example.com", "Swim club"]
    assert ann[6:] == ["Awaiting payment", "", "", ""]
    bob = by_id[str(registrations["bob"].pk)]
    assert bob[6] == "Withdrawn"
    assert bob[8] == "Dee Desk (desk)"
    assert bob[9] == "'=cmd|' /C calc'!A0"  # formula injection neutralised


@pytest.mark.parametrize("params", [{}, {"withdrawn": "no"}, {"withdrawn": "yes"}, {"q": "swim"}])
def test_P10_the_registrations_export_holds_the_lists_rows(admin, registrations, params):
    assert export_ids(admin, "registrations", params) == list_ids(admin, "registration", params)


@pytest.fixture
def orders(world, desk_user):
    """Ann's order paid at the desk in cash (sold there by the desk), Bob's order awaiting
    payment."""
    product = PassPageFactory(title="Five classes", price=Decimal("45.00"), currency="EUR")
    paid = services.sell_at_desk(
        world["ann"], [DeskLine(product)], desk_user, paid=True, method=PaymentMethod.CASH
    )
    pending = services.place_order(world["bob"], product)
    return {"paid": Order.objects.get(pk=paid.pk), "pending": pending}


def test_C2_the_orders_export_has_a_row_per_order(admin, orders):
    rows = csv_rows(export(admin, "orders"))
    assert rows[0] == [
        "Reference",
        "Member",
        "Email",
        "State",
        "Total",
        "Currency",
        "Placed",
        "Paid at",
        "Payment method",
        "Sold at the desk by",
    ]
    paid = orders["paid"]
    by_reference = {row[0]: row for row in rows[1:]}
    assert by_reference[paid.reference] == [
        paid.reference,
        "Ann Lee (ann)",
        "ann@example.com",
        "Paid",
        "45.00",
        "EUR",
        local(paid.created_at).strftime("%Y-%m-%d %H:%M"),
        local(paid.paid_at).strftime("%Y-%m-%d %H:%M"),
        "Bank transfer or pay at the venue",
        "Dee Desk (desk)",
    ]
    pending = by_reference[orders["pending"].reference]
    assert (pending[3], pending[7], pending[9]) == ("Awaiting payment", "", "")


@pytest.mark.parametrize("params", [{}, {"state__exact": "pending"}, {"q": "ann"}, {"o": "0"}])
def test_C2_the_orders_export_holds_the_lists_rows(admin, orders, params):
    response = admin.get(admin_url("order", "index"), params)
    references = [order.reference for order in listed(response)]
    assert export_ids(admin, "orders", params) == references


def test_C6_the_payments_export_has_the_payments_of_the_listed_orders(admin, orders):
    rows = csv_rows(export(admin, "payments"))
    assert rows[0] == [
        "Order reference",
        "Member",
        "Email",
        "Amount",
        "Currency",
        "State",
        "Provider",
        "Payment method",
        "Recorded by",
        "Recorded at",
    ]
    payment = Payment.objects.get(order=orders["paid"])
    assert rows[1:] == [
        [
            orders["paid"].reference,
            "Ann Lee (ann)",
            "ann@example.com",
            "45.00",
            "EUR",
            "Succeeded",
            "Bank transfer or pay at the venue",
            "Cash at the desk",
            "Dee Desk (desk)",
            local(payment.created_at).strftime("%Y-%m-%d %H:%M"),
        ]
    ]
    assert csv_rows(export(admin, "payments", state__exact="pending"))[1:] == []


def test_C6_the_orders_list_offers_the_orders_and_payments_exports(admin, orders):
    page = admin.get(admin_url("order", "index"), {"state__exact": "paid"})
    links = {
        a.get_text(strip=True): a["href"]
        for a in BeautifulSoup(page.content, "html.parser").select("a.passes-export-link")
    }
    assert links == {
        "Export CSV": export_url("orders") + "?state__exact=paid&format=csv",
        "Export XLSX": export_url("orders") + "?state__exact=paid&format=xlsx",
        "Export payments CSV": export_url("payments") + "?state__exact=paid&format=csv",
        "Export payments XLSX": export_url("payments") + "?state__exact=paid&format=xlsx",
    }


@pytest.mark.parametrize(
    ("model_name", "kind"),
    [("memberpass", "member-passes"), ("registration", "registrations")],
)
def test_the_other_lists_offer_their_exports(admin, world, model_name, kind):
    page = admin.get(admin_url(model_name, "index"), {"q": "ann"})
    hrefs = [
        a["href"] for a in BeautifulSoup(page.content, "html.parser").select("a.passes-export-link")
    ]
    assert hrefs == [
        export_url(kind) + "?q=ann&format=csv",
        export_url(kind) + "?q=ann&format=xlsx",
    ]


# ---- the files ----------------------------------------------------------------------------


def test_the_csv_is_streamed_with_a_dated_filename(admin, world):
    response = export(admin, "bookings")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="bookings-{local_today().isoformat()}.csv"'
    )


@pytest.mark.parametrize(
    ("kind", "fixture"),
    [
        ("bookings", "world"),
        ("member-passes", "passes"),
        ("registrations", "registrations"),
        ("orders", "orders"),
        ("payments", "orders"),
    ],
)
def test_the_xlsx_holds_the_same_rows_as_the_csv(admin, request, kind, fixture):
    request.getfixturevalue(fixture)
    UserFactory(username="=evil", first_name="=1+2", last_name="@SUM(A1)")
    csv_file = csv_rows(export(admin, kind))
    response = admin.get(export_url(kind), {"format": "xlsx"})
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="{kind}-{local_today().isoformat()}.xlsx"'
    )
    sheet = xlsx_sheet(response)
    xlsx_file = [[as_csv_text(cell) for cell in row] for row in sheet.iter_rows()]
    assert xlsx_file == csv_file
    assert len(csv_file) > 1


def test_the_xlsx_has_numbers_and_dates_as_such(admin, world):
    sheet = xlsx_sheet(admin.get(export_url("bookings"), {"format": "xlsx"}))
    header = [cell.value for cell in next(sheet.iter_rows())]
    bob_id = world["bookings"]["bob"].pk
    bob = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == bob_id)
    cells = dict(zip(header, bob, strict=True))
    assert cells["Amount due"].value == 12
    assert cells["Amount due"].number_format == "0.00"
    assert cells["Date"].value.date() == local(world["started"].start).date()
    assert cells["Attendees"].value == 1


def test_formula_injection_is_neutralised_in_both_formats(admin, world):
    evil = UserFactory(
        username="+evil", first_name='=HYPERLINK("http://x")', last_name="", email="-@x.org"
    )
    booking = BookingFactory(member=evil, session=world["later"])
    rows = csv_rows(export(admin, "bookings"))
    row = next(r for r in rows if r[0] == str(booking.pk))
    assert row[6] == row[7] == '\'=HYPERLINK("http://x") (+evil)'
    assert row[8] == "'-@x.org"
    sheet = xlsx_sheet(admin.get(export_url("bookings"), {"format": "xlsx"}))
    cells = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == booking.pk)
    assert cells[7].value == '=HYPERLINK("http://x") (+evil)'
    assert cells[6].data_type == cells[7].data_type == "s"  # text in a text cell: never run


def test_control_characters_do_not_break_the_xlsx(admin, world):
    odd = UserFactory(username="odd", first_name="Zoë\x07\x1b", last_name="Ünal")
    BookingFactory(member=odd, session=world["later"])
    sheet = xlsx_sheet(admin.get(export_url("bookings"), {"format": "xlsx", "q": "odd"}))
    assert [c.value for c in list(sheet.iter_rows())[1]][6] == "Zoë Ünal (odd)"
    assert csv_rows(export(admin, "bookings", q="odd"))[1][6] == "Zoë\x07\x1b Ünal (odd)"


@pytest.mark.parametrize(
    "kind", ["bookings", "member-passes", "registrations", "orders", "payments"]
)
def test_an_empty_export_is_its_header_alone(admin, kind):
    rows = csv_rows(export(admin, kind))
    assert len(rows) == 1 and rows[0]
    sheet = xlsx_sheet(admin.get(export_url(kind), {"format": "xlsx"}))
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [rows[0]]


# ---- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [None, "", "pdf", "CSV", "xls", "csv;drop", "x" * 500])
def test_a_format_other_than_csv_or_xlsx_is_a_400_with_a_message(admin, world, fmt):
    params = {} if fmt is None else {"format": fmt}
    response = admin.get(export_url("bookings"), params)
    assert response.status_code == 400
    assert "format=csv or format=xlsx" in response.content.decode()
    response = admin.get(session_export_url(world["started"]), params)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"no_such_field": "1"},
        {"attendees__gt": "many"},
        {"attendees__in": "1,x"},
        {"member__password__startswith": "pbkdf2"},
    ],
)
def test_a_parameter_that_is_not_a_filter_of_the_list_is_ignored_as_the_list_ignores_it(
    admin, world, params
):
    whole = admin.get(export_url("bookings"), {"format": "csv"})
    response = admin.get(export_url("bookings"), {"format": "csv", **params})

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"".join(whole.streaming_content)


@pytest.mark.parametrize(
    "params", [{"session__start__gte": "garbage"}, {"session__start__lt": "2031-02-30"}]
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_filter_of_the_list_with_a_value_it_cannot_apply_is_a_400_never_a_500(
    admin, world, params, fmt
):
    response = admin.get(export_url("bookings"), {"format": fmt, **params})
    assert response.status_code == 400
    assert "filters cannot be applied" in response.content.decode()


def test_an_unknown_export_is_a_404_and_only_get_is_answered(admin, world):
    assert admin.get(export_url("members"), {"format": "csv"}).status_code == 404
    assert admin.get("/admin/passes-desk/export/session/", {"format": "csv"}).status_code == 404
    assert admin.post(export_url("bookings") + "?format=csv").status_code == 405
    assert admin.head(export_url("bookings") + "?format=csv").status_code == 200


@pytest.mark.parametrize(
    ("kind", "permission"),
    [
        ("bookings", "view_booking"),
        ("member-passes", "view_memberpass"),
        ("registrations", "view_registration"),
        ("orders", "view_order"),
        ("payments", "view_order"),
    ],
)
def test_each_export_needs_its_lists_view_permission(client, world, kind, permission):
    client.force_login(StaffFactory(permissions=[permission]))
    assert export(client, kind).status_code == 200
    others = {"bookings", "member-passes", "registrations", "orders", "payments"}
    for other in others - {kind}:
        same_permission = other in ("orders", "payments") and kind in ("orders", "payments")
        response = export(client, other)
        if same_permission:
            assert response.status_code == 200, other
        else:  # refused as Wagtail refuses: back to the dashboard with a message
            assert response.status_code in (302, 403), other
            assert not response.streaming


def test_the_session_export_needs_the_bookings_view_permission(client, world):
    client.force_login(StaffFactory(permissions=["view_order", "view_memberpass"]))
    response = client.get(session_export_url(world["started"]), {"format": "csv"})
    assert response.status_code in (302, 403)
    assert not response.streaming
    client.force_login(StaffFactory(permissions=["view_booking"]))
    response = client.get(session_export_url(world["started"]), {"format": "csv"})
    assert response.status_code == 200


def test_a_visitor_is_sent_to_the_login_page_and_a_member_refused(client, world):
    response = client.get(export_url("bookings"), {"format": "csv"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    client.force_login(world["ann"])
    response = client.get(export_url("bookings"), {"format": "csv"})
    assert response.status_code in (302, 403)
    assert not getattr(response, "streaming", False)


# ---- queries ------------------------------------------------------------------------------


def more_bookings(world, n):
    session = world["later"]
    people = holders(UserFactory() for _ in range(n)).values()
    Booking.objects.bulk_create(
        Booking(
            member_id=person.account_id,
            person=person,
            session=session,
            price=Decimal("12.00"),
            currency="EUR",
        )
        for person in people
    )


@pytest.mark.parametrize("kind", ["bookings", "orders", "payments", "member-passes"])
def test_an_exports_queries_do_not_grow_with_its_rows(
    admin, world, orders, passes, kind, django_assert_num_queries
):
    with django_assert_num_queries(QUERIES[kind]) as first:
        csv_rows(export(admin, kind))
    more_bookings(world, 30)
    for _ in range(10):
        services.place_order(UserFactory(), PassPageFactory(price=Decimal("5.00")))
        member_pass(UserFactory())
    with django_assert_num_queries(len(first.captured_queries)):
        csv_rows(export(admin, kind))


#: Queries of an export: the login session, the user and Wagtail's user profile (3), the
#: choices the list's filters offer (the programmes and classes of the bookings list, the
#: products of the member passes list, the payment methods of the orders list), and the
#: rows (1: the related names are joined in it; the payments are filtered on the orders by
#: a subquery in the same SQL).
QUERIES = {"bookings": 6, "orders": 5, "payments": 5, "member-passes": 5}


def test_registrations_export_queries_do_not_grow_with_its_rows(
    admin, world, registrations, django_assert_num_queries
):
    with django_assert_num_queries(REGISTRATION_QUERIES) as first:
        csv_rows(export(admin, "registrations"))
    for n in range(10):
        programme = ProgrammeFactory(name=f"Extra {n}")
        services.register(UserFactory(), programme)
    with django_assert_num_queries(len(first.captured_queries)):
        rows = csv_rows(export(admin, "registrations"))
    assert len(rows) == 1 + 12


#: The login session, user and profile (3), the programme filter's choices (1), the rows
#: (1), and the status of each chunk of up to 2,000 rows counted at once, as the list counts
#: a page (5: mandatory products, their pages, the passes held, the orders awaiting payment).
REGISTRATION_QUERIES = 10
