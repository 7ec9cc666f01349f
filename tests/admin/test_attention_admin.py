"""Payments needing attention (issue 17, "Staff see money problems"): the list under
Passes, its filters and permissions, resolving an issue with a note (audited on the
order), the order's "Refund" from the row, the order's page showing its open issues and
each payment's problem, and the count on the admin home.

The issues are made the way the site makes them: money reported to the payment state
machine (``services.payment_state.receive_payment``) that cannot simply pay its order."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.admin.reports.dashboard import PassesTodayPanel
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import IssueKind, PaymentIssue
from wagtail_passes.presentation import EMPTY
from wagtail_passes.services.gateway import PAID, PaymentFact
from wagtail_passes.services.payment_state import receive_payment
from wagtail_passes.services.staff_alerts import resolve_issue
from wagtail_passes.test.factories import PassPageFactory, StaffFactory, UserFactory

from . import admin_url, listed, row_cells, sidebar_menu, staff_client

pytestmark = pytest.mark.django_db

INDEX_URL = admin_url("paymentissue", "index")
HOME_URL = reverse("wagtailadmin_home")


def resolve_url(issue):
    return admin_url("paymentissue", "resolve", issue.pk)


def paid_by(order, key, amount, currency="EUR"):
    """``amount`` reported paid for ``order`` by a bank transfer (``key``: its reference)."""
    fact = PaymentFact("manual", key, PAID, Decimal(amount), currency)
    return receive_payment(order, fact)


def messages_of(response):
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def text_of(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee")


@pytest.fixture
def ten_classes():
    return PassPageFactory(title="Ten classes", price=Decimal("90.00"), currency="EUR")


@pytest.fixture
def paid_twice(ann, ten_classes):
    """Paid by one transfer, then a second: the second must go back, by hand."""
    order = services.place_order(ann, ten_classes)
    assert paid_by(order, "transfer-1", "90.00").result == "fulfilled"
    assert paid_by(order, "transfer-2", "90.00").result == "overpaid"
    return order


@pytest.fixture
def short(ten_classes):
    order = services.place_order(UserFactory(username="bob"), ten_classes)
    assert paid_by(order, "transfer-3", "30.00").result == "short"
    return order


@pytest.fixture
def wrong_currency(ten_classes):
    order = services.place_order(UserFactory(username="cat"), ten_classes)
    assert paid_by(order, "transfer-4", "90.00", currency="GBP").result == "currency"
    return order


def issue_of(order) -> PaymentIssue:
    return PaymentIssue.objects.get(order=order)


# ---- the list ---------------------------------------------------------------------------


def test_c3_the_list_shows_each_open_problem_with_its_order_member_amount_and_story(
    admin, paid_twice, short
):
    response = admin.get(INDEX_URL)

    assert response.status_code == 200
    assert {issue.order for issue in listed(response)} == {paid_twice, short}
    issue = issue_of(paid_twice)
    cells = row_cells(response, issue)
    assert cells[1:5] == [
        paid_twice.reference,
        "Ann Lee (ann)",
        IssueKind(issue.kind).label,
        "€90.00",
    ]
    assert "cannot stay" in cells[5] and paid_twice.reference in cells[5]
    assert cells[6] == "Open"
    row = BeautifulSoup(response.content, "html.parser").find(
        "tr", attrs={"data-object-pk": str(issue.pk)}
    )
    links = {a.get_text(strip=True): a["href"] for a in row.find_all("a")}
    assert links[paid_twice.reference] == admin_url("order", "inspect", paid_twice.pk)
    assert links["Resolve"] == resolve_url(issue)
    # The order was paid, so its "Refund" is one click away.
    assert links["Refund"] == admin_url("order", "refund", paid_twice.pk)


def test_a6_short_and_foreign_money_are_listed_in_words(admin, short, wrong_currency):
    response = admin.get(INDEX_URL)

    problems = {row_cells(response, issue)[3] for issue in listed(response)}
    assert problems == {"Paid less than the total", "Paid in another currency"}
    # An unpaid order cannot be refunded from the row.
    row = BeautifulSoup(response.content, "html.parser").find(
        "tr", attrs={"data-object-pk": str(issue_of(short).pk)}
    )
    assert "Refund" not in [a.get_text(strip=True) for a in row.find_all("a")]


def test_c3_open_problems_by_default_resolved_or_all_on_request(
    admin, superuser, paid_twice, short
):
    resolve_issue(issue_of(short), superuser, "Bob paid the rest in cash")

    open_only = listed(admin.get(INDEX_URL))
    resolved = listed(admin.get(INDEX_URL, {"state": "resolved"}))
    everything = listed(admin.get(INDEX_URL, {"state": "all"}))
    nonsense = listed(admin.get(INDEX_URL, {"state": "maybe"}))

    assert [issue.order for issue in open_only] == [paid_twice]
    assert [issue.order for issue in resolved] == [short]
    assert {issue.order for issue in everything} == {paid_twice, short}
    assert nonsense == []
    cells = row_cells(admin.get(INDEX_URL, {"state": "resolved"}), issue_of(short))
    assert cells[6].startswith("Resolved on ")
    assert cells[6].endswith("by admin: Bob paid the rest in cash")


def test_c3_filter_by_kind(admin, paid_twice, short, wrong_currency):
    response = admin.get(INDEX_URL, {"kind": IssueKind.SHORT})

    assert [issue.order for issue in listed(response)] == [short]


def test_c3_search_by_reference_or_member(admin, paid_twice, short):
    assert [i.order for i in listed(admin.get(INDEX_URL, {"q": paid_twice.reference}))] == [
        paid_twice
    ]
    assert [i.order for i in listed(admin.get(INDEX_URL, {"q": "bob"}))] == [short]


# ---- who may see and do what ------------------------------------------------------------


def test_c3_the_list_is_in_the_passes_menu_for_who_may_see_orders(paid_twice):
    viewer = staff_client("view_order")

    assert "Payments needing attention" in sidebar_menu(viewer.get(HOME_URL))["Passes"]
    response = viewer.get(INDEX_URL)
    assert response.status_code == 200
    assert [issue.order for issue in listed(response)] == [paid_twice]
    # Seeing is not resolving nor refunding.
    page = response.content.decode()
    issue = issue_of(paid_twice)
    assert resolve_url(issue) not in page
    assert admin_url("order", "refund", paid_twice.pk) not in page
    for response in (
        viewer.get(resolve_url(issue)),
        viewer.post(resolve_url(issue), {"note": "x"}),
    ):
        assert response.status_code == 302 and response["Location"] == HOME_URL
    assert issue_of(paid_twice).is_open


def test_c3_staff_without_order_permissions_are_turned_away(paid_twice):
    desk = staff_client("view_booking", "change_booking", "view_memberpass")
    issue = issue_of(paid_twice)

    assert "Payments needing attention" not in sidebar_menu(desk.get(HOME_URL)).get("Passes", [])
    for url in (INDEX_URL, resolve_url(issue)):
        response = desk.get(url)
        assert response.status_code == 302 and response["Location"] == HOME_URL, url
    assert desk.post(resolve_url(issue), {"note": "x"}).status_code == 302
    assert issue_of(paid_twice).is_open


def test_c3_issues_are_never_added_edited_or_deleted_by_hand(admin, paid_twice):
    issue = issue_of(paid_twice)

    for url in (
        admin_url("paymentissue", "create"),
        admin_url("paymentissue", "edit", issue.pk),
        admin_url("paymentissue", "delete", issue.pk),
    ):
        assert admin.get(url).status_code in (302, 403, 404), url
        admin.post(url, {"resolution": "gone", "message": "changed"})
    issue.refresh_from_db()
    assert issue.is_open and "cannot stay" in issue.message


# ---- resolving --------------------------------------------------------------------------


def test_c3_resolve_with_a_note_closes_it_and_tells_the_orders_history(
    admin, superuser, paid_twice
):
    issue = issue_of(paid_twice)
    form = admin.get(resolve_url(issue))
    assert form.status_code == 200
    assert issue.message in text_of(form)

    response = admin.post(resolve_url(issue), {"note": "Sent €90.00 back by transfer"})

    assert response.status_code == 302 and response["Location"] == INDEX_URL
    assert messages_of(response) == [
        f"Order {paid_twice.reference}: “{issue.get_kind_display()}” resolved."
    ]
    issue.refresh_from_db()
    assert not issue.is_open
    assert (issue.resolved_by, issue.resolution) == (superuser, "Sent €90.00 back by transfer")
    entry = ModelLogEntry.objects.get(action="wagtail_passes.order.issue_resolved")
    assert (entry.object_id, entry.user) == (str(paid_twice.pk), superuser)
    assert entry.data["note"] == "Sent €90.00 back by transfer"
    history = admin.get(admin_url("order", "history", paid_twice.pk))
    assert "Sent €90.00 back by transfer" in text_of(history)
    assert listed(admin.get(INDEX_URL)) == []


def test_c3_resolve_needs_a_note(admin, paid_twice):
    issue = issue_of(paid_twice)

    for note in ("", "   ", "x" * 501):
        response = admin.post(resolve_url(issue), {"note": note})
        assert response.status_code == 200
        assert "note" in response.context["form"].errors
    assert issue_of(paid_twice).is_open
    assert not ModelLogEntry.objects.filter(action="wagtail_passes.order.issue_resolved").exists()


def test_c3_resolving_twice_is_refused_and_changes_nothing(admin, superuser, paid_twice):
    issue = issue_of(paid_twice)
    resolve_issue(issue, superuser, "done")

    page = admin.get(resolve_url(issue))
    response = admin.post(resolve_url(issue), {"note": "again"})

    assert page.context["can_submit"] is False
    assert response.context["form"].errors["__all__"] == ["This problem was resolved already."]
    issue.refresh_from_db()
    assert issue.resolution == "done"


def test_c3_the_change_order_permission_resolves(paid_twice):
    manager = staff_client("view_order", "change_order")
    issue = issue_of(paid_twice)

    response = manager.post(resolve_url(issue), {"note": "Refunded by hand"})

    assert response.status_code == 302
    assert not issue_of(paid_twice).is_open


def test_c3_resolve_issue_is_refused_to_staff_without_the_order_permission(paid_twice):
    issue = issue_of(paid_twice)

    for who in (UserFactory(), StaffFactory(permissions=["view_order", "change_memberpass"])):
        with pytest.raises(CheckoutError) as refused:
            resolve_issue(issue, who, "not mine to close")
        assert refused.value.code == "not_allowed"
    assert issue_of(paid_twice).is_open


def test_c3_resolve_issue_refusals_have_codes(superuser, paid_twice):
    issue = issue_of(paid_twice)
    for note, code in (("  ", "note_required"), ("x" * 501, "note_too_long")):
        with pytest.raises(CheckoutError) as refused:
            resolve_issue(issue, superuser, note)
        assert refused.value.code == code
    resolve_issue(issue, superuser, "ok")
    with pytest.raises(CheckoutError) as refused:
        resolve_issue(issue, superuser, "ok again")
    assert refused.value.code == "issue_resolved"


# ---- the order's page -------------------------------------------------------------------


def test_c3_the_orders_page_shows_its_open_problems_first_and_each_payments_problem(
    admin, superuser, paid_twice
):
    issue = issue_of(paid_twice)
    url = admin_url("order", "inspect", paid_twice.pk)

    response = admin.get(url)

    soup = BeautifulSoup(response.content, "html.parser")
    section = soup.select_one(".passes-order-issues")
    assert section is not None
    # At the top: before the order's facts.
    assert str(soup).index("passes-order-issues") < str(soup).index("Reference")
    cells = [td.get_text(" ", strip=True) for td in section.select("tbody td")]
    assert cells[1:4] == [issue.get_kind_display(), "€90.00", issue.message]
    resolve = section.find("a", string="Resolve")
    assert resolve["href"] == f"{resolve_url(issue)}?next={url.replace('/', '%2F')}"
    payments = soup.select_one(".passes-order-payments")
    rows = [
        [td.get_text(strip=True) for td in tr.find_all("td")] for tr in payments.select("tbody tr")
    ]
    assert sorted(row[3] for row in rows) == ["More than the order needed", EMPTY]

    # Resolved from there, it goes back to the order, which no longer lists it.
    done = admin.post(resolve["href"], {"note": "Sent back", "next": url})
    assert done["Location"] == url
    assert admin.get(url).context["issue_rows"] == []


def test_c3_the_orders_page_offers_resolve_only_to_who_may(paid_twice):
    viewer = staff_client("view_order")

    response = viewer.get(admin_url("order", "inspect", paid_twice.pk))

    section = BeautifulSoup(response.content, "html.parser").select_one(".passes-order-issues")
    assert section is not None
    assert section.find("a", string="Resolve") is None


# ---- the admin home ---------------------------------------------------------------------


def attention_line(response):
    section = BeautifulSoup(response.content, "html.parser").find(id="passes-today-section")
    return section.find(attrs={"data-passes-attention": True}) if section else None


def test_c3_the_home_panel_counts_the_open_problems_with_a_link(
    admin, superuser, paid_twice, short, wrong_currency
):
    resolve_issue(issue_of(wrong_currency), superuser, "refunded in Stripe")

    line = attention_line(admin.get(HOME_URL))

    assert " ".join(line.get_text().split()) == "2 payments need your attention"
    assert line.a["href"] == INDEX_URL


def test_c3_the_home_panel_says_nothing_when_nothing_needs_attention(admin, ann, ten_classes):
    services.mark_paid(services.place_order(ann, ten_classes), by=None)

    assert attention_line(admin.get(HOME_URL)) is None


def test_c3_the_home_panel_count_is_for_who_may_see_orders(paid_twice):
    assert attention_line(staff_client("view_order").get(HOME_URL)) is not None
    desk = staff_client("view_booking", "view_memberpass", group_name="Desk")
    assert attention_line(desk.get(HOME_URL)) is None


@pytest.mark.parametrize("problems", [0, 3])
def test_c3_the_home_panel_count_is_one_query_however_many(problems, ten_classes):
    for n in range(problems):
        order = services.place_order(UserFactory(), ten_classes)
        paid_by(order, f"transfer-{n}", "1.00")  # short: one issue each
    viewer = StaffFactory(permissions=["view_order"])

    with CaptureQueriesContext(connection) as queries:
        context = PassesTodayPanel(viewer).get_context_data()

    assert context["attention"] == problems
    touching = [q["sql"] for q in queries if PaymentIssue._meta.db_table in q["sql"]]
    assert len(touching) == 1 and "COUNT(" in touching[0]
