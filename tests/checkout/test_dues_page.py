"""C6 pages: "Amounts due" lists the member's bookings that owe an amount, each ticked; "Pay"
confirms the total and places an order of those amounts, paid like any order. Another
member's booking is refused and nothing is written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.payments.conftest import fake_stripe, stripe_on  # noqa: F401 (fixtures)
from wagtail_passes import services
from wagtail_passes.models import Booking, Order, OrderLine, OrderState
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)

from . import form_data, order_url, soup_of, words

pytestmark = pytest.mark.django_db

DUES = "/passes/dues/"
PAY = "/passes/dues/pay/"
INSTRUCTIONS = "Studio Ltd\nIBAN GB00 TEST 0000 0000 0000 00"


def in_days(days, klass):
    start = timezone.now() + dt.timedelta(days=days)
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


@pytest.fixture
def klass():
    return ProgrammeClassFactory(
        name="Yoga Flow",
        programme=ProgrammeFactory(currency="EUR", default_unit_price=Decimal("12.00")),
    )


@pytest.fixture
def dues(member, klass):
    return [services.book(member, in_days(days, klass)) for days in (2, 5)]


def nothing_written():
    assert (Order.objects.count(), OrderLine.objects.count()) == (0, 0)


def test_c6_the_pages_need_a_login(client):
    for url in (DUES, PAY):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_c6_amounts_due_lists_each_booking_ticked_with_the_total(member_client, dues):
    soup = soup_of(member_client.get(DUES))

    rows = soup.select(".wp-dues__row")
    assert len(rows) == 2
    assert "Yoga Flow" in words(rows[0]) and "€12.00" in words(rows[0])
    boxes = soup.select("input[type=checkbox][name=booking]")
    assert [box["value"] for box in boxes] == [str(b.pk) for b in dues]
    assert all(box.has_attr("checked") for box in boxes)
    assert words(soup.select_one(".wp-dues__total")) == "€24.00"
    form = soup.select_one("form.wp-dues")
    assert form["action"] == PAY and form["method"] == "get"


def test_c6_my_orders_links_to_amounts_due(member_client):
    soup = soup_of(member_client.get("/passes/orders/"))
    assert soup.select_one(f"a[href='{DUES}']") is not None


def test_c6_nothing_owed(member_client):
    soup = soup_of(member_client.get(DUES))
    assert "You owe nothing." in words(soup)
    assert soup.select_one("form.wp-dues") is None


def test_c6_pay_confirms_then_places_an_order_with_bank_transfer_instructions(
    member_client, member, dues, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_PASSES_BANK_TRANSFER_INSTRUCTIONS = INSTRUCTIONS
    page = member_client.get(PAY, {"booking": [b.pk for b in dues]})
    assert page.status_code == 200
    soup = soup_of(page)
    assert words(soup.select_one(".wp-checkout__total")) == "€24.00"
    assert soup.select("input[name=accept_terms]") == []

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            PAY, {**form_data(page), "booking": [str(b.pk) for b in dues]}
        )

    order = Order.objects.get()
    assert response.status_code == 303 and response["Location"] == order_url(order)
    assert (order.member, order.state, order.total) == (member, OrderState.PENDING, Decimal(24))
    assert [line.booking for line in order.lines.all()] == dues
    detail = words(soup_of(member_client.get(order_url(order))))
    assert order.reference in detail and "IBAN GB00" in detail
    # In an order now: listed with a link to it, no longer ticked.
    soup = soup_of(member_client.get(DUES))
    assert soup.select("input[type=checkbox][name=booking]") == []
    assert soup.select_one(f"a[href='{order_url(order)}']") is not None


def test_c6_only_the_ticked_bookings_are_paid(member_client, dues):
    page = member_client.get(PAY, {"booking": [dues[1].pk]})

    member_client.post(PAY, {**form_data(page), "booking": [str(dues[1].pk)]})

    assert [line.booking for line in Order.objects.get().lines.all()] == [dues[1]]


def test_c6_another_members_booking_in_the_post_is_refused(member_client, dues, klass):
    other = services.book(UserFactory(), in_days(3, klass))
    page = member_client.get(PAY, {"booking": [dues[0].pk]})

    response = member_client.post(
        PAY, {**form_data(page), "booking": [str(dues[0].pk), str(other.pk)]}
    )

    assert response.status_code == 404
    assert "This booking does not exist." in words(soup_of(response))
    nothing_written()
    assert member_client.get(PAY, {"booking": [other.pk]}).status_code == 404


@pytest.mark.parametrize("booking", ["", "x", "1e9", "-1"])
def test_c6_tampered_booking_ids_are_refused_never_a_500(member_client, dues, booking):
    response = member_client.post(PAY, {"booking": booking, "token": "t", "seen_total": "1"})
    assert response.status_code in (200, 404)
    assert soup_of(response).select_one("[data-refusal]") is not None
    nothing_written()


def test_c6_amount_changed_since_the_page_shows_the_new_total(member_client, dues):
    page = member_client.get(PAY, {"booking": [b.pk for b in dues]})
    Booking.objects.filter(pk=dues[0].pk).update(amount_due=Decimal("10.00"))

    response = member_client.post(PAY, {**form_data(page), "booking": [str(b.pk) for b in dues]})

    assert response.status_code == 200
    assert "it is now €22.00" in words(soup_of(response).select_one(".wp-alert"))
    nothing_written()


def test_c6_the_same_form_sent_twice_places_one_order(member_client, dues):
    page = member_client.get(PAY, {"booking": [b.pk for b in dues]})
    data = {**form_data(page), "booking": [str(b.pk) for b in dues]}

    first = member_client.post(PAY, data)
    second = member_client.post(PAY, data)

    order = Order.objects.get()
    assert first["Location"] == second["Location"] == order_url(order)


def test_c6_a_booking_already_in_an_order_is_refused(member_client, member, dues):
    order = services.place_dues_order(member, dues[:1])

    response = member_client.get(PAY, {"booking": [b.pk for b in dues]})

    assert order.reference in words(soup_of(response).select_one("[data-refusal]"))
    assert Order.objects.count() == 1


def test_c6_card_payment_starts_a_stripe_checkout_session(
    member_client,
    dues,
    stripe_on,  # noqa: F811
):
    page = member_client.get(PAY, {"booking": [b.pk for b in dues]})

    response = member_client.post(
        PAY, {**form_data(page, method="stripe"), "booking": [str(b.pk) for b in dues]}
    )

    assert response.status_code == 303
    assert response["Location"].startswith("https://checkout.stripe.com/")
    order = Order.objects.get()
    assert (order.provider, order.state) == ("stripe", OrderState.PENDING)
    items = [key for key in stripe_on.sent[0].form if key.startswith("line_items")]
    assert items  # one item per amount due, titled by the session


def test_c6_pages_query_counts_are_pinned(
    member_client, member, klass, django_assert_max_num_queries
):
    bookings = [services.book(member, in_days(days, klass)) for days in range(2, 8)]
    member_client.get(DUES)

    # +1 since L3: the member's fees due (late cancellations, no-shows) beside the bookings
    with django_assert_max_num_queries(6):
        assert member_client.get(DUES).status_code == 200
    with django_assert_max_num_queries(7):
        assert member_client.get(PAY, {"booking": [b.pk for b in bookings]}).status_code == 200


def test_c6_dues_checkout_url_is_named():
    assert reverse("wagtail_passes:dues") == DUES
    assert reverse("wagtail_passes:dues_checkout") == PAY
