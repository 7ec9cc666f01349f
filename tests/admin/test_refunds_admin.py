"""The "Refund" action on an order's admin page (C4): choose lines and amounts (blank:
what is left), a reason and a tick; a refusal of the service is a form error and changes
nothing; success says how much was refunded and which passes were cancelled. The order's
page lists its refunds and the list shows refunded states in words."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages

from wagtail_passes import services
from wagtail_passes.models import MemberPass, Order, OrderLine, Refund
from wagtail_passes.test.factories import PassPageFactory, StaffFactory, UserFactory

from . import admin_url, post_form, row_cells

pytestmark = pytest.mark.django_db


def refund_url(order):
    return admin_url("order", "refund", order.pk)


def messages_of(response):
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def form_errors(response):
    assert response.status_code == 200
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def text_of(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def snapshot():
    return (
        list(Order.objects.order_by("pk").values()),
        list(Refund.objects.order_by("pk").values()),
        list(MemberPass.objects.order_by("pk").values()),
        list(OrderLine.objects.order_by("pk").values()),
    )


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def paid():
    member = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    product = PassPageFactory(
        title="Ten classes", price=Decimal("45.00"), currency="EUR", stock_limit=4
    )
    order = services.place_order(member, product, quantity=2)
    return services.mark_paid(order, by=None)


def test_c4_refund_the_whole_order_from_its_page(admin, paid):
    line = paid.lines.get()
    page = admin.get(admin_url("order", "inspect", paid.pk))
    assert refund_url(paid) in page.content.decode()
    form = admin.get(refund_url(paid))
    assert form.status_code == 200
    assert "paid €90.00, refunded €0.00, left €90.00" in text_of(form)

    response = post_form(
        admin, refund_url(paid), {f"line_{line.pk}": "on", "reason": "Moved away", "confirm": "on"}
    )

    assert response.status_code == 302
    paid.refresh_from_db()
    assert paid.state == "refunded"
    passes = list(MemberPass.objects.filter(order_line=line).order_by("pk"))
    assert [p.status for p in passes] == ["cancelled", "cancelled"]
    [message] = messages_of(response)
    assert message.startswith(f"€90.00 refunded for Order {paid.reference} of Ann Lee (ann).")
    assert f"Ten classes (#{passes[0].pk}), Ten classes (#{passes[1].pk})" in message
    page = admin.get(admin_url("order", "inspect", paid.pk))
    text = text_of(page)
    assert "Refunds" in text and "Moved away" in text and "€90.00" in text
    assert refund_url(paid) not in page.content.decode()  # nothing left to refund
    assert row_cells(admin.get(admin_url("order", "index")), paid)[3] == "Refunded"


def test_c4_refund_part_of_a_line(admin, paid):
    line = paid.lines.get()

    response = post_form(
        admin,
        refund_url(paid),
        {f"line_{line.pk}": "on", f"amount_{line.pk}": "20", "confirm": "on"},
    )

    assert response.status_code == 302
    paid.refresh_from_db()
    assert paid.state == "partially_refunded"
    assert "No member pass was cancelled." in messages_of(response)[0]
    assert row_cells(admin.get(admin_url("order", "index")), paid)[3] == "Partially refunded"
    assert "left €70.00" in text_of(admin.get(refund_url(paid)))


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("90.01", "At most €90.00 is left to refund of “Ten classes”."),
        ("-1", "Enter an amount above zero, in EUR."),
        ("NaN", "Enter an amount above zero, in EUR."),
        ("1.005", "EUR amounts cannot have that many decimals."),
    ],
)
def test_c4_a_refused_amount_is_an_error_next_to_its_line(admin, paid, amount, error):
    line = paid.lines.get()
    before = snapshot()

    response = post_form(
        admin,
        refund_url(paid),
        {f"line_{line.pk}": "on", f"amount_{line.pk}": amount, "confirm": "on"},
    )

    assert form_errors(response) == {f"amount_{line.pk}": [error]}
    assert snapshot() == before


def test_c4_refund_needs_a_line_and_the_tick(admin, paid):
    line = paid.lines.get()
    before = snapshot()

    no_tick = post_form(admin, refund_url(paid), {f"line_{line.pk}": "on"})
    no_line = post_form(admin, refund_url(paid), {"confirm": "on"})

    assert "confirm" in form_errors(no_tick)
    assert form_errors(no_line) == {"__all__": ["Choose at least one line to refund."]}
    assert snapshot() == before


def test_c4_an_unpaid_order_offers_no_refund(admin):
    order = services.place_order(UserFactory(), PassPageFactory())
    before = snapshot()

    page = admin.get(refund_url(order))

    assert "Only a paid order can be refunded." in text_of(page)
    assert page.context["can_submit"] is False
    response = post_form(admin, refund_url(order), {"confirm": "on"})
    assert form_errors(response) == {"__all__": ["Only a paid order can be refunded."]}
    assert snapshot() == before


def test_c4_refund_needs_the_change_order_permission(client, paid):
    line = paid.lines.get()
    data = {f"line_{line.pk}": "on", "confirm": "on"}
    before = snapshot()
    for codenames in (["view_order"], ["change_memberpass"]):
        client.force_login(StaffFactory(permissions=codenames))
        assert client.get(refund_url(paid)).status_code == 302
        assert client.post(refund_url(paid), data).status_code == 302
    assert snapshot() == before

    user = StaffFactory(permissions=["change_order"])
    client.force_login(user)
    assert post_form(client, refund_url(paid), data).status_code == 302
    assert Refund.objects.get().recorded_by == user
