"""S2 Outstanding payments: contents, totals, filters, export, the "Paid at the desk" and
"Mark paid" links and their way back, permissions, query count.

The fixture ``debts`` (conftest) says, worked out by hand, what is owed on Wednesday
10 March 2027: three amounts due (ann EUR 12, 9 days; bob EUR 24, today; cat GBP 8,
37 days) and three orders awaiting payment (fay's order of her amount due EUR 12, today;
gus EUR 90, 2 days; hal EUR 90, 18 days, overdue). Totals EUR 228.00 and GBP 8.00.
"""

import csv
import datetime as dt
import io
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from tests.households import holders
from wagtail_passes.models import Booking, BookingStatus, Order, OrderState, Session
from wagtail_passes.services.outstanding import outstanding, outstanding_totals

from ..admin import form_token, post_form, sidebar_menu
from .conftest import UTC, staff_client

pytestmark = pytest.mark.django_db

URL = reverse("wagtail_passes_reports:outstanding")
RESULTS_URL = reverse("wagtail_passes_reports:outstanding_results")


def seen(response) -> list[tuple]:
    return [
        (row.email.split("@")[0], row.kind, row.amount, row.age_days)
        for row in response.context["object_list"]
    ]


def who(response) -> list[str]:
    return [row.email.split("@")[0] for row in response.context["object_list"]]


def test_S2_lists_amounts_due_and_unpaid_orders_oldest_first(admin, debts):
    response = admin.get(URL)

    assert response.status_code == 200
    assert seen(response) == [
        ("cat", "Amount due", "£8.00", 37),
        ("hal", "Order, overdue", "€90.00", 18),
        ("ann", "Amount due", "€12.00", 9),
        ("gus", "Order awaiting payment", "€90.00", 2),
        ("bob", "Amount due", "€24.00", 0),
        ("fay", "Order awaiting payment", "€12.00", 0),
    ]
    rows = {row.email.split("@")[0]: row for row in response.context["object_list"]}
    assert rows["ann"].what == "Yoga Flow, 1 March 2027, 18:00"
    assert rows["ann"].programme == "Yoga"
    assert rows["cat"].what == "Lengths, 1 February 2027, 09:00"
    reference = debts["orders"]["gus"].reference
    assert rows["gus"].what == f"Order {reference}: Ten classes"
    # fay's amount due is in her order: listed once, under the order.
    assert rows["fay"].what.endswith("Yoga Flow, 1 March 2027, 18:00")


def test_S2_leaves_out_what_is_not_owed_yet_or_any_more(admin, debts):
    """Not listed: ann's booking of a session that has not started, dan's cancelled
    booking, eve's free one, fay's amount due on its own, ivy's paid order."""
    names = who(admin.get(URL))

    assert sorted(names) == ["ann", "bob", "cat", "fay", "gus", "hal"]
    assert names.count("ann") == 1 and names.count("fay") == 1


def test_S2_shows_totals_per_currency_at_the_top(admin, debts):
    response = admin.get(URL)

    assert response.context["totals"] == ["€228.00", "£8.00"]
    soup = BeautifulSoup(response.content, "html.parser")
    totals = soup.find(attrs={"data-passes-totals": True})
    assert [li.get_text() for li in totals.find_all("li")] == ["€228.00", "£8.00"]


def test_S2_totals_follow_the_filters(admin, debts):
    response = admin.get(URL, {"kind": "due"})

    # 12 + 24 in euros; 8 in pounds (by currency code).
    assert response.context["totals"] == ["€36.00", "£8.00"]


def test_S2_the_database_totals_match_the_list(clock, debts):
    listed = outstanding()
    by_currency = {}
    for item in listed:
        by_currency[item.amount.currency] = by_currency.get(item.amount.currency, 0) + (
            item.amount.amount
        )

    assert {m.currency: m.amount for m in outstanding_totals()} == by_currency
    assert by_currency == {"EUR": Decimal("228.00"), "GBP": Decimal("8.00")}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"kind": "due"}, ["cat", "ann", "bob"]),
        ({"kind": "order"}, ["hal", "gus", "fay"]),
        ({"kind": "overdue"}, ["hal"]),
        ({"age": "7"}, ["cat", "hal", "ann"]),
        ({"age": "30"}, ["cat"]),
        ({"age": "90"}, []),
        ({"kind": "order", "age": "7"}, ["hal"]),
    ],
)
def test_S2_filters_by_kind_and_age(admin, debts, params, expected):
    assert who(admin.get(URL, params)) == expected


def test_S2_filters_by_programme(admin, debts):
    yoga, swim = debts["programmes"]["yoga"], debts["programmes"]["swim"]

    # Yoga: the amounts due of its sessions, and fay's order paying one of them; the
    # pass orders belong to no programme.
    assert who(admin.get(URL, {"programme": yoga.pk})) == ["ann", "bob", "fay"]
    assert who(admin.get(URL, {"programme": swim.pk})) == ["cat"]


def test_S2_an_order_holding_expires_at_is_overdue_once_its_hold_ends(admin, debts, clock):
    # gus's order was placed on 8 March and is held for 7 days: until 15 March, 10:00.
    clock.move_to(dt.datetime(2027, 3, 15, 9, 59, tzinfo=UTC))
    before = who(admin.get(URL, {"kind": "overdue"}))
    clock.move_to(dt.datetime(2027, 3, 15, 10, 1, tzinfo=UTC))
    after = who(admin.get(URL, {"kind": "overdue"}))

    assert before == ["hal"]
    assert after == ["hal", "gus"]


@pytest.mark.parametrize(
    "params",
    [{"kind": "x"}, {"age": "abc"}, {"programme": "abc"}, {"programme": "999999"}, {"p": "0"}],
)
def test_S2_bad_filter_values_are_ignored_never_a_500(admin, debts, params):
    assert admin.get(URL, params).status_code == 200


def test_S2_csv_export_parses_back(admin, debts):
    response = admin.get(URL, {"kind": "due", "export": "csv"})

    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows == [
        ["Attending", "Member", "Email", "Kind", "For", "Programme", "Amount", "Currency",
         "Owed since", "Age (days)", "Commitment"],
        ["Cat Owes (cat)", "Cat Owes (cat)", "cat@example.com", "Amount due",
         "Lengths, 1 February 2027, 09:00", "Swim", "8.00", "GBP", "2027-02-01", "37", "—"],
        ["Ann Owes (ann)", "Ann Owes (ann)", "ann@example.com", "Amount due",
         "Yoga Flow, 1 March 2027, 18:00", "Yoga", "12.00", "EUR", "2027-03-01", "9", "—"],
        ["Bob Owes (bob)", "Bob Owes (bob)", "bob@example.com", "Amount due",
         "Yoga Flow, 10 March 2027, 08:00", "Yoga", "24.00", "EUR", "2027-03-10", "0", "—"],
    ]  # fmt: skip


def test_S2_xlsx_export_has_amounts_as_numbers(admin, debts):
    response = admin.get(URL, {"kind": "order", "export": "xlsx"})

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(workbook.active.iter_rows(values_only=True))
    assert values[0][6:8] == ("Amount", "Currency")
    body = [(row[1], row[3], row[6], row[7], row[9]) for row in values[1:]]
    assert body == [
        ("Hal Owes (hal)", "Order, overdue", 90, "EUR", 18),
        ("Gus Owes (gus)", "Order awaiting payment", 90, "EUR", 2),
        ("Fay Owes (fay)", "Order awaiting payment", 12, "EUR", 0),
    ]


# ---- acting from the list --------------------------------------------------------


def action_links(response) -> dict[str, list[str]]:
    soup = BeautifulSoup(response.content, "html.parser")
    links = {}
    for anchor in soup.select("a.button-small"):
        links.setdefault(anchor.get_text(strip=True), []).append(anchor["href"])
    return links


def test_S2_paid_at_the_desk_from_the_list_comes_back_to_it(admin, debts):
    filtered = admin.get(URL, {"kind": "due"})
    booking = debts["bookings"]["ann"]
    (link,) = [
        url
        for url in action_links(filtered)["Paid at the desk"]
        if f"/desk_payment/{booking.pk}/" in url
    ]
    back = parse_qs(urlsplit(link).query)["next"][0]
    assert back == f"{URL}?kind=due"

    form = admin.get(link)
    assert form.status_code == 200
    assert f'name="next" value="{URL}?kind=due"' in form.content.decode()
    token = form_token(form)
    data = {"method": "cash", "note": "", "next": back, "form_token": token}
    response = admin.post(urlsplit(link).path, data)

    assert response.status_code == 302
    assert response["Location"] == back
    booking.refresh_from_db()
    assert booking.amount_due == 0 and booking.payment_method == "cash"
    assert "ann" not in who(admin.get(URL))


def test_S2_mark_paid_from_the_list_comes_back_to_it(admin, debts):
    order = debts["orders"]["hal"]
    links = action_links(admin.get(URL))
    (link,) = [url for url in links["Mark paid"] if f"/mark_paid/{order.pk}/" in url]

    token = form_token(admin.get(link))
    data = {"method": "cash", "confirm": "on", "next": URL, "form_token": token}
    response = admin.post(urlsplit(link).path, data)

    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == URL
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert "hal" not in who(admin.get(URL))


def test_S2_a_next_address_off_the_site_is_ignored(admin, debts):
    booking = debts["bookings"]["bob"]
    url = reverse("wagtail_passes_booking_modeladmin_desk_payment", args=[booking.pk])

    response = post_form(
        admin, url, {"method": "cash", "note": "", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "wagtail_passes_session_modeladmin_register", args=[booking.session_id]
    )


def test_S2_action_links_follow_the_change_permissions(clock, debts):
    viewer = staff_client("view_booking", "view_order", "view_reports")

    response = viewer.get(URL)

    assert response.status_code == 200
    assert len(response.context["object_list"]) == 6
    assert action_links(response) == {}


# ---- who may see it --------------------------------------------------------------


def test_S2_needs_a_view_permission_on_bookings_or_orders(clock, debts):
    nobody = staff_client("view_memberpass", "view_reports")

    assert nobody.get(URL).status_code in (302, 403)
    assert nobody.get(URL, {"export": "xlsx"}).status_code in (302, 403)
    assert nobody.get(RESULTS_URL).status_code in (302, 403)


def test_S2_shows_only_what_the_user_may_see(clock, debts):
    orders_only = staff_client("view_order", "change_order", "view_reports")
    bookings_only = staff_client("view_booking", "change_booking", "view_reports")

    orders = orders_only.get(URL)
    bookings = bookings_only.get(URL)

    assert who(orders) == ["hal", "gus", "fay"]
    assert orders.context["totals"] == ["€192.00"]
    assert list(action_links(orders)) == ["Mark paid"]
    assert who(bookings) == ["cat", "ann", "bob"]
    assert list(action_links(bookings)) == ["Paid at the desk"]


def test_S2_needs_the_reports_permission(clock, debts):
    desk = staff_client("view_booking", "view_order", "change_booking", "sell_at_desk")

    assert desk.get(URL).status_code in (302, 403)
    assert desk.get(URL, {"export": "xlsx"}).status_code in (302, 403)


def test_S2_is_an_item_of_the_passes_menu(clock, debts):
    allowed = staff_client("view_order", "view_reports")
    home = reverse("wagtailadmin_home")

    assert "Outstanding payments" in sidebar_menu(allowed.get(home))["Passes"]


# ---- query count -----------------------------------------------------------------


def thousand_dues(session):
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"owes{i:04d}", email=f"owes{i:04d}@example.com")
        for i in range(1000)
    )
    people = holders(users)
    Booking.objects.bulk_create(
        Booking(
            member=user,
            person=people[user.pk],
            session=session,
            price=Decimal("12.00"),
            amount_due=Decimal("12.00"),
            currency="EUR",
            status=BookingStatus.BOOKED,
        )
        for user in users
    )


@pytest.mark.parametrize("params", [{}, {"kind": "due"}, {"age": "7"}, {"p": "5"}])
def test_S2_page_queries_are_pinned_with_1000_amounts_due(
    admin, debts, django_assert_max_num_queries, params
):
    thousand_dues(debts["sessions"]["yoga_past"])
    admin.get(URL)

    # session, user, profile; amounts due, fees due (L1-L3), orders, their lines; locale,
    # two page lookups of the admin's chrome; the programme filter's choices
    with django_assert_max_num_queries(11):
        response = admin.get(URL, params)

    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50


def test_S2_export_queries_are_pinned_with_1000_amounts_due(
    admin, debts, django_assert_max_num_queries
):
    thousand_dues(debts["sessions"]["yoga_past"])
    admin.get(URL)

    # session, user, profile; amounts due, fees due (L1-L3), orders, their lines
    with django_assert_max_num_queries(7):
        response = admin.get(URL, {"export": "csv"})
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert len(rows) == 1 + 1000 + 6
    assert Order.objects.count() == 4 and Session.objects.count() == 4


def test_S2_the_filters_refresh_keeps_the_totals(admin, debts):
    response = admin.get(RESULTS_URL, {"kind": "overdue"})

    soup = BeautifulSoup(response.content, "html.parser")
    totals = soup.find(attrs={"data-passes-totals": True})
    assert [li.get_text() for li in totals.find_all("li")] == ["€90.00"]
    assert who(response) == ["hal"]


def test_S2_N2_a_renewal_order_shows_the_commitment_of_the_pass_it_renews(admin, clock):
    """A 12-payment commitment whose first pass is paid: the pending renewal order is the
    second payment, so the row says 1 made, 11 to go (counted by hand)."""
    from wagtail_passes import services
    from wagtail_passes.models import Renewal
    from wagtail_passes.services.orders import place_order
    from wagtail_passes.test.factories import PassPageFactory, UserFactory

    product = PassPageFactory(
        title="Monthly",
        duration_days=30,
        allow_auto_renew=True,
        renew_when="expired",
        commitment_payments=12,
    )
    member = UserFactory(username="ida", email="ida@example.com")
    first = services.issue_member_pass(member, product, paid=True, auto_renew=True)
    order = place_order(member, product, accepted_terms=True, auto_renew=True)
    Renewal.objects.create(member_pass=first, order=order, starts_on=first.valid_until)

    response = admin.get(URL, {"kind": "order", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    ida = [row for row in rows if row[2] == "ida@example.com"]
    assert len(ida) == 1 and ida[0][-1] == "1 of 12 payments made, 11 to go"
    page = admin.get(URL, {"kind": "order"})
    assert "1 of 12 payments made, 11 to go" in page.content.decode()
