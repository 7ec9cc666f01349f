"""Member passes in the admin: the list (S1), the inspect page with the ledger (R3) and the
staff tools (S4): assign (K6), hold (V7) and adjust (R3)."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.contrib.messages.constants import SUCCESS
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from wagtail_passes.conf import passes_settings
from wagtail_passes.models import (
    Hold,
    LedgerEntry,
    LedgerKind,
    MemberPass,
    PassStatus,
    ProductKind,
    ValidityBasis,
)
from wagtail_passes.services import adjust_pass, hold_pass
from wagtail_passes.services.ledger import redeem
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from . import admin_url, listed, post_form, row_cells, sidebar_menu, staff_client

pytestmark = pytest.mark.django_db

INDEX_URL = admin_url("memberpass", "index")
ASSIGN_URL = admin_url("memberpass", "assign")
HOME_URL = reverse("wagtailadmin_home")


def inspect_url(obj):
    return admin_url("memberpass", "inspect", obj.pk)


def hold_url(obj):
    return admin_url("memberpass", "hold", obj.pk)


def adjust_url(obj):
    return admin_url("memberpass", "adjust", obj.pk)


def local_today():
    return timezone.localtime(timezone.now(), passes_settings.tzinfo).date()


def in_days(days):
    return local_today() + dt.timedelta(days=days)


def form_errors(response):
    """``{field or "__all__": [messages]}`` of the action form that came back."""
    assert response.status_code == 200
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def ledger_table(response):
    """The inspect page's ledger as a list of rows, each a list of cell texts."""
    table = BeautifulSoup(response.content, "html.parser").find(id="passes-ledger")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
        for row in table.tbody.find_all("tr")
    ]


def denied(response):
    """Wagtail's permission-denied answer: a message and a redirect to the dashboard."""
    return response.status_code == 302 and response["Location"] == HOME_URL


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.org")


@pytest.fixture
def ten_entries(ann):
    """Ann's 10-entry pass, valid 30 days from today's purchase."""
    return member_pass(ann, title="Ten classes", quantity=Decimal(10), duration_days=30)


# ---- menu and list (S1) ----------------------------------------------------------


def test_superuser_sees_member_passes_in_the_passes_menu(admin):
    response = admin.get(HOME_URL)

    assert "Member passes" in sidebar_menu(response)["Passes"]
    assert admin.get(INDEX_URL).status_code == 200


def test_s1_list_shows_member_product_balance_and_expiry(admin, ann, ten_entries, superuser):
    adjust_pass(ten_entries, Decimal(-3), by=superuser, reason="Three classes by hand")
    unlimited = member_pass(
        ann, title="Month unlimited", kind=ProductKind.UNLIMITED, quantity=None, duration_days=30
    )
    money = member_pass(
        ann, title="Wallet", kind=ProductKind.MONEY, quantity=Decimal("50.00"), currency="GBP"
    )
    adjust_pass(money, Decimal("-17.50"), by=superuser, reason="Workshop")
    first_use = member_pass(
        ann, title="Week pass", validity_basis=ValidityBasis.FIRST_USE, duration_days=7
    )
    unpaid = member_pass(ann, title="Pending", paid=False)

    response = admin.get(INDEX_URL)

    # The kind is on the pass's page.
    assert row_cells(response, ten_entries) == [
        "Ten classes",
        "Ann Lee (ann)",
        "7 of 10 entries",
        date_format(in_days(30)),
        "Active",
        "Yes",
    ]
    assert row_cells(response, unlimited)[2:4] == ["Unlimited", date_format(in_days(30))]
    assert row_cells(response, money)[2:4] == ["£32.50", "No expiry"]
    assert row_cells(response, first_use)[3] == "Starts at first use"
    assert row_cells(response, unpaid)[5] == "No"


def test_s1_list_counts_days_and_credits_in_their_units(admin):
    days = member_pass(kind=ProductKind.DAYS, quantity=Decimal(1))
    credits = member_pass(kind=ProductKind.CREDITS, quantity=Decimal(20))

    response = admin.get(INDEX_URL)

    assert row_cells(response, days)[2] == "1 of 1 day"
    assert row_cells(response, credits)[2] == "20 of 20 credits"


def test_s1_filter_by_product_lists_only_products_with_member_passes(admin):
    yoga = PassPageFactory(title="Yoga ten")
    swim = CreditPackPageFactory(title="Swim credits")
    PassPageFactory(title="Nobody bought this")
    yoga_passes = {member_pass(product=yoga), member_pass(product=yoga)}
    swim_pass = member_pass(product=swim)

    response = admin.get(INDEX_URL)
    page = response.content.decode()

    assert "Yoga ten" in page and "Swim credits" in page
    assert "Nobody bought this" not in page
    assert set(listed(admin.get(INDEX_URL, {"product": yoga.pk}))) == yoga_passes
    assert listed(admin.get(INDEX_URL, {"product": swim.pk})) == [swim_pass]
    assert listed(admin.get(INDEX_URL, {"product": "not-a-number"})) == []


def test_s1_filter_by_status_and_paid(admin, superuser):
    active = member_pass(quantity=Decimal(2))
    used_up = member_pass(quantity=Decimal(2))
    adjust_pass(used_up, Decimal(-2), by=superuser, reason="Spent at the desk")
    unpaid = member_pass(paid=False)

    assert listed(admin.get(INDEX_URL, {"status__exact": PassStatus.USED_UP})) == [used_up]
    assert set(listed(admin.get(INDEX_URL, {"status__exact": PassStatus.ACTIVE}))) == {
        active,
        unpaid,
    }
    assert listed(admin.get(INDEX_URL, {"is_paid__exact": "0"})) == [unpaid]
    assert set(listed(admin.get(INDEX_URL, {"is_paid__exact": "1"}))) == {active, used_up}


@pytest.mark.parametrize(
    "query", ["ann", "Lee", "Ann Lee", "ann@example.org", "ten classes"], ids=str
)
def test_s1_search_by_member_and_title(admin, ten_entries, query):
    member_pass(UserFactory(username="bob", first_name="Bob", last_name="Stone"), title="Swim")

    assert listed(admin.get(INDEX_URL, {"q": query})) == [ten_entries]


def test_s1_list_queries_do_not_grow_with_passes(admin, django_assert_max_num_queries):
    # Each pass has its own member and its own product, so a lookup per row would add 30
    # queries. Measured: 12 for the page (session, user, profile, the product filter's
    # choices twice as modeladmin builds the filters twice, three counts, locale and two
    # page queries of the menu, the page of passes joined with their members).
    for _ in range(30):
        member_pass()
    admin.get(INDEX_URL)  # fills per-process caches (permission codenames), as in production

    with django_assert_max_num_queries(12):
        response = admin.get(INDEX_URL)

    assert len(listed(response)) == 30


# ---- inspect page (R3) -----------------------------------------------------------


def test_r3_inspect_shows_rules_window_and_ledger_with_who_and_why(admin, ten_entries, superuser):
    adjust_pass(ten_entries, Decimal(2), by=superuser, reason="Two classes cancelled by us")
    hold_pass(ten_entries, in_days(5), in_days(6), by=superuser, reason="Injury")

    response = admin.get(inspect_url(ten_entries))

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Ann Lee (ann)",
        "12 of 10 entries",
        "30 days from purchase",
        date_format(in_days(32), "j F Y"),  # 30 days, moved out by the 2-day hold
        "Every programme and class",
        "Injury",
    ):
        assert text in page, text
    issue, adjustment = ledger_table(response)
    assert issue[1:5] == ["Issued", "+10", "10", "—"]
    assert adjustment[1:] == [
        "Adjusted",
        "+2",
        "12",
        "—",
        "admin",
        "Two classes cancelled by us",
    ]


def test_r3_inspect_shows_the_session_a_redemption_paid_for(admin, ten_entries):
    session = SessionFactory(programme_class__name="Flow")
    redeem(ten_entries, session, cost=Decimal(1), attendees=1)

    rows = ledger_table(admin.get(inspect_url(ten_entries)))

    assert rows[-1][1:5] == ["Redeemed", "-1", "9", str(session)]


def test_inspect_of_money_credit_shows_amounts_in_its_currency(admin, superuser):
    wallet = member_pass(kind=ProductKind.MONEY, quantity=Decimal("50.00"), currency="GBP")
    adjust_pass(wallet, Decimal("-12.50"), by=superuser, reason="Workshop")

    rows = ledger_table(admin.get(inspect_url(wallet)))

    assert [row[2:4] for row in rows] == [
        ["+£50.00", "£50.00"],
        ["-£12.50", "£37.50"],
    ]


# ---- assign (K6) -----------------------------------------------------------------


def test_k6_assign_pass_from_admin_is_logged(admin, ann, superuser):
    product = PassPageFactory(title="Trial", price=Decimal("25.00"), quantity=Decimal(3))

    response = post_form(
        admin,
        ASSIGN_URL,
        {"member": ann.pk, "product": product.pk, "paid": "on", "reason": "Welcome gift"},
    )

    given = MemberPass.objects.get(member=ann)
    assert response.status_code == 302
    assert response["Location"] == inspect_url(given)
    assert (given.product_id, given.balance, given.price) == (product.pk, 3, 0)
    assert given.is_paid and given.assigned_by == superuser
    [issue] = given.ledger.all()
    assert issue.kind == LedgerKind.ISSUE
    assert issue.created_by == superuser
    assert "Welcome gift" in issue.reason
    [message] = get_messages(response.wsgi_request)
    assert message.level == SUCCESS
    assert message.message.strip() == "“Trial” assigned to Ann Lee (ann)."


def test_k6_an_assigned_pass_is_always_complimentary(admin, ann):
    product = CreditPackPageFactory()

    response = post_form(admin, ASSIGN_URL, {"member": ann.pk, "product": product.pk, "paid": ""})

    assert response.status_code == 302
    given = MemberPass.objects.get(member=ann)
    assert given.is_paid is True and given.price == 0


def test_k6_assign_form_offers_live_products(admin):
    live = PassPageFactory(title="On the site")
    draft = PassPageFactory(title="Draft", live=False)

    response = admin.get(ASSIGN_URL)

    choices = dict(response.context["form"].fields["product"].choices)
    assert live.pk in [getattr(value, "value", value) for value in choices]
    assert "Draft" not in response.content.decode()
    assert draft.pk not in [getattr(value, "value", value) for value in choices]
    assert "paid" not in response.context["form"].fields  # K6: always complimentary


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"member": "999999"}, "member", "Choose an active member"),
        ({"member": "ann"}, "member", "Choose an active member"),
        ({"member": "99999999999999999999999"}, "member", "Choose an active member"),
        ({"member": "inactive"}, "member", "Choose an active member"),
        ({"member": ""}, "member", "This field is required."),
        ({"product": ""}, "product", "This field is required."),
        ({"product": "999999"}, "product", "Select a valid choice."),
        ({"product": "99999999999999999999999"}, "product", "Select a valid choice."),
    ],
    ids=[
        "unknown-member",
        "member-not-an-id",
        "member-id-too-large",
        "inactive-member",
        "no-member",
        "no-product",
        "unknown-product",
        "product-id-too-large",
    ],
)
def test_k6_bad_assign_input_is_refused_and_nothing_is_issued(admin, ann, data, field, message):
    product = PassPageFactory()
    if data.get("member") == "inactive":
        data = {"member": UserFactory(is_active=False).pk}
    post = {"member": ann.pk, "product": product.pk, "paid": "on", **data}

    response = post_form(admin, ASSIGN_URL, post)

    assert any(message in error for error in form_errors(response)[field])
    assert message in response.content.decode()
    assert not MemberPass.objects.exists()


# ---- hold (V7) -------------------------------------------------------------------


def test_v7_hold_from_admin_moves_expiry(admin, ten_entries, superuser):
    assert ten_entries.valid_until == in_days(30)

    response = post_form(
        admin,
        hold_url(ten_entries),
        {"starts_on": in_days(5), "ends_on": in_days(9), "reason": "Broken wrist"},
    )

    assert response.status_code == 302
    assert response["Location"] == inspect_url(ten_entries)
    ten_entries.refresh_from_db()
    assert ten_entries.valid_until == in_days(35)
    hold = Hold.objects.get(member_pass=ten_entries)
    assert (hold.starts_on, hold.ends_on, hold.created_by, hold.reason) == (
        in_days(5),
        in_days(9),
        superuser,
        "Broken wrist",
    )
    [message] = get_messages(response.wsgi_request)
    assert f"valid until {date_format(in_days(35), 'j F Y')}" in message.message


def test_v7_overlapping_hold_shows_the_service_message_and_creates_nothing(
    admin, ten_entries, superuser
):
    hold_pass(ten_entries, in_days(5), in_days(9), by=superuser)
    ten_entries.refresh_from_db()

    response = post_form(
        admin, hold_url(ten_entries), {"starts_on": in_days(8), "ends_on": in_days(12)}
    )

    [error] = form_errors(response)["starts_on"]
    assert error.startswith("It is already on hold from")
    assert error in response.content.decode()
    assert Hold.objects.count() == 1
    assert MemberPass.objects.get(pk=ten_entries.pk).valid_until == in_days(35)


def test_v7_hold_over_booked_sessions_shows_the_service_message_and_creates_nothing(
    admin, ten_entries
):
    start = dt.datetime.combine(in_days(3), dt.time(12), tzinfo=passes_settings.tzinfo)
    redeem(ten_entries, SessionFactory(start=start), cost=Decimal(1), attendees=1)

    response = post_form(
        admin, hold_url(ten_entries), {"starts_on": in_days(1), "ends_on": in_days(5)}
    )

    [error] = form_errors(response)["starts_on"]
    assert error == (
        f"Sessions on {date_format(in_days(3), 'j F Y')} are booked with this pass; "
        "cancel them first."
    )
    assert error in response.content.decode()
    assert not Hold.objects.exists()
    assert MemberPass.objects.get(pk=ten_entries.pk).valid_until == in_days(30)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"ends_on": "2031-01-01"}, "ends_on", "The hold must not end before it starts."),
        ({"starts_on": "2031-02-30"}, "starts_on", "Enter a valid date."),
        ({"ends_on": ""}, "ends_on", "This field is required."),
    ],
    ids=["ends-before-start", "no-such-day", "no-end"],
)
def test_v7_bad_hold_dates_are_refused_next_to_the_field(admin, ten_entries, data, field, message):
    post = {"starts_on": "2031-01-10", "ends_on": "2031-01-12", **data}

    response = post_form(admin, hold_url(ten_entries), post)

    assert message in form_errors(response)[field]
    assert not Hold.objects.exists()


def test_v7_hold_form_shows_on_get_and_changes_nothing(admin, ten_entries):
    response = admin.get(hold_url(ten_entries))

    assert response.status_code == 200
    assert "Put on hold" in response.content.decode()
    assert not Hold.objects.exists()


# ---- adjust (R3, S4) -------------------------------------------------------------


def test_r3_adjust_from_admin_is_a_ledger_movement(admin, ten_entries, superuser):
    response = post_form(admin, adjust_url(ten_entries), {"amount": "-3", "reason": "Paid in cash"})

    assert response.status_code == 302
    assert response["Location"] == inspect_url(ten_entries)
    ten_entries.refresh_from_db()
    assert ten_entries.balance == 7
    entry = ten_entries.ledger.last()
    assert (entry.kind, entry.amount, entry.created_by, entry.reason) == (
        LedgerKind.ADJUST,
        Decimal(-3),
        superuser,
        "Paid in cash",
    )
    [message] = get_messages(response.wsgi_request)
    assert message.message.strip() == "Balance adjusted by -3; now 7 of 10 entries."


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_r3_adjust_requires_reason(admin, ten_entries, reason):
    response = post_form(admin, adjust_url(ten_entries), {"amount": "2", "reason": reason})

    assert form_errors(response)["reason"] == ["Say why you adjust this pass."]
    assert ten_entries.ledger.count() == 1
    assert MemberPass.objects.get(pk=ten_entries.pk).balance == 10


def test_r3_adjust_below_zero_is_refused_and_balance_unchanged(admin, ten_entries):
    response = post_form(admin, adjust_url(ten_entries), {"amount": "-11", "reason": "Oops"})

    [error] = form_errors(response)["amount"]
    assert error == "That would leave -1 on the pass; the balance cannot go below 0."
    assert error in response.content.decode()
    assert ten_entries.ledger.count() == 1
    assert MemberPass.objects.get(pk=ten_entries.pk).balance == 10


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("lots", "Enter a number."),
        ("0", "Enter a non-zero amount."),
        ("1.5", "Entries, days and credits are whole numbers."),
        ("1.234", "Ensure that there are no more than 2 decimal places."),
    ],
    ids=["not-a-number", "zero", "fraction-of-an-entry", "too-precise"],
)
def test_r3_bad_adjust_amounts_are_refused_next_to_the_field(admin, ten_entries, amount, message):
    response = post_form(admin, adjust_url(ten_entries), {"amount": amount, "reason": "Because"})

    assert message in form_errors(response)["amount"]
    assert ten_entries.ledger.count() == 1


def test_r3_unlimited_pass_cannot_be_adjusted(admin):
    unlimited = member_pass(kind=ProductKind.UNLIMITED, quantity=None, duration_days=30)

    response = post_form(admin, adjust_url(unlimited), {"amount": "1", "reason": "Because"})

    assert form_errors(response)["__all__"] == ["An unlimited pass has no balance to adjust."]
    assert unlimited.ledger.count() == 1


def test_r3_adjust_money_credit_in_its_currency(admin):
    wallet = member_pass(kind=ProductKind.MONEY, quantity=Decimal("50.00"), currency="EUR")

    response = post_form(admin, adjust_url(wallet), {"amount": "-12.50", "reason": "Workshop"})

    assert response.status_code == 302
    wallet.refresh_from_db()
    assert wallet.balance == Decimal("37.50")


def test_actions_need_the_csrf_token(superuser, ten_entries):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)

    response = client.post(adjust_url(ten_entries), {"amount": "5", "reason": "Goodwill"})

    assert response.status_code == 403
    assert MemberPass.objects.get(pk=ten_entries.pk).balance == 10


def test_actions_on_an_unknown_pass_are_not_found(admin):
    assert admin.get(admin_url("memberpass", "hold", 999999)).status_code == 404
    assert admin.get(admin_url("memberpass", "adjust", 999999)).status_code == 404


# ---- no generic create, edit or delete -------------------------------------------


@pytest.mark.parametrize("action", ["create", "edit", "delete"])
def test_generic_create_edit_delete_are_closed_even_to_the_superuser(admin, ten_entries, action):
    url = admin_url("memberpass", action) if action == "create" else None
    url = url or admin_url("memberpass", action, ten_entries.pk)

    for response in (admin.get(url), admin.post(url, {"balance": "100", "title": "Hacked"})):
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert response["Location"] == HOME_URL

    ten_entries.refresh_from_db()
    assert (ten_entries.balance, ten_entries.title) == (10, "Ten classes")
    assert MemberPass.objects.count() == 1


def test_list_and_inspect_offer_no_edit_or_delete(admin, ten_entries):
    pages = [admin.get(INDEX_URL), admin.get(inspect_url(ten_entries))]

    for response in pages:
        page = response.content.decode()
        assert admin_url("memberpass", "edit", ten_entries.pk) not in page
        assert admin_url("memberpass", "delete", ten_entries.pk) not in page
        assert admin_url("memberpass", "create") not in page
    # The tools are on the pass's page; the list links to it.
    index, inspect = (response.content.decode() for response in pages)
    assert inspect_url(ten_entries) in index
    assert hold_url(ten_entries) not in index and adjust_url(ten_entries) not in index
    assert hold_url(ten_entries) in inspect and adjust_url(ten_entries) in inspect
    assert ASSIGN_URL in index


# ---- permissions -----------------------------------------------------------------


def action_requests(member_pass_):
    return [
        ("get", ASSIGN_URL, {}),
        ("post", ASSIGN_URL, {"member": member_pass_.member.pk, "product": "1"}),
        ("get", hold_url(member_pass_), {}),
        ("post", hold_url(member_pass_), {"starts_on": in_days(2), "ends_on": in_days(3)}),
        ("get", adjust_url(member_pass_), {}),
        ("post", adjust_url(member_pass_), {"amount": "5", "reason": "Sneaky"}),
    ]


def assert_unchanged(member_pass_):
    assert MemberPass.objects.count() == 1
    assert not Hold.objects.exists()
    assert LedgerEntry.objects.count() == 1
    assert MemberPass.objects.get(pk=member_pass_.pk).balance == member_pass_.balance


def test_editor_without_permissions_gets_nothing(ten_entries):
    client = staff_client()

    assert "Passes" not in sidebar_menu(client.get(HOME_URL))
    assert denied(client.get(INDEX_URL))
    assert denied(client.get(inspect_url(ten_entries)))
    for method, url, data in action_requests(ten_entries):
        assert denied(getattr(client, method)(url, data)), (method, url)
    assert_unchanged(ten_entries)


def test_view_permission_shows_the_list_but_no_actions(ten_entries):
    client = staff_client("view_memberpass")

    # and the pass holders report (S1)
    assert sidebar_menu(client.get(HOME_URL))["Passes"] == ["Member passes"]
    for response in (client.get(INDEX_URL), client.get(inspect_url(ten_entries))):
        assert response.status_code == 200
        page = response.content.decode()
        for url in (ASSIGN_URL, hold_url(ten_entries), adjust_url(ten_entries)):
            assert url not in page
    for method, url, data in action_requests(ten_entries):
        assert denied(getattr(client, method)(url, data)), (method, url)
    assert_unchanged(ten_entries)


def test_change_permission_holds_and_adjusts_but_does_not_assign(ten_entries):
    client = staff_client("view_memberpass", "change_memberpass")

    page = client.get(inspect_url(ten_entries)).content.decode()
    assert hold_url(ten_entries) in page and adjust_url(ten_entries) in page
    assert ASSIGN_URL not in client.get(INDEX_URL).content.decode()
    assert denied(client.get(ASSIGN_URL))
    response = post_form(client, adjust_url(ten_entries), {"amount": "1", "reason": "Goodwill"})
    assert response["Location"] == inspect_url(ten_entries)
    response = post_form(
        client, hold_url(ten_entries), {"starts_on": in_days(2), "ends_on": in_days(3)}
    )
    assert response["Location"] == inspect_url(ten_entries)
    assert MemberPass.objects.get(pk=ten_entries.pk).balance == 11
    assert Hold.objects.count() == 1


def test_add_permission_assigns(ann):
    product = PassPageFactory()
    client = staff_client("view_memberpass", "add_memberpass")

    assert ASSIGN_URL in client.get(INDEX_URL).content.decode()
    response = post_form(
        client, ASSIGN_URL, {"member": ann.pk, "product": product.pk, "paid": "on"}
    )

    given = MemberPass.objects.get(member=ann)
    assert response["Location"] == inspect_url(given)
    assert given.ledger.get().created_by is not None
