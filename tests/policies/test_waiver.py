"""L3: staff waive a fee or give back a kept entry, with a reason (audited, signalled);
fees are paid at the desk or online (C6); refusals say why and change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from wagtail.models import ModelLogEntry

from wagtail_passes import services, signals
from wagtail_passes.exceptions import BookingError, CheckoutError
from wagtail_passes.models import AttendanceCharge, ChargeState, OrderLine, PaymentMethod
from wagtail_passes.test.factories import UserFactory

from .conftest import at, book_before, session_on, set_policy

pytestmark = pytest.mark.django_db

AFTER = dt.datetime(2027, 2, 3, 9, tzinfo=dt.UTC)


@pytest.fixture
def fee(programme, klass, member, staff):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("10.00"))
    booking = book_before(member, session_on(klass, dt.date(2027, 2, 1)))
    with at(AFTER):
        services.mark_attendance(booking, False, staff)
    return AttendanceCharge.objects.get(booking=booking)


def refused(code, call, *args, **kwargs):
    before = list(AttendanceCharge.objects.values())
    with pytest.raises((BookingError, CheckoutError)) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    assert list(AttendanceCharge.objects.values()) == before
    return caught.value


def test_L3_staff_waive_a_fee_with_a_reason_audited_and_signalled(
    fee, staff, django_capture_on_commit_callbacks
):
    seen = []

    def on_waived(sender, charge, by, **kwargs):
        seen.append((charge.pk, by))

    signals.charge_waived.connect(on_waived)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.waive_charge(fee, staff, "  Ill, called the desk  ")
    finally:
        signals.charge_waived.disconnect(on_waived)
    fee.refresh_from_db()
    assert (fee.state, fee.waived_by, fee.waived_reason) == (
        ChargeState.WAIVED,
        staff,
        "Ill, called the desk",
    )
    entry = ModelLogEntry.objects.get(action="wagtail_passes.booking.charge_waived")
    assert entry.user == staff and "Ill, called the desk" in entry.data["message"]
    assert seen == [(fee.pk, staff)]


def test_L3_refusals_waive_without_reason_twice_or_paid_and_by_a_member(fee, staff, member):
    refused("reason_required", services.waive_charge, fee, staff, "  ")
    refused("not_allowed", services.waive_charge, fee, member, "mine")
    refused("no_such_charge", services.waive_charge, 999999, staff, "x")
    services.waive_charge(fee, staff, "first time")
    refused("already_waived", services.waive_charge, fee, staff, "again")
    refused("nothing_due", services.record_charge_payment, fee, staff, "cash")


def test_L3_a_paid_charge_cannot_be_waived(fee, staff):
    services.record_charge_payment(fee, staff, PaymentMethod.CASH)
    refused("charge_paid", services.waive_charge, fee, staff, "too late")
    refused("invalid_method", services.record_charge_payment, fee, staff, "online")


def test_L3_paid_at_the_desk(fee, staff):
    services.record_charge_payment(fee, staff, PaymentMethod.CARD_TERMINAL, note="till 2")
    fee.refresh_from_db()
    assert (fee.state, fee.payment_method, fee.payment_recorded_by) == (
        ChargeState.PAID,
        PaymentMethod.CARD_TERMINAL,
        staff,
    )
    assert fee.paid_at is not None
    assert ModelLogEntry.objects.filter(action="wagtail_passes.booking.charge_paid").exists()


def test_L3_paid_online_with_the_dues_order(fee, member, staff):
    order = services.place_dues_order(member, [], charges=[fee.pk], seen_total=Decimal("10.00"))
    line = order.lines.get()
    assert (line.charge, line.booking, line.total) == (fee, None, Decimal("10.00"))
    assert line.title.startswith("No-show fee: ")
    services.mark_paid(order, staff, method="bank_transfer")
    fee.refresh_from_db()
    assert (fee.state, fee.payment_method) == (ChargeState.PAID, PaymentMethod.ONLINE)


def test_L3_a_charge_waived_before_its_order_is_paid_needs_a_refund(fee, member, staff):
    order = services.place_dues_order(member, [], charges=[fee])
    services.waive_charge(fee, staff, "goodwill")
    services.mark_paid(order, staff, method="bank_transfer")
    fee.refresh_from_db()
    assert fee.state == ChargeState.WAIVED
    assert OrderLine.objects.get(order=order).refund_needed


def test_L3_dues_order_refusals(fee, member, staff):
    refused("no_such_charge", services.place_dues_order, UserFactory(), [], charges=[fee])
    refused("no_such_charge", services.place_dues_order, member, [], charges=["x"])
    services.place_dues_order(member, [], charges=[fee])
    refused("already_in_order", services.place_dues_order, member, [], charges=[fee])


def test_L3_give_back_an_entry_a_no_show_kept_at_the_default_policy(
    programme, klass, member, staff, a_pass
):
    booking = book_before(member, session_on(klass, dt.date(2027, 2, 1)), member_pass=a_pass)
    with at(AFTER):
        services.mark_attendance(booking, False, staff)
    refused("reason_required", services.give_back_entry, booking, staff, "")
    given = services.give_back_entry(booking, staff, "The class was moved")
    a_pass.refresh_from_db()
    assert a_pass.balance == 10
    assert (given.state, given.kind, given.waived_reason) == (
        ChargeState.WAIVED,
        "no_show",
        "The class was moved",
    )
    refused("nothing_kept", services.give_back_entry, booking, staff, "again")
    refused("no_such_booking", services.give_back_entry, "1; drop", staff, "bad input")


def test_L3_waiving_a_kept_entry_gives_it_back(programme, klass, member, staff, a_pass):
    set_policy(programme, late_cancel_policy="forfeit")
    session = session_on(klass, dt.date(2027, 2, 1))
    booking = book_before(member, session, member_pass=a_pass)
    with at(session.start - dt.timedelta(hours=3)):
        services.cancel_booking(booking)
    kept = AttendanceCharge.objects.get(booking=booking)
    services.waive_charge(kept, staff, "first late cancel")
    a_pass.refresh_from_db()
    kept.refresh_from_db()
    assert a_pass.balance == 10 and kept.state == ChargeState.WAIVED
