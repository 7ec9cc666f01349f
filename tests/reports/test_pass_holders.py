"""S1 Pass holders: contents, filters, search, CSV/XLSX export, permissions, query count.

The fixture ``holders`` (conftest) gives seven members one pass each; today is Wednesday
10 March 2027. By hand:

  ann  Ten classes       7 of 10 entries   14 Mar 2027  Active    (adjusted by -3)
  bob  Ten classes      10 of 10 entries   14 Mar 2027  Active    renews when it expires
  cat  Ten classes       0 of 10 entries   14 Mar 2027  Used up
  dan  Unlimited spring  Unlimited          5 Jul 2027  On hold   (30 June + a 5-day hold)
  eve  Money credit      €50.00            No expiry    Active
  fay  Winter           (written off)      28 Feb 2027  Expired   (before any daily job)
  gus  Ten classes                         14 Mar 2027  Cancelled
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from tests.households import holders
from wagtail_passes.models import MemberPass, ProductKind, ValidityBasis
from wagtail_passes.test.factories import PassPageFactory, member_pass

from ..admin import sidebar_menu
from .conftest import UTC, staff_client

pytestmark = pytest.mark.django_db

URL = reverse("wagtail_passes_reports:pass_holders")
RESULTS_URL = reverse("wagtail_passes_reports:pass_holders_results")


def usernames(response) -> list[str]:
    return [row.email.split("@")[0] for row in response.context["object_list"]]


def rows_by_member(response) -> dict:
    return {row.email.split("@")[0]: row for row in response.context["object_list"]}


def test_S1_lists_each_holder_with_what_is_left_expiry_status_and_renewal(admin, holders):
    response = admin.get(URL)

    assert response.status_code == 200
    rows = rows_by_member(response)
    seen = {
        name: (row.member, row.product, row.left, row.expiry, row.status, row.renewing)
        for name, row in rows.items()
    }
    assert seen == {
        "ann": (
            "Ann Lee (ann)",
            "Ten classes",
            "7 of 10 entries",
            "14 Mar 2027",
            "Active",
            "Does not renew",
        ),
        "bob": (
            "Bob Stone (bob)",
            "Ten classes",
            "10 of 10 entries",
            "14 Mar 2027",
            "Active",
            "Renews when it expires",
        ),
        "cat": (
            "Cat Moss (cat)",
            "Ten classes",
            "0 of 10 entries",
            "14 Mar 2027",
            "Used up",
            "Does not renew",
        ),
        "dan": (
            "Dan Reed (dan)",
            "Unlimited spring",
            "Unlimited",
            "5 Jul 2027",
            "On hold",
            "Does not renew",
        ),
        "eve": (
            "Eve Hart (eve)",
            "Money credit",
            "€50.00",
            "No expiry",
            "Active",
            "Does not renew",
        ),
        "fay": (
            "Fay Wong (fay)",
            "Winter",
            rows["fay"].left,
            "28 Feb 2027",
            "Expired",
            "Does not renew",
        ),
        "gus": (
            "Gus Kerr (gus)",
            "Ten classes",
            rows["gus"].left,
            "14 Mar 2027",
            "Cancelled",
            "Does not renew",
        ),
    }
    # By product title, then member's last name: Money credit, Ten classes (Kerr, Lee,
    # Moss, Stone), Unlimited spring, Winter.
    assert usernames(response) == ["eve", "gus", "ann", "cat", "bob", "dan", "fay"]
    # Each product links to the pass's own page (the member, to their profile), and the
    # table says it in words.
    soup = BeautifulSoup(response.content, "html.parser")
    ann_pass = f"/admin/wagtail_passes/memberpass/inspect/{holders['passes']['ann'].pk}/"
    link = soup.find("a", href=ann_pass)
    assert link.get_text(strip=True) == "Ten classes"
    assert "Ann Lee (ann)" in link.find_parent("tr").get_text()
    assert "7 of 10 entries" in soup.get_text()


@pytest.mark.parametrize(
    "status, expected",
    [
        ("active", ["eve", "ann", "bob"]),
        ("on_hold", ["dan"]),
        ("expired", ["fay"]),
        ("used_up", ["cat"]),
        ("cancelled", ["gus"]),
    ],
)
def test_S1_filters_by_status_as_of_today(admin, holders, status, expected):
    response = admin.get(URL, {"status": status})

    assert usernames(response) == expected


def test_S1_expired_counts_from_the_day_after_the_last_valid_day(admin, holders, clock):
    clock.move_to(dt.datetime(2027, 3, 14, 23, 0, tzinfo=UTC))  # last valid day, late
    still = usernames(admin.get(URL, {"status": "active"}))
    clock.move_to(dt.datetime(2027, 3, 15, 0, 30, tzinfo=UTC))  # the next morning
    after = usernames(admin.get(URL, {"status": "expired"}))

    assert still == ["eve", "ann", "bob", "dan"]  # dan's hold ended on 12 March
    # The window ended for every Ten classes pass; expiry comes before "used up" in the
    # one status rule, so cat's used-up pass is expired too (gus's stays cancelled).
    assert after == ["ann", "cat", "bob", "fay"]
    expired = admin.get(URL, {"status": "expired"})
    assert {row.status for row in expired.context["object_list"]} == {"Expired"}


def test_S1_filters_by_product_and_by_expiring_soon(admin, holders):
    ten = holders["products"]["ten"]

    by_product = usernames(admin.get(URL, {"product": ten.pk}))
    expiring = usernames(admin.get(URL, {"expiring": "7"}))
    within_month = usernames(admin.get(URL, {"expiring": "30"}))

    assert by_product == ["gus", "ann", "cat", "bob"]
    # Usable passes ending 10–16 March: ann and bob (cat is used up, gus cancelled).
    assert expiring == ["ann", "bob"]
    assert within_month == ["ann", "bob"]  # dan's ends 5 July


def test_S1_filters_combine(admin, holders):
    ten = holders["products"]["ten"]

    response = admin.get(URL, {"product": ten.pk, "status": "used_up"})

    assert usernames(response) == ["cat"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("ann", ["ann"]),
        ("Ann Lee", ["ann"]),
        ("STONE", ["bob"]),
        ("dan@example", ["dan"]),
        ("lee stone", []),
        ("nobody", []),
    ],
)
def test_S1_searches_by_member_name_or_email(admin, holders, query, expected):
    response = admin.get(URL, {"q": query})

    assert response.status_code == 200
    assert usernames(response) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"product": "abc"},
        {"product": "99999999999999999999999"},
        {"expiring": "-1"},
        {"p": "999"},
        {"q": "x" * 500},
    ],
)
def test_S1_bad_filter_values_are_ignored_never_a_500(admin, holders, params):
    response = admin.get(URL, params)

    assert response.status_code == 200


def test_S1_results_view_refreshes_with_filters(admin, holders):
    response = admin.get(RESULTS_URL, {"status": "on_hold"})

    assert response.status_code == 200
    assert usernames(response) == ["dan"]
    assert "Dan Reed (dan)" in response.content.decode()


def test_S1_csv_export_has_the_filtered_rows(admin, holders):
    response = admin.get(URL, {"product": holders["products"]["ten"].pk, "export": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="pass-holders.csv"'
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == [
        "Holder",  # F2: who holds it; "Member" stays the account holder
        "Member",
        "Email",
        "Product",
        "Left",
        "Last valid day",
        "Valid until",
        "Status",
        "Renewal",
        "Commitment",
    ]
    assert rows[1:] == [
        [
            "Gus Kerr (gus)",
            "Gus Kerr (gus)",
            "gus@example.com",
            "Ten classes",
            rows[1][4],
            "2027-03-14",
            "14 Mar 2027",
            "Cancelled",
            "Does not renew",
            "—",
        ],
        [
            "Ann Lee (ann)",
            "Ann Lee (ann)",
            "ann@example.com",
            "Ten classes",
            "7 of 10 entries",
            "2027-03-14",
            "14 Mar 2027",
            "Active",
            "Does not renew",
            "—",
        ],
        [
            "Cat Moss (cat)",
            "Cat Moss (cat)",
            "cat@example.com",
            "Ten classes",
            "0 of 10 entries",
            "2027-03-14",
            "14 Mar 2027",
            "Used up",
            "Does not renew",
            "—",
        ],
        [
            "Bob Stone (bob)",
            "Bob Stone (bob)",
            "bob@example.com",
            "Ten classes",
            "10 of 10 entries",
            "2027-03-14",
            "14 Mar 2027",
            "Active",
            "Renews when it expires",
            "—",
        ],
    ]


def test_S1_xlsx_export_reads_back_with_dates_as_dates(admin, holders):
    response = admin.get(URL, {"status": "active", "export": "xlsx"})

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:6] == ("Holder", "Member", "Email", "Product", "Left", "Last valid day")
    body = {row[1]: row for row in values[1:]}
    assert set(body) == {"Eve Hart (eve)", "Ann Lee (ann)", "Bob Stone (bob)"}
    assert body["Ann Lee (ann)"][4] == "7 of 10 entries"
    assert body["Ann Lee (ann)"][5] in (dt.date(2027, 3, 14), dt.datetime(2027, 3, 14))
    assert body["Eve Hart (eve)"][5] is None  # no expiry: an empty cell
    assert body["Eve Hart (eve)"][6] == "No expiry"


def test_S1_export_keeps_a_formula_looking_name_as_text(admin, holders):
    member = holders["people"]["ann"]
    member.first_name = "=HYPERLINK(1)"
    member.save()

    response = admin.get(URL, {"q": "ann@", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows[1][0] == rows[1][1] == "'=HYPERLINK(1) Lee (ann)"


def test_S1_commitment_column_shows_payments_made_and_to_go(admin, holders):
    monthly = PassPageFactory(
        title="Monthly contract",
        kind=ProductKind.UNLIMITED,
        quantity=None,
        validity_basis=ValidityBasis.PURCHASE,
        duration_days=30,
        allow_auto_renew=True,
        commitment_payments=12,
    )
    member_pass(holders["people"]["eve"], monthly)

    response = admin.get(URL, {"product": monthly.pk})

    (row,) = response.context["object_list"]
    # One paid pass in the chain, twelve committed: 1 made, 11 to go.
    assert row.commitment == "1 of 12 payments made, 11 to go"


# ---- who may see it --------------------------------------------------------------


def test_S1_needs_the_view_member_pass_permission(clock, holders):
    without = staff_client("view_booking", "view_order", "view_reports")
    allowed = staff_client("view_memberpass", "view_reports")

    assert without.get(URL).status_code in (302, 403)
    assert without.get(URL, {"export": "csv"}).status_code in (302, 403)
    assert without.get(RESULTS_URL).status_code in (302, 403)
    assert allowed.get(URL).status_code == 200


def test_S1_needs_the_reports_permission(clock, holders):
    desk = staff_client("view_memberpass", "view_booking", "view_order")

    assert desk.get(URL).status_code in (302, 403)
    assert desk.get(URL, {"export": "csv"}).status_code in (302, 403)
    assert "Pass holders" not in sidebar_menu(desk.get(reverse("wagtailadmin_home"))).get(
        "Passes", []
    )


def test_S1_is_an_item_of_the_passes_menu_for_those_who_may_see_it(clock, holders):
    allowed = staff_client("view_memberpass", "view_reports")
    without = staff_client("view_booking", "view_reports")
    home = reverse("wagtailadmin_home")

    assert "Pass holders" in sidebar_menu(allowed.get(home))["Passes"]
    assert "Pass holders" not in sidebar_menu(without.get(home)).get("Passes", [])


def test_S1_anonymous_visitors_are_sent_to_log_in(client, holders):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


# ---- query count -----------------------------------------------------------------


def thousand_passes(product):
    """1,000 members with one pass each, written in two bulk inserts."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bulk{i:04d}", email=f"bulk{i:04d}@example.com")
        for i in range(1000)
    )
    bought = dt.datetime(2027, 2, 12, 10, 0, tzinfo=UTC)
    people = holders(users)
    MemberPass.objects.bulk_create(
        MemberPass(
            member=user,
            person=people[user.pk],
            product=product,
            title=product.title,
            kind=ProductKind.ENTRIES,
            quantity=Decimal(10),
            balance=Decimal(i % 11),
            currency="EUR",
            validity_basis=ValidityBasis.PURCHASE,
            duration_days=30,
            purchased_at=bought,
            valid_from=dt.date(2027, 2, 12),
            valid_until=dt.date(2027, 3, 14),
            is_paid=True,
            auto_renew=i % 2 == 0,
            renew_when="expired",
            commitment_payments=12 if i % 3 == 0 else 0,
        )
        for i, user in enumerate(users)
    )


@pytest.mark.parametrize("params", [{}, {"status": "active"}, {"q": "bulk0"}, {"p": "7"}])
def test_S1_page_queries_are_pinned_with_1000_passes(
    admin, holders, django_assert_max_num_queries, params
):
    thousand_passes(holders["products"]["ten"])
    admin.get(URL)  # warm Wagtail's per-process caches (site, menu)

    # session, user, profile; count, page of passes, commitments; locale, two page
    # lookups of the admin's chrome; the product filter's choices
    with django_assert_max_num_queries(11):
        response = admin.get(URL, params)

    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50


def test_S1_export_queries_are_pinned_with_1000_passes(
    admin, holders, django_assert_max_num_queries
):
    thousand_passes(holders["products"]["ten"])
    admin.get(URL)

    # session, user, profile; every pass; commitments
    with django_assert_max_num_queries(6):
        response = admin.get(URL, {"export": "csv"})
        content = b"".join(response.streaming_content).decode()

    assert len(list(csv.reader(io.StringIO(content)))) == 1 + 1000 + 7
