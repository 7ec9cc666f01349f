"""Orders in the admin: the list (filters, search, export), an order's page (lines, terms
accepted, payments, member passes issued) and the staff actions "Mark paid" (C2, C3) and
"Cancel order" (C5). Orders are made with ``services.place_order``."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.urls import reverse

from wagtail_passes import services
from wagtail_passes.models import MemberPass, Order, OrderLine, OrderState, Payment
from wagtail_passes.test.factories import (
    PassPageFactory,
    StaffFactory,
    UserFactory,
)

from . import admin_url, listed, post_form, row_cells, sidebar_menu

pytestmark = pytest.mark.django_db

INDEX_URL = admin_url("order", "index")
HOME_URL = reverse("wagtailadmin_home")


def inspect_url(order):
    return admin_url("order", "inspect", order.pk)


def mark_paid_url(order):
    return admin_url("order", "mark_paid", order.pk)


def cancel_url(order):
    return admin_url("order", "cancel", order.pk)


def messages_of(response):
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def form_errors(response):
    assert response.status_code == 200
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def sold(product):
    return product.sold_count()


def snapshot():
    return (
        list(Order.objects.order_by("pk").values()),
        list(Payment.objects.order_by("pk").values()),
        list(MemberPass.objects.order_by("pk").values()),
        list(OrderLine.objects.order_by("pk").values()),
    )


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.com")


@pytest.fixture
def ten_classes():
    return PassPageFactory(title="Ten classes", price=Decimal("90.00"), currency="EUR")


def staff(client, *codenames):
    user = StaffFactory(permissions=list(codenames))
    client.force_login(user)
    return user


def order_of(member, product, **kwargs):
    return services.place_order(member, product, **kwargs)


# ---- the menu and the list -----------------------------------------------------------


def test_orders_is_an_item_of_the_passes_menu(admin):
    assert "Orders" in sidebar_menu(admin.get(HOME_URL))["Passes"]


def test_list_shows_each_order_in_words_newest_first(admin, ann, ten_classes):
    first = order_of(ann, ten_classes)
    second = order_of(UserFactory(), ten_classes)
    services.mark_paid(second, by=None)

    response = admin.get(INDEX_URL)

    assert response.status_code == 200
    assert listed(response) == [second, first]
    cells = row_cells(response, first)
    assert cells[0] == first.reference
    assert cells[1] == "Ann Lee (ann)"
    assert cells[3:] == ["Awaiting payment", "€90.00"]
    assert row_cells(response, second)[3] == "Paid"
    assert "Add order" not in response.content.decode()
    # The payment method and the hold are on the order's page (and in the export).
    page = admin.get(admin_url("order", "inspect", first.pk)).content.decode()
    assert "Bank transfer or pay at the venue" in page


def test_list_filters_by_state_method_and_date(admin, ann, ten_classes):
    pending = order_of(ann, ten_classes)
    paid = order_of(ann, ten_classes)
    services.mark_paid(paid, by=None)
    old = order_of(ann, ten_classes)
    Order.objects.filter(pk=old.pk).update(created_at=old.created_at - dt.timedelta(days=40))
    free = order_of(ann, PassPageFactory(price=Decimal(0)))

    assert listed(admin.get(INDEX_URL, {"state": "paid"})) == [free, paid]  # free: paid at once
    assert listed(admin.get(INDEX_URL, {"state": "pending"})) == [pending, old]
    assert listed(admin.get(INDEX_URL, {"provider": "free"})) == [free]
    assert set(listed(admin.get(INDEX_URL, {"provider": "manual"}))) == {pending, paid, old}
    response = admin.get(INDEX_URL)
    soup = BeautifulSoup(response.content, "html.parser")
    past_week = soup.find("a", string=lambda text: text and text.strip() == "Past 7 days")
    recent = listed(admin.get(INDEX_URL + past_week["href"]))
    assert set(recent) == {pending, paid, free}
    before = soup.find("a", string=lambda text: text and text.strip() == "Before that")
    assert listed(admin.get(INDEX_URL + before["href"])) == [old]


@pytest.mark.parametrize("query", ["ann@example", "Lee", "ann"])
def test_list_searches_by_member(admin, ann, ten_classes, query):
    mine = order_of(ann, ten_classes)
    order_of(UserFactory(username="bob", first_name="Bob", last_name="Ray"), ten_classes)

    assert listed(admin.get(INDEX_URL, {"q": query})) == [mine]


def test_list_searches_by_reference(admin, ann, ten_classes):
    mine = order_of(ann, ten_classes)
    order_of(ann, ten_classes)

    assert listed(admin.get(INDEX_URL, {"q": mine.reference})) == [mine]


def test_list_queries_do_not_grow_with_orders(admin, django_assert_max_num_queries):
    # 50 orders of 50 members, half paid: a lookup per row would add 50 or more queries.
    # Measured: 12 for the page (session, user, profile; the method filter's codes twice,
    # as modeladmin builds the filters twice; three counts; locale and two page queries of
    # the menu; the page of orders joined with their members).
    product = PassPageFactory()
    for number in range(50):
        order = order_of(UserFactory(), product)
        if number % 2:
            services.mark_paid(order, by=None)
    admin.get(INDEX_URL)  # fills per-process caches (permission codenames), as in production

    with django_assert_max_num_queries(12):
        response = admin.get(INDEX_URL)

    assert len(listed(response)) == 50


def test_list_exports_csv_and_xlsx(admin, ann, ten_classes):
    ann.first_name = "=HYPERLINK(1)"
    ann.save()
    order = order_of(ann, ten_classes)
    page = admin.get(INDEX_URL).content.decode()
    # The list offers the desk's exports (tests/desk/test_exports.py); modeladmin's own
    # ?export= links still answer.
    assert "Export CSV" in page and "Export XLSX" in page

    response = admin.get(INDEX_URL, {"export": "csv"})

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Reference", "Member", "Email"]
    assert rows[1][0] == order.reference
    assert rows[1][1].startswith("'=HYPERLINK(1)")  # never a formula in a spreadsheet
    assert rows[1][6:8] == ["90.00", "EUR"]
    xlsx = admin.get(INDEX_URL, {"export": "xlsx", "state": "pending"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


# ---- an order's page -------------------------------------------------------------------


def test_inspect_shows_lines_terms_payments_passes_and_history(admin, ann, superuser):
    product = PassPageFactory(
        title="Ten classes",
        price=Decimal("45.00"),
        terms="<p>No refunds after the first class.</p>",
    )
    order = order_of(ann, product, quantity=2, accepted_terms=True)
    acceptance = order.lines.get().terms_acceptances.get()

    before = admin.get(inspect_url(order))

    text = BeautifulSoup(before.content, "html.parser").get_text(" ", strip=True)
    assert "Awaiting payment" in text
    assert "Ten classes 2 €45.00 — €90.00" in text or "Ten classes 2 €45.00" in text
    assert acceptance.terms_digest[:12] in text
    assert "No refunds after the first class." in text
    assert "No payment has been recorded for this order." in text
    assert "Mark paid" in text and "Cancel order" in text

    services.mark_paid(order, superuser, reference="Transfer 42")
    after = admin.get(inspect_url(order))

    soup = BeautifulSoup(after.content, "html.parser")
    payments = soup.find(class_="passes-order-payments").get_text(" ", strip=True)
    assert "Bank transfer or pay at the venue" in payments
    assert "€90.00" in payments and "Succeeded" in payments
    assert "admin" in payments and "Transfer 42" in payments
    links = soup.find(class_="passes-order-passes").find_all("a")
    passes = MemberPass.objects.filter(order_line__order=order).order_by("pk")
    assert [link["href"] for link in links] == [
        admin_url("memberpass", "inspect", member_pass.pk) for member_pass in passes
    ]
    history = admin_url("order", "history", order.pk)
    assert soup.find("a", href=history) is not None
    assert admin.get(history).status_code == 200
    page = soup.get_text(" ", strip=True)
    assert "Mark paid" not in page and "Cancel order" not in page


def test_history_lists_the_order_actions(admin, ann, ten_classes, superuser):
    order = order_of(ann, ten_classes)
    services.mark_paid(order, superuser)

    text = admin.get(admin_url("order", "history", order.pk)).content.decode()

    assert f"Order {order.reference} placed: €90.00" in text
    assert f"Order {order.reference} paid: €90.00" in text


# ---- mark paid (C2, C3) ----------------------------------------------------------------


def test_c3_mark_paid_issues_the_passes_once_and_a_second_post_changes_nothing(
    admin, ann, ten_classes
):
    order = order_of(ann, ten_classes, quantity=2)
    assert admin.get(mark_paid_url(order)).status_code == 200

    response = post_form(
        admin,
        mark_paid_url(order),
        {"method": "bank_transfer", "reference": "IBAN transfer 7", "confirm": "on"},
    )

    assert response.status_code == 302 and response["Location"] == inspect_url(order)
    assert messages_of(response) == [
        f"Order {order.reference} marked paid; Ann Lee (ann) now holds 2 paid member passes "
        "from it."
    ]
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    [payment] = order.payments.all()
    assert (payment.provider, payment.amount, payment.raw, payment.method) == (
        "manual",
        Decimal("180.00"),
        {"note": "IBAN transfer 7"},
        "bank_transfer",
    )
    assert MemberPass.objects.filter(member=ann, order_line__order=order).count() == 2
    before = snapshot()

    again = post_form(admin, mark_paid_url(order), {"method": "cash", "confirm": "on"})

    assert again.status_code == 302
    message = messages_of(again)[-1]  # the first POST's message was never shown
    assert message.startswith("This order was already paid on ") and "nothing changed" in message
    assert snapshot() == before


def test_mark_paid_needs_the_confirmation(admin, ann, ten_classes):
    order = order_of(ann, ten_classes)
    before = snapshot()

    response = post_form(admin, mark_paid_url(order), {"reference": "x"})

    assert form_errors(response) == {
        "method": ["Choose how the member paid."],
        "confirm": ["Tick this to confirm that the payment has arrived."],
    }
    assert snapshot() == before


def test_mark_paid_refuses_a_cancelled_order_as_a_form_error(admin, ann, ten_classes):
    order = order_of(ann, ten_classes)
    services.cancel_order(order, by=ann)
    before = snapshot()

    response = post_form(admin, mark_paid_url(order), {"method": "cash", "confirm": "on"})

    assert form_errors(response) == {"__all__": ["This order was cancelled."]}
    assert snapshot() == before


def test_mark_paid_note_too_long_is_a_field_error(admin, ann, ten_classes):
    order = order_of(ann, ten_classes)
    before = snapshot()

    response = post_form(
        admin, mark_paid_url(order), {"method": "cash", "reference": "x" * 501, "confirm": "on"}
    )

    assert "reference" in form_errors(response)
    assert snapshot() == before


# ---- cancel (C5) -----------------------------------------------------------------------


def test_c5_cancel_releases_the_stock(admin, ann):
    product = PassPageFactory(stock_limit=3)
    order = order_of(ann, product, quantity=2)
    assert sold(product) == 2

    response = post_form(admin, cancel_url(order))

    assert response.status_code == 302 and response["Location"] == inspect_url(order)
    assert messages_of(response) == [f"Order {order.reference} of Ann Lee (ann) cancelled."]
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert sold(product) == 0
    assert not MemberPass.objects.exists()


def test_cancelling_a_paid_order_is_refused_as_a_form_error(admin, ann):
    product = PassPageFactory(stock_limit=3)
    order = order_of(ann, product)
    services.mark_paid(order, by=None)
    before = snapshot()

    response = post_form(admin, cancel_url(order))

    assert form_errors(response) == {
        "__all__": ["Only an order awaiting payment can be cancelled."]
    }
    assert snapshot() == before
    assert sold(product) == 1


# ---- who may do what -------------------------------------------------------------------


def test_view_permission_shows_orders_but_not_the_actions(client, ann, ten_classes):
    order = order_of(ann, ten_classes)
    staff(client, "view_order")

    assert client.get(INDEX_URL).status_code == 200
    page = client.get(inspect_url(order))
    assert page.status_code == 200
    text = BeautifulSoup(page.content, "html.parser").get_text(" ", strip=True)
    assert "Mark paid" not in text and "Cancel order" not in text
    before = snapshot()
    for url in (mark_paid_url(order), cancel_url(order)):
        assert client.get(url).status_code == 302
        assert client.post(url, {"confirm": "on"}).status_code == 302
    assert snapshot() == before


def test_staff_without_order_permissions_is_turned_away(client, ann, ten_classes):
    order = order_of(ann, ten_classes)
    staff(client, "view_booking", "change_memberpass")

    assert "Orders" not in sidebar_menu(client.get(HOME_URL)).get("Passes", [])
    for url in (
        INDEX_URL,
        inspect_url(order),
        admin_url("order", "history", order.pk),
        mark_paid_url(order),
        cancel_url(order),
    ):
        assert client.get(url).status_code == 302, url


def test_change_order_permission_may_mark_paid(client, ann, ten_classes):
    order = order_of(ann, ten_classes)
    user = staff(client, "change_order")

    response = post_form(client, mark_paid_url(order), {"method": "cash", "confirm": "on"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert order.payments.get().recorded_by == user
    assert order.payments.get().method == "cash"


def test_no_add_edit_or_delete_by_hand(admin, ann, ten_classes):
    order = order_of(ann, ten_classes)

    for url in (
        admin_url("order", "create"),
        admin_url("order", "edit", order.pk),
        admin_url("order", "delete", order.pk),
    ):
        assert admin.get(url).status_code == 302, url
    assert Order.objects.filter(pk=order.pk).exists()


@pytest.mark.parametrize("action", ["inspect", "mark_paid", "cancel", "refund", "history"])
def test_bad_ids_are_a_404(admin, action):
    good = admin_url("order", action, 1)
    for bad in ("abc", "-1", "99999999999999999999999"):
        assert admin.get(good.replace("/1/", f"/{bad}/")).status_code == 404
    assert admin.get(admin_url("order", action, 999999)).status_code == 404
    assert admin.post(admin_url("order", action, 999999), {"confirm": "on"}).status_code == 404
