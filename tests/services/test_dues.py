"""C6: paying what is owed online. An order's lines are the member's amounts due; paying it
pays the bookings as a desk payment would; a booking paid another way meanwhile (R2, the
desk) or cancelled leaves its line marked for a refund. Expected values are written by hand."""

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from wagtail_passes import services, signals
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import (
    Booking,
    BookingStatus,
    Order,
    OrderLine,
    OrderState,
    PaymentIssue,
    PaymentMethod,
)
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def in_days(days, klass):
    start = timezone.now() + dt.timedelta(days=days)
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


@pytest.fixture
def member():
    return UserFactory(email="ann@example.com")


@pytest.fixture
def klass():
    return ProgrammeClassFactory(
        programme=ProgrammeFactory(currency="EUR", default_unit_price=Decimal("12.00"))
    )


@pytest.fixture
def two_dues(member, klass):
    later = services.book(member, in_days(5, klass))
    earlier = services.book(member, in_days(2, klass))
    return earlier, later


def refused(code, call, *args, **kwargs):
    orders, lines = Order.objects.count(), OrderLine.objects.count()
    with pytest.raises(CheckoutError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    assert (Order.objects.count(), OrderLine.objects.count()) == (orders, lines)
    return caught.value


def test_c6_an_order_carries_each_amount_due_oldest_session_first(member, two_dues):
    earlier, later = two_dues

    order = services.place_dues_order(
        member, [later.pk, str(earlier.pk)], seen_total=Decimal("24.00")
    )

    order.refresh_from_db()
    assert (order.state, order.provider, order.total, order.currency) == (
        OrderState.PENDING,
        "manual",
        Decimal("24.00"),
        "EUR",
    )
    lines = list(order.lines.all())
    assert [(line.booking, line.product, line.quantity, line.total) for line in lines] == [
        (earlier, None, 1, Decimal("12.00")),
        (later, None, 1, Decimal("12.00")),
    ]
    assert lines[0].title.startswith(earlier.session.programme_class.name + ", ")
    for booking in two_dues:  # placing pays nothing yet
        booking.refresh_from_db()
        assert booking.amount_due == Decimal("12.00")


def test_c6_paying_the_order_pays_each_booking_like_the_desk(
    member, two_dues, django_capture_on_commit_callbacks
):
    order = services.place_dues_order(member, two_dues)
    paid_signals = []

    def on_paid(sender, booking, by, **kwargs):
        paid_signals.append((booking.pk, by))

    signals.booking_paid.connect(on_paid)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            paid = services.mark_paid(order, StaffFactory(), reference="transfer 42")
    finally:
        signals.booking_paid.disconnect(on_paid)

    assert paid.state == OrderState.PAID and paid.fulfilled_now
    for booking in two_dues:
        booking.refresh_from_db()
        assert (
            booking.amount_due,
            booking.amount_paid,
            booking.payment_method,
            booking.member_pass,
        ) == (Decimal("0.00"), Decimal("12.00"), PaymentMethod.ONLINE, None)
        assert booking.amount_paid_at is not None
        entry = ModelLogEntry.objects.get(
            object_id=str(booking.pk), action="wagtail_passes.booking.paid_online"
        )
        assert entry.data["order"] == order.reference
        assert entry.data["amount"] == "12.00"
    assert sorted(paid_signals) == sorted((b.pk, None) for b in two_dues)
    assert not OrderLine.objects.filter(refund_needed=True).exists()
    # Fulfilled once: paying again changes nothing.
    again = services.fulfil_order(order, provider="manual")
    assert again.fulfilled_now is False
    assert ModelLogEntry.objects.filter(action="wagtail_passes.booking.paid_online").count() == 2


def test_c6_r2_a_pass_settling_the_booking_first_leaves_a_refund_needed(member, two_dues, caplog):
    earlier, later = two_dues
    order = services.place_dues_order(member, two_dues)
    # Before the order is paid, a new pass pays the earlier booking (R2).
    services.assign_pass(member, PassPageFactory(quantity=Decimal(1)), by=StaffFactory())
    earlier.refresh_from_db()
    assert earlier.member_pass is not None and earlier.amount_due == 0

    with caplog.at_level(logging.ERROR, logger="wagtail_passes.services.attendance"):
        services.fulfil_order(order, provider="stripe", provider_id="cs_test_1")

    earlier_line, later_line = order.lines.order_by("booking__session__start")
    assert (earlier_line.booking, earlier_line.refund_needed) == (earlier, True)
    assert (later_line.booking, later_line.refund_needed) == (later, False)
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert (earlier.amount_paid, earlier.payment_method) == (Decimal("0.00"), "")
    assert (later.amount_due, later.payment_method) == (Decimal("0.00"), PaymentMethod.ONLINE)
    note = ModelLogEntry.objects.get(
        object_id=str(order.pk), action="wagtail_passes.order.refund_needed"
    )
    assert note.data["line"] == earlier_line.pk
    assert "refund it" in note.data["message"]
    assert order.reference in caplog.text and "refund needed" in caplog.text


def test_c6_desk_payment_or_cancellation_before_the_order_is_paid_needs_a_refund(member, two_dues):
    earlier, later = two_dues
    order = services.place_dues_order(member, two_dues)
    services.record_desk_payment(earlier, StaffFactory(), PaymentMethod.CASH)
    services.cancel_booking(later)

    services.mark_paid(order, StaffFactory())

    assert list(order.lines.values_list("refund_needed", flat=True)) == [True, True]
    earlier.refresh_from_db()
    assert (earlier.amount_paid, earlier.payment_method) == (Decimal("12.00"), "cash")
    later.refresh_from_db()
    assert (later.status, later.amount_due) == (BookingStatus.CANCELLED, Decimal("0.00"))
    # Paid by hand: the money cannot go back by itself; staff are told, per line.
    needed = PaymentIssue.objects.open().filter(order=order, kind="refund_needed")
    assert sorted(needed.values_list("amount", flat=True)) == [Decimal("12.00")] * 2


def test_c6_a_booking_is_in_one_pending_order_until_it_is_cancelled_or_expires(member, two_dues):
    earlier, later = two_dues
    first = services.place_dues_order(member, [earlier])

    error = refused("already_in_order", services.place_dues_order, member, [later, earlier])
    assert error.details["reference"] == first.reference

    services.cancel_order(first, member)
    second = services.place_dues_order(member, [earlier])
    services.expire_orders(now=second.expires_at + dt.timedelta(seconds=1))
    second.refresh_from_db()
    assert second.state == OrderState.EXPIRED
    third = services.place_dues_order(member, [earlier, later])
    assert third.total == Decimal("24.00")


def test_c6_another_members_booking_is_refused_like_an_unknown_one(member, klass):
    other = services.book(UserFactory(), in_days(2, klass))
    mine = services.book(member, in_days(3, klass))

    refused("no_such_booking", services.place_dues_order, member, [mine, other])
    refused("no_such_booking", services.place_dues_order, member, [999999])
    refused("no_such_booking", services.place_dues_order, member, ["1; drop"])
    refused("nothing_chosen", services.place_dues_order, member, [])


def test_c6_cancelled_or_settled_bookings_are_refused(member, klass):
    cancelled = services.cancel_booking(services.book(member, in_days(3, klass)))
    desk = services.book(member, in_days(4, klass))
    services.record_desk_payment(desk, StaffFactory(), PaymentMethod.CASH)

    refused("booking_cancelled", services.place_dues_order, member, [cancelled])
    refused("nothing_due", services.place_dues_order, member, [desk])


def test_c6_mixed_currencies_are_refused(member, klass):
    eur = services.book(member, in_days(2, klass))
    gbp_class = ProgrammeClassFactory(programme=ProgrammeFactory(currency="GBP"))
    gbp = services.book(member, in_days(3, gbp_class))

    error = refused("mixed_currencies", services.place_dues_order, member, [eur, gbp])
    assert "different currencies" in error.message


def test_c6_a_changed_amount_is_shown_before_the_order_is_placed(member, two_dues):
    earlier, later = two_dues
    seen = services.quote_dues(member, two_dues).total
    assert seen.amount == Decimal("24.00")
    # The earlier booking is paid at the desk meanwhile; the member still sends both.
    Booking.objects.filter(pk=later.pk).update(amount_due=Decimal("10.00"))

    error = refused(
        "price_changed", services.place_dues_order, member, two_dues, seen_total=seen.amount
    )
    assert error.details["total"].amount == Decimal("22.00")
    order = services.place_dues_order(member, two_dues, seen_total=Decimal("22.00"))
    assert order.total == Decimal("22.00")


def test_c6_the_same_form_sent_twice_places_one_order(member, two_dues):
    order = services.place_dues_order(member, two_dues, token="tok-1")
    error = refused("already_placed", services.place_dues_order, member, two_dues, token="tok-1")
    assert error.details["reference"] == order.reference


def test_c6_the_admin_order_page_shows_which_line_needs_a_refund(
    client, superuser, member, two_dues
):
    from tests.admin import admin_url

    order = services.place_dues_order(member, two_dues)
    services.record_desk_payment(two_dues[0], StaffFactory(), PaymentMethod.CASH)
    services.mark_paid(order, StaffFactory())
    client.force_login(superuser)

    response = client.get(admin_url("order", "inspect", order.pk))

    assert response.status_code == 200
    assert response.content.decode().count("passes-refund-needed") == 1
