"""Refunds through the services (C4): staff refund a whole order or some of it, the
unused part of the member passes of fully refunded lines is cancelled through the ledger
(R3), stock comes back (A1), and no refund ever gives back more than was paid. Expected
values are written by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.models import ModelLogEntry

from wagtail_passes import services, signals
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import LedgerEntry, MemberPass, Order, OrderLine, Refund
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(code, call, *args, **kwargs):
    with pytest.raises(CheckoutError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def sold(product):
    return product.sold_count()


def paid_order(product=None, *, quantity=1, member=None, staff=None):
    product = product or PassPageFactory(price=Decimal("90.00"), currency="EUR")
    order = services.place_order(member or UserFactory(), product, quantity=quantity)
    return services.mark_paid(order, by=staff or StaffFactory())


def passes_of(order):
    return MemberPass.objects.filter(order_line__order=order).order_by("pk")


def snapshot(order):
    """Everything a refund writes, to prove a refusal wrote nothing."""
    return (
        Order.objects.get(pk=order.pk).state,
        list(Refund.objects.values_list("pk", flat=True)),
        list(passes_of(order).values_list("status", "balance")),
        LedgerEntry.objects.count(),
        list(OrderLine.objects.order_by("pk").values_list("holds_stock", flat=True)),
        ModelLogEntry.objects.filter(action="wagtail_passes.order.refund").count(),
    )


# ---- a whole refund, a partial one ---------------------------------------------------


def test_c4_a_whole_refund_cancels_the_passes_gives_stock_back_and_emails(
    django_capture_on_commit_callbacks,
):
    staff = StaffFactory()
    product = PassPageFactory(price=Decimal("45.00"), currency="EUR", stock_limit=5)
    order = paid_order(product, quantity=2, member=UserFactory(email="ann@example.com"))
    assert sold(product) == 2
    received = []

    def receiver(sender, order, refunds, by, **kwargs):
        received.append((order.pk, len(refunds), by))

    signals.order_refunded.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = services.refund_order(order, staff, reason="Moved away")
    finally:
        signals.order_refunded.disconnect(receiver)

    order.refresh_from_db()
    assert order.state == "refunded" and order.paid_at is not None
    [refund] = Refund.objects.all()
    assert (refund.amount, refund.currency, refund.provider, refund.state) == (
        Decimal("90.00"),
        "EUR",
        "manual",
        "succeeded",
    )
    assert (refund.line, refund.payment, refund.recorded_by, refund.reason) == (
        order.lines.get(),
        order.payments.get(),
        staff,
        "Moved away",
    )
    assert result.refunded_now and result.amount.amount == Decimal("90.00")
    assert [p.status for p in passes_of(order)] == ["cancelled", "cancelled"]
    assert [p.balance for p in passes_of(order)] == [0, 0]
    assert len(result.cancelled_passes) == 2
    cancels = LedgerEntry.objects.filter(kind="cancel", member_pass__order_line__order=order)
    assert cancels.count() == 2
    assert {e.reason for e in cancels} == {f"Refund of order {order.reference}: Moved away"}
    assert sold(product) == 0 and not order.lines.get().holds_stock
    log = ModelLogEntry.objects.get(action="wagtail_passes.order.refund")
    assert log.user == staff and "€90.00 refunded" in log.data["message"]
    assert mail.outbox[-1].subject == f"Order {order.reference} refunded"
    assert "We have refunded €90.00" in mail.outbox[-1].body
    assert received == [(order.pk, 1, staff)]


def test_c4_a_partial_refund_leaves_the_order_partially_refunded_and_its_passes():
    product = PassPageFactory(price=Decimal("90.00"), currency="EUR", stock_limit=5)
    order = paid_order(product)
    line = order.lines.get()

    result = services.refund_order(order, StaffFactory(), amounts={line.pk: "30.00"})

    order.refresh_from_db()
    assert order.state == "partially_refunded"
    assert result.amount.amount == Decimal("30.00") and result.cancelled_passes == ()
    assert [p.status for p in passes_of(order)] == ["active"]
    assert sold(product) == 1
    [row] = services.refundable(order)
    assert (row.paid.amount, row.refunded.amount, row.left.amount) == (
        Decimal("90.00"),
        Decimal("30.00"),
        Decimal("60.00"),
    )


def test_c4_a_refund_after_a_refund_never_gives_back_more_than_was_paid():
    staff = StaffFactory()
    order = paid_order()
    line = order.lines.get()
    services.refund_order(order, staff, amounts={line: Decimal("50.00")})

    refused("refund_too_large", services.refund_order, order, staff, amounts={line: "40.01"})
    result = services.refund_order(order, staff)  # what is left: 40.00

    assert result.amount.amount == Decimal("40.00")
    assert sum(Refund.objects.values_list("amount", flat=True)) == Decimal("90.00")
    order.refresh_from_db()
    assert order.state == "refunded"
    refused("already_refunded", services.refund_order, order, staff)
    refused("already_refunded", services.refund_order, order, staff, amounts={line: "0.01"})
    assert sum(Refund.objects.values_list("amount", flat=True)) == Decimal("90.00")


def test_c4_the_last_part_refunded_cancels_the_passes_then():
    staff = StaffFactory()
    order = paid_order()
    line = order.lines.get()
    services.refund_order(order, staff, amounts={line: "10.00"})
    assert passes_of(order).get().status == "active"

    result = services.refund_order(order, staff, lines=[line])

    assert result.amount.amount == Decimal("80.00")
    assert passes_of(order).get().status == "cancelled"


# ---- a pass used already ---------------------------------------------------------------


def _used_pass_order(session_start):
    member = UserFactory()
    product = PassPageFactory(price=Decimal("90.00"), currency="EUR", quantity=Decimal(10))
    order = paid_order(product, member=member)
    session = SessionFactory(programme_class=ProgrammeClassFactory())
    booking = services.book(member, session)
    assert booking.member_pass.order_line.order == order
    if session_start is not None:
        session.__class__.objects.filter(pk=session.pk).update(
            start=session_start, end=session_start + dt.timedelta(hours=1)
        )
    return order, booking


def test_c4_r3_refunding_a_used_pass_cancels_what_is_left_and_keeps_its_used_entries():
    order, booking = _used_pass_order(timezone.now() - dt.timedelta(days=2))
    member_pass = passes_of(order).get()
    assert member_pass.balance == Decimal(9)

    result = services.refund_order(order, StaffFactory())

    member_pass.refresh_from_db()
    assert result.cancelled_passes == (member_pass,)
    assert (member_pass.status, member_pass.balance) == ("cancelled", 0)
    kinds = list(member_pass.ledger.order_by("pk").values_list("kind", "amount"))
    assert kinds == [("issue", Decimal(10)), ("redeem", Decimal(-1)), ("cancel", Decimal(-9))]
    booking.refresh_from_db()
    assert booking.status != "cancelled"  # the class attended stays attended


def test_c4_staff_cannot_refund_a_pass_that_pays_for_upcoming_sessions():
    order, _booking = _used_pass_order(None)  # booked for the next hour
    before = snapshot(order)

    error = refused("pass_has_bookings", services.refund_order, order, StaffFactory())

    assert "cancel those bookings first" in error.message
    assert snapshot(order) == before


def test_c4_a_refund_made_at_the_provider_cancels_the_pass_even_with_upcoming_bookings():
    order, booking = _used_pass_order(None)

    services.refund_order(order, None, provider="stripe", provider_id="re_1")

    assert passes_of(order).get().status == "cancelled"
    booking.refresh_from_db()
    assert booking.status != "cancelled"


# ---- a provider's refund reported twice ------------------------------------------------


def test_c4_the_same_provider_refund_reported_twice_is_recorded_once(
    django_capture_on_commit_callbacks,
):
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.refund_order(
            order, None, total="20.00", provider="stripe", provider_id="re_123", raw={"id": "x"}
        )
    emails = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.refund_order(
            order, None, total="20.00", provider="stripe", provider_id="re_123"
        )

    assert first.refunded_now and not again.refunded_now
    [refund] = Refund.objects.all()
    assert (refund.provider, refund.provider_id, refund.amount, refund.raw) == (
        "stripe",
        "re_123",
        Decimal("20.00"),
        {"id": "x"},
    )
    assert refund.recorded_by is None
    assert len(mail.outbox) == emails
    order.refresh_from_db()
    assert order.state == "partially_refunded"


def test_c4_a_provider_refund_over_several_lines_is_one_row_per_line_and_recorded_once():
    order = paid_order()
    line = order.lines.get()
    # A second line, as a programme registration's order will have.
    second = order.lines.create(
        product=line.product, title="Mat hire", quantity=1, unit_price=10, total=10
    )
    Order.objects.filter(pk=order.pk).update(total=Decimal("100.00"))

    services.refund_order(order, None, total="95", provider="stripe", provider_id="re_9")
    services.refund_order(order, None, total="95", provider="stripe", provider_id="re_9")

    rows = list(Refund.objects.order_by("line_id").values_list("line_id", "amount", "provider_id"))
    assert rows == [
        (line.pk, Decimal("90.00"), f"re_9#{line.pk}"),
        (second.pk, Decimal("5.00"), f"re_9#{second.pk}"),
    ]


# ---- who, and which orders --------------------------------------------------------------


def test_c4_only_staff_or_the_system_refund():
    order = paid_order()
    before = snapshot(order)

    refused("not_allowed", services.refund_order, order, order.member)
    refused("not_allowed", services.refund_order, order, UserFactory())

    assert snapshot(order) == before


def test_c4_an_unpaid_order_is_not_refunded():
    staff = StaffFactory()
    pending = services.place_order(UserFactory(), PassPageFactory())
    cancelled = services.place_order(UserFactory(), PassPageFactory())
    services.cancel_order(cancelled, staff)

    refused("not_paid", services.refund_order, pending, staff)
    refused("not_paid", services.refund_order, cancelled, staff)
    assert not Refund.objects.exists()


def test_c4_a_free_order_has_nothing_to_refund():
    order = services.place_order(UserFactory(), PassPageFactory(price=Decimal("0.00")))
    refused("nothing_to_refund", services.refund_order, order, StaffFactory())


def test_c4_a_line_of_another_order_is_refused():
    staff = StaffFactory()
    order, other = paid_order(), paid_order()
    refused("no_such_line", services.refund_order, order, staff, lines=[other.lines.get()])
    refused("no_such_line", services.refund_order, order, staff, amounts={"x": "1"})
    assert not Refund.objects.exists()


# ---- bad amounts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("", "invalid_amount"),
        ("   ", "invalid_amount"),
        ("-1", "invalid_amount"),
        ("0", "invalid_amount"),
        ("0.00", "invalid_amount"),
        ("NaN", "invalid_amount"),
        ("sNaN", "invalid_amount"),
        ("Infinity", "invalid_amount"),
        ("ten", "invalid_amount"),
        (1.5, "invalid_amount"),
        (True, "invalid_amount"),
        ("10.005", "invalid_amount"),
        ("90.01", "refund_too_large"),
        ("1E+30", "refund_too_large"),
    ],
)
def test_c4_a6_bad_amounts_are_refused_with_nothing_written(amount, code):
    order = paid_order()
    line = order.lines.get()
    before = snapshot(order)

    refused(code, services.refund_order, order, StaffFactory(), amounts={line.pk: amount})

    assert snapshot(order) == before


@pytest.mark.parametrize("amount", ["0.5", "100.50", "1000.1"])
def test_c4_a6_no_decimals_for_a_zero_decimal_currency(amount):
    product = PassPageFactory(price=Decimal("3000"), currency="JPY")
    order = paid_order(product)
    before = snapshot(order)

    refused(
        "invalid_amount",
        services.refund_order,
        order,
        StaffFactory(),
        amounts={order.lines.get().pk: amount},
    )

    assert snapshot(order) == before
    services.refund_order(order, StaffFactory(), amounts={order.lines.get().pk: "1000"})
    assert Refund.objects.get().amount == Decimal(1000)


def test_c4_a_total_beyond_what_is_left_is_refused():
    order = paid_order()
    refused("refund_too_large", services.refund_order, order, None, total="90.01")
    refused("invalid_amount", services.refund_order, order, None, total="-5")
    assert not Refund.objects.exists()
