"""The admin's desk sale form (C2, C6), "Mark paid" with its method (C2), the order page's
discount and desk-sale lines, complimentary "Assign a pass" (K6), and who is offered what:
the front desk sells and marks paid, only order managers cancel and refund."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.models import Booking, MemberPass, Order, OrderLine, OrderState, Payment
from wagtail_passes.services.desk_sales import DeskLine
from wagtail_passes.test.factories import (
    DiscountCodeFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

from ..admin import admin_url, form_token, post_form, sidebar_menu

pytestmark = pytest.mark.django_db

SELL_URL = reverse("wagtail_passes_desk:sell")
#: The sale form, whatever the number of products on sale (measured; see the test): one
#: more since F3 for the member's household (the "For" choices).
FORM_QUERIES = 15
OUTSTANDING_URL = reverse("wagtail_passes_reports:outstanding")


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def desk_user():
    """Only what the brief's front desk needs here: see orders, sell and take payments."""
    return StaffFactory(username="desk", permissions=["view_order", "sell_at_desk"])


@pytest.fixture
def desk(client, desk_user):
    client.force_login(desk_user)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.com")


@pytest.fixture
def ten_classes():
    return PassPageFactory(title="10-class pass", price=Decimal("90.00"), quantity=Decimal(10))


def messages_of(response):
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def field_errors(response):
    assert response.status_code == 200, response.status_code
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def sale(who, what, **changes):
    data = {
        "member": who.pk,
        "product": what.pk,
        "quantity": "1",
        "unit_price": "",
        "reason": "",
        "payment": "cash",
        "note": "",
    }
    data.update(changes)
    return data


def written():
    return (Order.objects.count(), OrderLine.objects.count(), MemberPass.objects.count())


# ---- the form -------------------------------------------------------------------------


def test_c2_the_form_fills_in_the_member_product_and_its_price(admin, ann, ten_classes):
    response = admin.get(SELL_URL, {"member": ann.pk, "product": ten_classes.pk})

    assert response.status_code == 200
    form = response.context["form"]
    assert form["member"].value() == ann.pk
    assert form["product"].value() == str(ten_classes.pk)
    assert form["unit_price"].value() == "90.00"
    option = soup(response).find("option", attrs={"value": str(ten_classes.pk)})
    assert option.text == "10-class pass – €90.00" and option["data-price"] == "90.00"
    assert form_token(response)


def test_c2_paid_now_sells_and_leads_to_the_order_saying_what_happened(admin, ann, ten_classes):
    response = post_form(admin, SELL_URL, sale(ann, ten_classes, note="receipt 31"))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == admin_url("order", "inspect", order.pk)
    assert messages_of(response) == [
        "Sold 10-class pass to Ann Lee (ann) for €90.00, paid: Cash at the desk."
    ]
    assert order.state == OrderState.PAID and order.payments.get().method == "cash"


def test_c6_not_paid_yet_is_owed_and_goes_back_to_next(admin, ann, ten_classes):
    back = reverse("wagtailadmin_home") + "?from=checkin"
    url = f"{SELL_URL}?next={back}"
    response = post_form(admin, url, sale(ann, ten_classes, payment="owed", next=back))

    assert response["Location"] == back
    assert messages_of(response) == [
        "Sold 10-class pass to Ann Lee (ann), not paid: €90.00 is owed."
    ]
    order = Order.objects.get()
    assert order.state == OrderState.PENDING and order.expires_at is None
    assert MemberPass.objects.get(member=ann).is_paid is False


def test_c2_a_changed_price_with_its_reason_is_shown_on_the_order(admin, ann, ten_classes):
    post_form(
        admin,
        SELL_URL,
        sale(ann, ten_classes, quantity="2", unit_price="80", reason="Loyal since 2019"),
    )
    order = Order.objects.get()

    page = admin.get(admin_url("order", "inspect", order.pk))

    text = soup(page).get_text(" ", strip=True)
    assert "Sold at €80.00 instead of the list price of €90.00: Loyal since 2019" in text
    assert "Sold at the desk by admin" in text
    assert "Does not expire" not in text  # paid
    assert order.total == Decimal("160.00")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"member": "abc"}, "member", "Choose an active member"),
        ({"member": "99999999999999999999999"}, "member", "Choose an active member"),
        ({"product": "abc"}, "product", "Select a valid choice"),
        ({"product": "999999"}, "product", "This product does not exist"),
        ({"product": ""}, "product", "Choose what the member buys."),
        ({"unit_price": "-5", "reason": "x"}, "unit_price", "A price cannot be negative."),
        ({"unit_price": "1e12", "reason": "x"}, "unit_price", "A price is at most"),
        ({"unit_price": "12.345", "reason": "x"}, "unit_price", "at most 2 decimals"),
        ({"unit_price": "ten", "reason": "x"}, "unit_price", "Enter the price as a number"),
        ({"unit_price": "80"}, "reason", "Say why the price differs"),
        ({"quantity": "0"}, "quantity", "greater than or equal to 1"),
        ({"quantity": "99"}, "quantity", "less than or equal to 20"),
        ({"quantity": "x"}, "quantity", "Enter a whole number"),
        ({"payment": "online"}, "payment", "Select a valid choice"),
        ({"payment": ""}, "payment", "Choose how the member pays."),
        ({"note": "x" * 501}, "note", "at most 500 characters"),
    ],
)
def test_c2_bad_input_is_said_on_the_form_and_nothing_written(
    admin, ann, ten_classes, changes, field, message
):
    response = post_form(admin, SELL_URL, sale(ann, ten_classes, **changes))

    errors = field_errors(response)
    assert any(message in error for error in errors.get(field, [])), errors
    assert written() == (0, 0, 0)
    assert form_token(response)  # a new token: the form can be sent again


def test_c2_a_sold_out_product_is_refused_on_the_form(admin, ann):
    last_one = PassPageFactory(stock_limit=1)
    services.sell_at_desk(UserFactory(), [DeskLine(last_one)], None, paid=True, method="cash")

    response = post_form(admin, SELL_URL, sale(ann, last_one))

    assert "Sold out" in " ".join(field_errors(response)["product"])


def test_a5_a_product_with_terms_needs_the_members_acceptance(admin, ann):
    product = PassPageFactory(terms="<p>No refunds.</p>")

    refused = post_form(admin, SELL_URL, sale(ann, product))
    sold = post_form(admin, SELL_URL, sale(ann, product, accepted_terms="on"))

    assert "Accept the terms" in " ".join(field_errors(refused)["accepted_terms"])
    assert sold.status_code == 302 and Order.objects.count() == 1


def test_c2_garbage_in_the_link_fills_nothing_in_and_says_so(admin):
    response = admin.get(
        SELL_URL,
        {"member": "abc", "product": "999999", "session": "x'", "next": "https://evil.example/"},
    )

    assert response.status_code == 200
    text = soup(response).get_text(" ", strip=True)
    assert "The member in the link was not found" in text
    assert "The product in the link is not on sale now" in text
    assert "The session in the link was not found" in text
    assert response.context["form"]["next"].value() == ""


def test_c2_the_same_form_sent_twice_sells_once(admin, ann, ten_classes):
    token = form_token(admin.get(SELL_URL))
    data = {**sale(ann, ten_classes), "form_token": token}

    first, second = admin.post(SELL_URL, data), admin.post(SELL_URL, data)

    order = Order.objects.get()
    assert first["Location"] == second["Location"] == admin_url("order", "inspect", order.pk)
    assert "This sale was made already; nothing changed." in messages_of(second)


def test_c2_a_walk_in_is_booked_on_its_session_with_the_new_pass(admin, ann):
    programme = ProgrammeFactory()
    product = PassPageFactory(title="Drop-in", price=Decimal("15.00"), programmes=[programme])
    start = timezone.now() + dt.timedelta(minutes=20)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(programme=programme),
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    url = f"{SELL_URL}?session={session.pk}"
    page = admin.get(SELL_URL, {"member": ann.pk, "product": product.pk, "session": session.pk})
    assert "For the walk-in on" in soup(page).get_text(" ", strip=True)

    response = post_form(admin, url, sale(ann, product, session=str(session.pk), book_session="on"))

    booking = Booking.objects.get(member=ann, session=session)
    assert booking.member_pass.order_line.order == Order.objects.get()
    assert any(message.startswith("Booked on") for message in messages_of(response))


# ---- who may sell, mark paid, cancel and refund ------------------------------------------


def test_c2_the_front_desk_sells_and_marks_paid_but_is_not_offered_cancel_or_refund(
    desk, desk_user, ann, ten_classes
):
    assert "Sell at the desk" in sidebar_menu(desk.get(reverse("wagtailadmin_home")))["Passes"]
    post_form(desk, SELL_URL, sale(ann, ten_classes, payment="owed"))
    order = Order.objects.get()
    assert order.sold_by == desk_user

    page = desk.get(admin_url("order", "inspect", order.pk))
    buttons = [a.get_text(strip=True) for a in soup(page).select("a.button")]
    assert "Mark paid" in buttons
    assert "Cancel order" not in buttons and "Refund" not in buttons
    assert desk.get(admin_url("order", "cancel", order.pk)).status_code in (302, 403)

    paid = post_form(
        desk,
        admin_url("order", "mark_paid", order.pk),
        {"method": "card_terminal", "confirm": "on"},
    )

    assert paid.status_code == 302
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.recorded_by) == ("card_terminal", desk_user)
    assert desk.get(admin_url("order", "refund", order.pk)).status_code in (302, 403)
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_c2_the_front_desk_may_search_members_to_sell_to(desk):
    chooser = reverse("passes_member_chooser:choose")

    assert desk.get(chooser).status_code == 200


def test_c2_without_sell_at_desk_the_form_and_menu_item_are_not_offered(client, ann):
    viewer = StaffFactory(permissions=["view_order", "add_memberpass"])
    client.force_login(viewer)

    refused = client.get(SELL_URL)
    assert refused.status_code in (302, 403) and "form" not in (refused.context or {})
    assert "Sell at the desk" not in sidebar_menu(client.get(reverse("wagtailadmin_home"))).get(
        "Passes", []
    )


def test_s2_an_unpaid_desk_sale_is_in_outstanding_payments_with_mark_paid_for_the_desk(
    client, ann, ten_classes
):
    desk_user = StaffFactory(permissions=["view_order", "sell_at_desk", "view_reports"])
    client.force_login(desk_user)
    order = services.sell_at_desk(ann, [DeskLine(ten_classes)], desk_user, paid=False)

    report = client.get(OUTSTANDING_URL)

    text = soup(report).get_text(" ", strip=True)
    assert f"Order {order.reference}, sold at the desk: 10-class pass" in text
    links = [a["href"] for a in soup(report).select("a.button") if a.get_text() == "Mark paid"]
    assert links and links[0].startswith(admin_url("order", "mark_paid", order.pk))


# ---- "Mark paid" records the method ---------------------------------------------------


def test_c2_mark_paid_needs_a_method_and_the_order_shows_it_and_who_took_it(
    admin, ann, ten_classes
):
    order = services.place_order(ann, ten_classes)
    url = admin_url("order", "mark_paid", order.pk)
    choices = [value for value, _label in admin.get(url).context["form"].fields["method"].choices]
    assert choices == ["cash", "card_terminal", "bank_transfer", "other"]

    missing = post_form(admin, url, {"confirm": "on"})
    assert field_errors(missing)["method"] == ["Choose how the member paid."]
    post_form(admin, url, {"method": "bank_transfer", "reference": "IBAN 9", "confirm": "on"})

    page = soup(admin.get(admin_url("order", "inspect", order.pk)))
    row = [td.get_text(strip=True) for td in page.select(".passes-order-payments tbody td")]
    assert row[0] == "Bank transfer" and "admin" in row and "IBAN 9" in row


# ---- the order page: each discount a line of its own -----------------------------------


def test_a4_the_order_page_shows_the_discount_beneath_its_line(admin, ann, ten_classes):
    DiscountCodeFactory(code="SPRING10", kind="fixed", value=Decimal(5), currency="EUR")
    order = services.place_order(ann, ten_classes, discount_code="SPRING10")

    page = soup(admin.get(admin_url("order", "inspect", order.pk)))

    rows = [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]
        for row in page.select(".passes-order-lines tbody tr, .passes-order-lines tfoot tr")
    ]
    assert rows == [
        ["10-class pass", "1", "€90.00", "€90.00"],
        ["Discount SPRING10", "− €5.00"],
        ["Total", "€85.00"],
    ]


# ---- K6: assigning is complimentary ---------------------------------------------------------


def test_k6_assign_gives_a_complimentary_pass_and_points_to_the_desk(admin, ann, ten_classes):
    url = admin_url("memberpass", "assign")
    form_page = admin.get(url)
    assert "paid" not in form_page.context["form"].fields
    link = soup(form_page).find("a", string="Sell at the desk")
    assert link["href"] == SELL_URL

    post_form(admin, url, {"member": ann.pk, "product": ten_classes.pk, "reason": "Prize"})

    given = MemberPass.objects.get(member=ann)
    assert given.is_paid and given.price == 0
    page = soup(admin.get(admin_url("memberpass", "inspect", given.pk)))
    assert "Complimentary, given by admin" in page.get_text(" ", strip=True)


# ---- query counts ---------------------------------------------------------------------


@pytest.mark.parametrize("products", [1, 8])
def test_c2_the_sale_form_reads_a_constant_number_of_queries(
    admin, ann, products, django_assert_num_queries
):
    on_sale = [PassPageFactory(stock_limit=50) for _ in range(products)]
    PassPageFactory(is_archived=True)
    admin.get(SELL_URL)  # the session and its first token exist

    with django_assert_num_queries(FORM_QUERIES):
        response = admin.get(SELL_URL, {"member": ann.pk, "product": on_sale[0].pk})

    assert len(response.context["form"].fields["product"].choices) == products + 1


def test_c2_the_order_page_with_a_discount_and_a_desk_price_reads_a_constant_number(
    admin, ann, ten_classes, django_assert_num_queries
):
    DiscountCodeFactory(code="SPRING10")
    online = services.place_order(ann, ten_classes, discount_code="SPRING10")
    services.mark_paid(online, None, method="card_terminal")  # both paid: the same tools
    desk_sale = services.sell_at_desk(
        ann, [DeskLine(ten_classes, 2, "80", "Loyal")], None, paid=True, method="cash"
    )
    admin.get(admin_url("order", "inspect", online.pk))  # warm the per-process caches
    counts = []
    for order in (online, desk_sale):
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(admin_url("order", "inspect", order.pk)).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1], counts
