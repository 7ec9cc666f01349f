"""N1 (issue 17, item 16): a pass that is written off — cancelled by staff, refunded in full,
or expired without being used up when it renews "when used up" — stops renewing, and its
renewal order still awaiting payment is cancelled in the same transaction: no card is ever
charged for a renewal whose pass is gone. A pass that renews "when it expires" is expected to
expire: its renewal order (made two days before) and its card retries go on.

Stripe is ``FakeStripeCards`` (tests/payments): Stripe's own answers for the test cards, so
"charged nothing" means no PaymentIntent was asked for. Dates are worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.models import (
    MemberPass,
    MemberProfile,
    OrderState,
    PassStatus,
    Renewal,
    RenewWhen,
)
from wagtail_passes.services.renewals import run_renewals
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

from ..payments.conftest import cards  # noqa: F401 (the fixture)
from .helpers import at, local, renewing_pass, renewing_product

pytestmark = pytest.mark.django_db

DECLINED_CARD = "pm_card_chargeCustomerFail"


def save_card(fake, member, template="pm_card_visa"):
    fake.customers["cus_renew"] = {"id": "cus_renew", "object": "customer"}
    MemberProfile.objects.create(
        member=member,
        stripe_customer_id="cus_renew",
        payment_method_id=fake.card(template, "cus_renew"),
        card_brand="visa",
        card_last4="0341",
    )


def charges(fake):
    """The off-session charges Stripe was asked for."""
    return fake.of("POST", "/v1/payment_intents")


def declined_once(fake):
    """A pass valid 1-31 January 2027 that renews when it expires, its member's saved card
    declined by the renewal job on 29 January (attempt 1; attempt 2 due on the 30th)."""
    old = renewing_pass(
        bought=local(2027, 1, 1), member=UserFactory(email="ann@example.com"), title="Monthly"
    )
    save_card(fake, old.member, DECLINED_CARD)
    with at(local(2027, 1, 29, 4)):
        report = run_renewals()
    renewal = Renewal.objects.get(member_pass=old)
    assert report.charge_failed == [renewal.pk] and len(charges(fake)) == 1
    assert renewal.order.state == OrderState.PENDING and renewal.next_charge_at is not None
    return old, renewal


def test_n1_a_pass_cancelled_after_a_declined_charge_is_never_charged_again(
    cards,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The issue's scenario: attempt 1 declined, staff cancel the pass, the next day's job
    charges nothing."""
    old, renewal = declined_once(cards)
    mail.outbox.clear()

    with at(local(2027, 1, 29, 15)), django_capture_on_commit_callbacks(execute=True):
        services.cancel_pass(old, StaffFactory(), reason="Moved abroad")

    renewal.refresh_from_db()
    old.refresh_from_db()
    assert old.status == PassStatus.CANCELLED and old.auto_renew is False
    assert renewal.order.state == OrderState.CANCELLED and renewal.next_charge_at is None
    with at(local(2027, 1, 30, 4)):
        report = run_renewals()
    assert report.charged == [] and report.charge_failed == []
    assert len(charges(cards)) == 1  # attempt 1 only: no second PaymentIntent
    # The member is told the renewal order went, and why: its pass no longer renews.
    (message,) = [m for m in mail.outbox if renewal.order.reference in m.subject]
    assert "cancelled" in message.subject
    assert "It would have renewed “Monthly”, which no longer renews" in " ".join(
        message.body.split()
    )


def test_n1_cancelling_a_pass_stops_its_renewal_in_the_same_transaction(cards):  # noqa: F811
    old, renewal = declined_once(cards)
    staff = StaffFactory()

    with at(local(2027, 1, 29, 15)):
        services.cancel_pass(old, staff, reason="Moved abroad")

    # Stopped and audited on the pass; the order cancelled by the order's own path (its
    # stock given back, its history written).
    entry = ModelLogEntry.objects.get(
        object_id=str(old.pk), action="wagtail_passes.pass.renewal_stopped"
    )
    assert entry.user == staff
    assert entry.data["message"] == (
        f"Renewal stopped: the pass was cancelled (order {renewal.order.reference} cancelled)"
    )
    assert ModelLogEntry.objects.filter(
        object_id=str(renewal.order.pk), action="wagtail_passes.order.cancel"
    ).exists()
    renewal.order.refresh_from_db()
    assert renewal.order.closed_at is not None


def test_n1_a_pass_refunded_in_full_cancels_its_renewal_order(cards):  # noqa: F811
    member = UserFactory()
    product = renewing_product(title="Monthly")
    with at(local(2027, 1, 1, 9)):
        order = services.place_order(member, product, auto_renew=True)
        services.mark_paid(order, StaffFactory())
    old = MemberPass.objects.get(order_line__order=order)  # valid 1-31 January
    save_card(cards, member, DECLINED_CARD)
    with at(local(2027, 1, 29, 4)):
        run_renewals()
    renewal = Renewal.objects.get(member_pass=old)

    with at(local(2027, 1, 29, 15)):
        services.refund_order(order, StaffFactory(), reason="Charged by mistake")

    renewal.refresh_from_db()
    old.refresh_from_db()
    assert old.status == PassStatus.CANCELLED and old.auto_renew is False
    assert renewal.order.state == OrderState.CANCELLED
    with at(local(2027, 1, 30, 4)):
        assert run_renewals().charge_failed == []
    assert len(charges(cards)) == 1


def test_n1_a_renewal_whose_pass_is_cancelled_is_never_charged_whatever_its_flags(
    cards,  # noqa: F811
):
    """The card job's own guard: a cancelled pass (written off some other way, still
    marked to renew, its order left pending) is not charged."""
    old, renewal = declined_once(cards)
    MemberPass.objects.filter(pk=old.pk).update(status=PassStatus.CANCELLED)

    with at(local(2027, 1, 30, 4)):
        report = run_renewals()

    assert report.charge_failed == [] and len(charges(cards)) == 1


def test_n1_a_pass_renewing_when_it_expires_keeps_its_renewal_after_expiring(
    cards,  # noqa: F811
):
    """Its order is made two days before its last day, so expiring is what it expects: the
    renewal order stays, the card retries go on, and the paid renewal continues the pass."""
    old, renewal = declined_once(cards)
    cards.payment_methods[MemberProfile.objects.get().payment_method_id]["template"] = (
        "pm_card_visa"  # the member's bank now accepts the card
    )
    with at(local(2027, 2, 1, 3)):
        report = services.run_daily()  # 1 February: the old pass has expired
    old.refresh_from_db()
    renewal.refresh_from_db()
    assert old.pk in report.expired and old.auto_renew is True
    assert report.renewals.charged == [renewal.pk]
    assert renewal.order.state == OrderState.PAID
    assert renewal.new_pass.valid_from == dt.date(2027, 2, 1)


def test_n1_a_used_up_renewal_whose_pass_expires_with_entries_left_is_cancelled():
    """Renews when used up: its one entry used on 10 January, the renewal ordered on the
    11th; staff then give an entry back (a goodwill adjustment), and the pass expires on
    1 February with it unused: it was not used up, so it does not renew."""
    product = renewing_product(quantity=Decimal(1), renew_when=RenewWhen.USED_UP)
    old = renewing_pass(product, bought=local(2027, 1, 1))  # valid 1-31 January
    session = SessionFactory(start=local(2027, 1, 10, 18), end=local(2027, 1, 10, 19))
    with at(local(2027, 1, 5)):
        services.book(old.member, session)
    with at(local(2027, 1, 11, 6)):
        assert run_renewals().ordered == [old.pk]
    renewal = Renewal.objects.get(member_pass=old)
    with at(local(2027, 1, 12, 9)):
        services.adjust_pass(old, Decimal(1), StaffFactory(), reason="Class cut short")

    with at(local(2027, 2, 1, 3)):
        report = services.run_daily()

    old.refresh_from_db()
    renewal.refresh_from_db()
    assert old.pk in report.expired
    assert old.auto_renew is False
    assert renewal.order.state == OrderState.CANCELLED


def test_n1_cancelling_an_unpaid_order_cancels_the_renewal_its_pass_started():
    """P4: a bank-transfer order's unpaid pass renewed before the order was paid; the order
    is then cancelled by staff: its pass is cancelled, so is that pass's renewal order."""
    programme = ProgrammeFactory(redeem_if_unpaid=True)
    product = PassPageFactory(
        price=Decimal("50.00"),
        quantity=Decimal(10),
        duration_days=30,
        allow_auto_renew=True,
        renew_when=RenewWhen.EXPIRED,
        programmes=[programme],
    )
    member = UserFactory()
    with at(local(2027, 1, 1, 9)):
        first = services.place_order(member, product, auto_renew=True)
    unpaid = MemberPass.objects.get(order_line__order=first)
    assert unpaid.is_paid is False and unpaid.auto_renew is True
    with at(local(2027, 1, 29, 4)):
        assert run_renewals().ordered == [unpaid.pk]
    renewal = Renewal.objects.get(member_pass=unpaid)

    with at(local(2027, 1, 29, 15)):
        services.cancel_order(first, StaffFactory())

    renewal.refresh_from_db()
    assert renewal.order.state == OrderState.CANCELLED
    assert not MemberPass.objects.filter(
        order_line__order=renewal.order, status=PassStatus.ACTIVE
    ).exists()
