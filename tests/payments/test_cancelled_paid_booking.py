"""Issue 17 item 15 (P6 with C6): a booking whose amount due was paid online and that is
cancelled in time gives its money back, as the studio chose: a refund through the provider
that took it (the default), money credit for the programme, or, for money taken by bank
transfer, staff are told to give it back. Refunding such an order makes its booking owe
again (or, cancelled, no longer show as paid)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.models import (
    Booking,
    BookingStatus,
    MemberPass,
    OrderState,
    Payment,
    PaymentIssue,
    PaymentMethod,
    Refund,
    RefundState,
)
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.services.payment_state import money_kept
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
)

from ..committing import committed
from .fake_stripe import event, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def klass():
    programme = ProgrammeFactory(
        currency="EUR", default_unit_price=Decimal("12.00"), cancellation_cutoff_hours=24
    )
    return ProgrammeClassFactory(programme=programme)


def _session_in(days, klass):
    start = timezone.now() + dt.timedelta(days=days)
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


def _paid_online(client, member, booking, fake):
    """The booking's amount due paid with an order of amounts due, by card."""
    order = services.place_dues_order(
        member, [booking.pk], seen_total=booking.amount_due, provider="stripe"
    )
    StripeProvider().start(order, RequestFactory().get("/", HTTP_HOST="studio.example.com"))
    session = Payment.objects.get(order=order).provider_id
    fake.pay(session)
    with committed():
        post_event(client, event("checkout.session.completed", fake.sessions[session]))
    booking.refresh_from_db()
    assert (booking.amount_due, booking.amount_paid) == (Decimal("0"), Decimal("12.00"))
    return order


def test_p6_c6_a_booking_paid_online_and_cancelled_in_time_is_refunded(
    client, member, klass, stripe_on
):
    booking = services.book(member, _session_in(5, klass))
    order = _paid_online(client, member, booking, stripe_on)

    with committed():
        cancelled = services.cancel_booking(booking)

    assert cancelled.money_back == "refund"
    refund = Refund.objects.get(order=order)
    assert (refund.line.booking_id, refund.amount, refund.state) == (
        booking.pk,
        Decimal("12.00"),
        RefundState.SUCCEEDED,
    )
    assert stripe_on.of("POST", "/v1/refunds")[0].form["amount"] == "1200"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.amount_paid == Decimal("0")  # it no longer shows as paid
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert money_kept(order) == Decimal("0.00")


def test_p6_c6_the_member_is_told_the_money_goes_back(client, member, klass, stripe_on, mailoutbox):
    booking = services.book(member, _session_in(5, klass))
    _paid_online(client, member, booking, stripe_on)
    mailoutbox.clear()

    with committed():
        services.cancel_booking(booking)

    [cancelled] = [m for m in mailoutbox if "cancelled" in m.subject.lower()]
    assert "What you paid for it online is being refunded to you." in cancelled.body


def test_p6_c6_as_credit_when_the_studio_prefers_it(client, member, klass, stripe_on, settings):
    settings.WAGTAIL_PASSES_CANCELLED_BOOKING_MONEY = "credit"
    booking = services.book(member, _session_in(5, klass))
    order = _paid_online(client, member, booking, stripe_on)

    with committed():
        cancelled = services.cancel_booking(booking)

    assert cancelled.money_back == "credit"
    assert not Refund.objects.filter(order=order).exists()
    credit = MemberPass.objects.get(member=member, kind="money")
    assert (credit.balance, credit.currency, credit.programme_ids) == (
        Decimal("12.00"),
        "EUR",
        [klass.programme_id],
    )
    booking.refresh_from_db()
    assert booking.amount_paid == Decimal("0")
    # The credit pays the member's next booking in that programme (K5).
    nxt = services.book(member, _session_in(6, klass))
    assert nxt.member_pass == credit


def test_p6_c6_cancelled_after_the_cutoff_keeps_the_money(client, member, klass, stripe_on):
    booking = services.book(member, _session_in(5, klass))
    order = _paid_online(client, member, booking, stripe_on)
    Booking.objects.filter(pk=booking.pk).update(
        session=_session_in(0.5, klass)
    )  # now 12 hours away: past the 24-hour cutoff
    booking.refresh_from_db()

    with committed():
        cancelled = services.cancel_booking(booking, by=StaffFactory(), return_entry=False)

    assert cancelled.money_back == ""
    assert not Refund.objects.filter(order=order).exists()
    assert money_kept(order) == Decimal("12.00")


def test_p6_c6_paid_by_bank_transfer_staff_are_told_to_give_it_back(member, klass):
    booking = services.book(member, _session_in(5, klass))
    order = services.place_dues_order(member, [booking.pk], seen_total=Decimal("12.00"))
    services.mark_paid(order, StaffFactory())
    booking.refresh_from_db()
    assert booking.payment_method == PaymentMethod.ONLINE

    with committed():
        services.cancel_booking(booking)

    issue = PaymentIssue.objects.open().get()
    assert (issue.kind, issue.order, issue.amount) == ("refund_needed", order, Decimal("12.00"))
    assert not Refund.objects.exists()  # staff give it back, then record it


def test_c4_c6_refunding_a_dues_order_makes_its_booking_owe_again(member, klass):
    booking = services.book(member, _session_in(5, klass))
    order = services.place_dues_order(member, [booking.pk], seen_total=Decimal("12.00"))
    services.mark_paid(order, StaffFactory())

    services.refund_order(order, StaffFactory(permissions=["change_order"]), reason="Mistake")

    booking.refresh_from_db()
    assert (booking.status, booking.amount_due, booking.amount_paid) == (
        BookingStatus.BOOKED,
        Decimal("12.00"),
        Decimal("0"),
    )
