"""N1, N2 (issue 17, items 17 and 18): a renewal never overlaps the pass it renews.

One function (``services.renewals.renewal_starts_on``) decides where a renewal starts: the
day after the renewed pass ends *now*. Whatever the path — the pass issued when the renewal
order is paid, the unpaid pass issued when it was placed (P4 "redeem if unpaid") and paid
later, a free renewal fulfilled at once — the new pass starts there, and a hold or an
extension given to a pass whose renewal exists moves the renewal with it (refused, with the
reason, when the renewal already pays for a session on a day it would lose).

Old pass in every test: bought 1 January 2027 for 30 days, valid 1-31 January, renewal
ordered on 29 January. A 30-day pass starting on day D ends on D + 30 days (1 February ->
3 March, February 2027 having 28 days). Dates are worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from wagtail_passes import services
from wagtail_passes.exceptions import PassError
from wagtail_passes.models import (
    Hold,
    LedgerKind,
    MemberPass,
    MemberProfile,
    OrderState,
    Renewal,
)
from wagtail_passes.services.ledger import record_movement
from wagtail_passes.services.locking import lock_member_pass
from wagtail_passes.services.renewals import commitment_progress, run_renewals
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
)

from .helpers import at, local, renewing_pass, renewing_product

pytestmark = pytest.mark.django_db


def window(member_pass):
    member_pass.refresh_from_db()
    return member_pass.valid_from, member_pass.valid_until


def renewed_and_paid(old):
    with at(local(2027, 1, 29, 9)):
        run_renewals()
        renewal = Renewal.objects.get(member_pass=old)
        services.mark_paid(renewal.order, StaffFactory())
    renewal.refresh_from_db()
    assert window(renewal.new_pass) == (dt.date(2027, 2, 1), dt.date(2027, 3, 3))
    return renewal


def p4_product(**fields):
    """A renewing product valid in a programme that redeems unpaid passes (P4): its
    bank-transfer orders issue their pass, unpaid, when placed."""
    programme = ProgrammeFactory(redeem_if_unpaid=True)
    product = renewing_product(programmes=[programme], **fields)
    product.programme = programme
    return product


# ---- (b) a hold or an extension after the renewal was paid -------------------------------


def test_n1_a_hold_on_a_renewed_pass_moves_its_paid_renewal_no_overlap():
    old = renewing_pass(bought=local(2027, 1, 1))
    renewal = renewed_and_paid(old)

    with at(local(2027, 1, 30, 9)):  # 30 January - 1 February: 3 days
        services.hold_pass(old, dt.date(2027, 1, 30), dt.date(2027, 2, 1), StaffFactory())

    assert window(old)[1] == dt.date(2027, 2, 3)
    # The renewal starts the day after: 4 February + 30 days = 6 March.
    assert window(renewal.new_pass) == (dt.date(2027, 2, 4), dt.date(2027, 3, 6))
    renewal.refresh_from_db()
    assert renewal.starts_on == dt.date(2027, 2, 4)


def test_n1_an_extension_of_a_renewed_pass_moves_its_renewal_and_the_chain_after_it():
    old = renewing_pass(bought=local(2027, 1, 1))
    renewal = renewed_and_paid(old)
    second = renewal.new_pass  # 1 February - 3 March, ordered on 1 March
    with at(local(2027, 3, 1, 9)):
        run_renewals()
        services.mark_paid(Renewal.objects.get(member_pass=second).order, StaffFactory())
    third = Renewal.objects.get(member_pass=second).new_pass
    assert window(third) == (dt.date(2027, 3, 4), dt.date(2027, 4, 3))

    with at(local(2027, 1, 30, 9)):
        services.extend_pass(old, 5, StaffFactory(), reason="Studio closed for works")

    assert window(old)[1] == dt.date(2027, 2, 5)
    assert window(second) == (dt.date(2027, 2, 6), dt.date(2027, 3, 8))
    assert window(third) == (dt.date(2027, 3, 9), dt.date(2027, 4, 8))


def test_n1_a_hold_is_refused_when_the_renewal_pays_for_a_day_it_would_lose():
    old = renewing_pass(bought=local(2027, 1, 1))
    renewal = renewed_and_paid(old)
    session = SessionFactory(start=local(2027, 2, 2, 18), end=local(2027, 2, 2, 19))
    with at(local(2027, 1, 29, 10)):
        booking = services.book(old.member, session)
    assert booking.member_pass_id == renewal.new_pass_id

    with at(local(2027, 1, 30, 9)), pytest.raises(PassError) as refused:
        services.hold_pass(old, dt.date(2027, 1, 30), dt.date(2027, 2, 1), StaffFactory())

    assert refused.value.code == "renewal_has_bookings"
    assert refused.value.message == (
        "The pass that renews it would then start on 4 February 2027, but it pays for "
        "sessions on 2 February 2027; cancel those bookings first."
    )
    assert not Hold.objects.filter(member_pass=old).exists()
    assert window(old)[1] == dt.date(2027, 1, 31)
    assert window(renewal.new_pass)[0] == dt.date(2027, 2, 1)


# ---- (a) "redeem if unpaid": the renewal's pass exists before it is paid -------------------


def test_n1_p4_a_renewal_paid_after_a_hold_on_the_old_pass_starts_after_it():
    old = renewing_pass(p4_product(), bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 9)):
        run_renewals()
    renewal = Renewal.objects.get(member_pass=old)
    unpaid = MemberPass.objects.get(order_line__order=renewal.order)
    assert unpaid.is_paid is False and unpaid.starts_on == dt.date(2027, 2, 1)

    with at(local(2027, 1, 30, 9)):
        services.hold_pass(old, dt.date(2027, 1, 30), dt.date(2027, 2, 1), StaffFactory())
        services.mark_paid(renewal.order, StaffFactory())

    unpaid.refresh_from_db()
    assert unpaid.is_paid and unpaid.starts_on == dt.date(2027, 2, 4)
    assert window(unpaid) == (dt.date(2027, 2, 4), dt.date(2027, 3, 6))


def test_n1_p4_paying_the_renewal_checks_again_where_the_old_pass_ends():
    """The payment itself decides the start again: here the old pass's end moved by a bare
    ledger movement (no pass tool moved the renewal)."""
    old = renewing_pass(p4_product(), bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 9)):
        run_renewals()
    renewal = Renewal.objects.get(member_pass=old)
    with at(local(2027, 1, 30, 9)), transaction.atomic():
        record_movement(lock_member_pass(old), LedgerKind.EXTEND, Decimal(0), days=3)
    assert window(old)[1] == dt.date(2027, 2, 3)

    with at(local(2027, 1, 30, 10)):
        services.mark_paid(renewal.order, StaffFactory())

    new = MemberPass.objects.get(order_line__order=renewal.order)
    assert window(new) == (dt.date(2027, 2, 4), dt.date(2027, 3, 6))
    renewal.refresh_from_db()
    assert renewal.starts_on == dt.date(2027, 2, 4) and renewal.new_pass_id == new.pk


def test_n1_p4_the_unpaid_renewal_pass_books_only_from_its_first_day():
    product = p4_product()
    old = renewing_pass(product, bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 9)):
        run_renewals()
    renewal = Renewal.objects.get(member_pass=old)
    assert renewal.new_pass is not None and renewal.new_pass.order_line.order == renewal.order
    assert renewal.new_pass.starts_on == renewal.starts_on == dt.date(2027, 2, 1)
    klass = ProgrammeClassFactory(programme=product.programme)
    session = SessionFactory(
        programme_class=klass, start=local(2027, 2, 1, 18), end=local(2027, 2, 1, 19)
    )
    with at(local(2027, 1, 29, 10)):
        assert services.book(old.member, session).member_pass_id == renewal.new_pass_id


# ---- item 18: a free renewal ----------------------------------------------------------------


def test_n1_n2_a_free_renewal_continues_the_pass_and_counts_as_a_payment(
    django_capture_on_commit_callbacks,
):
    product = renewing_product(price=Decimal("0.00"), commitment_payments=3, title="Club")
    old = renewing_pass(product, bought=local(2027, 1, 1))
    MemberProfile.objects.create(
        member=old.member, stripe_customer_id="cus_1", payment_method_id="pm_1"
    )

    with at(local(2027, 1, 29, 4)), django_capture_on_commit_callbacks(execute=True):
        report = run_renewals()

    renewal = Renewal.objects.get(member_pass=old)
    assert report.ordered == [old.pk] and report.charged == report.charge_failed == []
    assert renewal.order.state == OrderState.PAID and renewal.order.total == 0
    assert renewal.next_charge_at is None  # nothing to charge
    new = renewal.new_pass
    assert new is not None and new.order_line.order == renewal.order
    assert window(new) == (dt.date(2027, 2, 1), dt.date(2027, 3, 3))
    assert new.auto_renew is True
    progress = commitment_progress(new)
    assert (progress.made, progress.required) == (2, 3)
    assert progress.describe() == "2 of 3 payments made, 1 to go"
    # The renewal email asks for no payment.
    (renewed,) = [m for m in mail.outbox if "renews" in m.subject]
    assert "Pay it from your order" not in renewed.body
    assert "Nothing to pay" in renewed.body
