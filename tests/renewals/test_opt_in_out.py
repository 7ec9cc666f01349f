"""N1, N2: the member opts in and out; a commitment blocks opting out until the chain has
made its payments; staff can stop a renewal whatever the commitment, audited."""

import datetime as dt
from decimal import Decimal

import pytest
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.exceptions import PassError
from wagtail_passes.models import Renewal, RenewWhen
from wagtail_passes.services.renewals import (
    commitment_progress,
    commitment_progress_for,
    opt_in,
    opt_out,
    payments_made,
    run_renewals,
    staff_stop_renewal,
)
from wagtail_passes.test.factories import StaffFactory, UserFactory

from .helpers import at, local, renewing_pass, renewing_product

pytestmark = pytest.mark.django_db


def log_actions(mp):
    return list(
        ModelLogEntry.objects.filter(object_id=str(mp.pk), action__contains="renew")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def renew_and_pay(mp, day):
    """Run the job on ``day`` and pay the order: the renewed pass."""
    with at(day):
        run_renewals()
        renewal = Renewal.objects.get(member_pass=mp)
        services.mark_paid(renewal.order, StaffFactory())
    renewal.refresh_from_db()
    return renewal.new_pass


def test_n1_terms_are_copied_and_the_checkout_opt_in_holds_only_where_allowed():
    mp = renewing_pass(renew_when=RenewWhen.USED_UP, commitment_payments=4)
    assert (mp.auto_renew, mp.renew_when, mp.commitment_payments) == (True, "used_up", 4)
    plain = renewing_pass(allow_auto_renew=False, commitment_payments=4)
    assert (plain.auto_renew, plain.renew_when, plain.commitment_payments) == (False, "", 0)


def test_n1_member_opts_in_and_out_idempotently_audited():
    mp = renewing_pass(auto_renew=False)
    opt_in(mp, mp.member)
    opt_in(mp, mp.member)  # twice: nothing more
    mp.refresh_from_db()
    assert mp.auto_renew is True
    opt_out(mp, mp.member)
    opt_out(mp, mp.member)
    mp.refresh_from_db()
    assert mp.auto_renew is False
    assert log_actions(mp) == ["wagtail_passes.pass.renew_on", "wagtail_passes.pass.renew_off"]


def test_n1_opt_in_refused_where_the_product_does_not_allow_it():
    mp = renewing_pass(allow_auto_renew=False, auto_renew=False)
    with pytest.raises(PassError) as refused:
        opt_in(mp, mp.member)
    assert refused.value.code == "renewal_not_offered"
    assert "cannot renew automatically" in refused.value.message


def test_n1_opt_in_refused_for_a_cancelled_or_expired_pass():
    mp = renewing_pass(auto_renew=False)
    services.cancel_pass(mp, StaffFactory(), "left")
    with pytest.raises(PassError) as refused:
        opt_in(mp, mp.member)
    assert refused.value.code == "pass_finished"
    old = renewing_pass(auto_renew=False, bought=local(2020, 1, 1))
    services.run_daily()
    with pytest.raises(PassError) as refused:
        opt_in(old, old.member)
    assert refused.value.code == "pass_finished"


def test_n1_another_member_cannot_opt_someone_in():
    mp = renewing_pass(auto_renew=False)
    with pytest.raises(PassError) as refused:
        opt_in(mp, UserFactory())
    assert refused.value.code == "not_allowed"


def test_n1_a_renewed_pass_cannot_be_opted_out_the_new_one_can():
    mp = renewing_pass(bought=local(2027, 1, 1))
    new = renew_and_pay(mp, local(2027, 1, 29, 9))
    with pytest.raises(PassError) as refused:
        opt_out(mp, mp.member)
    assert refused.value.code == "already_renewed"
    opt_out(new, new.member)
    new.refresh_from_db()
    assert new.auto_renew is False


def test_n2_commitment_blocks_opt_out_until_the_payments_are_made():
    product = renewing_product(commitment_payments=3)
    mp = renewing_pass(product, bought=local(2027, 1, 1))
    assert commitment_progress(mp).__dict__ == {"made": 1, "required": 3, "remaining": 2}
    with pytest.raises(PassError) as refused:
        opt_out(mp, mp.member)
    assert refused.value.code == "commitment_not_met"
    assert "1 of 3 payments made, 2 to go" in refused.value.message
    assert "after 2 more payments" in refused.value.message
    second = renew_and_pay(mp, local(2027, 1, 29, 9))  # 1 Feb - 3 Mar
    assert payments_made(second) == 2
    with pytest.raises(PassError):
        opt_out(second, second.member)
    third = renew_and_pay(second, local(2027, 3, 1, 9))
    assert commitment_progress(third).__dict__ == {"made": 3, "required": 3, "remaining": 0}
    opt_out(third, third.member)
    third.refresh_from_db()
    assert third.auto_renew is False


def test_n2_an_unpaid_renewal_order_is_not_a_payment():
    product = renewing_product(commitment_payments=2)
    mp = renewing_pass(product, bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 9)):
        run_renewals()
    assert payments_made(mp) == 1


def test_n2_progress_for_a_list_in_one_query(django_assert_num_queries):
    product = renewing_product(commitment_payments=12)
    first = renewing_pass(product, bought=local(2027, 1, 1))
    second = renew_and_pay(first, local(2027, 1, 29, 9))
    third = renew_and_pay(second, local(2027, 3, 1, 9))
    other = renewing_pass(renewing_product(commitment_payments=0), bought=local(2027, 1, 1))
    unpaid = services.issue_member_pass(UserFactory(), product, paid=False, auto_renew=True)
    passes = [first, second, third, other, unpaid]
    with django_assert_num_queries(2):  # the chains, and which passes were refunded
        progress = commitment_progress_for(passes)
    assert {pk: (p.made, p.required, p.remaining) for pk, p in progress.items()} == {
        first.pk: (1, 12, 11),
        second.pk: (2, 12, 10),
        third.pk: (3, 12, 9),
        other.pk: (1, 0, 0),
        unpaid.pk: (0, 12, 12),
    }
    assert progress[third.pk].describe() == "3 of 12 payments made, 9 to go"
    assert progress[third.pk].stop_after() == "You can stop renewing after 9 more payments."
    assert commitment_progress_for([]) == {}


def test_n2_a_refunded_renewal_is_not_a_payment_made():
    """Three passes of a 12-payment chain are paid; the second's order is refunded in full:
    2 payments made, for the second and the third pass alike (counted by hand)."""
    from wagtail_passes.models import OrderState

    product = renewing_product(commitment_payments=12)
    first = renewing_pass(product, bought=local(2027, 1, 1))
    second = renew_and_pay(first, local(2027, 1, 29, 9))
    third = renew_and_pay(second, local(2027, 3, 1, 9))
    order = second.order_line.order
    services.refund_order(order, StaffFactory(), reason="Charged twice by mistake")
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    progress = commitment_progress_for([first, second, third])
    assert {pk: p.made for pk, p in progress.items()} == {
        first.pk: 1,
        second.pk: 1,
        third.pk: 2,
    }
    assert commitment_progress(third).describe() == "2 of 12 payments made, 10 to go"


def test_n2_staff_stop_renewal_despite_the_commitment_audited_with_the_reason():
    staff = StaffFactory()
    mp = renewing_pass(renewing_product(commitment_payments=12))
    staff_stop_renewal(mp, staff, "Moved abroad")
    mp.refresh_from_db()
    assert mp.auto_renew is False
    entry = ModelLogEntry.objects.get(
        object_id=str(mp.pk), action="wagtail_passes.pass.stop_renewal"
    )
    assert entry.user == staff
    assert entry.data["reason"] == "Moved abroad"
    assert entry.data["message"] == (
        "Renewal stopped: Moved abroad (1 of 12 payments made, 11 to go)"
    )
    with pytest.raises(PassError) as refused:
        staff_stop_renewal(mp, staff, "again")
    assert refused.value.code == "not_renewing"


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "reason_required"), ("   ", "reason_required"), ("x" * 1001, "reason_too_long")],
)
def test_n2_staff_stop_needs_a_reason(reason, code):
    mp = renewing_pass()
    with pytest.raises(PassError) as refused:
        staff_stop_renewal(mp, StaffFactory(), reason)
    assert refused.value.code == code
    mp.refresh_from_db()
    assert mp.auto_renew is True


def test_n2_a_member_cannot_use_the_staff_stop():
    mp = renewing_pass()
    with pytest.raises(PassError) as refused:
        staff_stop_renewal(mp, mp.member, "I want out")
    assert refused.value.code == "not_allowed"


def test_n1_products_refuse_renewal_options_that_cannot_work():
    """Saving the page validates it: each refusal names the field to change."""
    from django.core.exceptions import ValidationError

    cases = [
        (
            {
                "validity_basis": "fixed",
                "fixed_start": dt.date(2027, 1, 1),
                "fixed_end": dt.date(2027, 6, 30),
            },
            "allow_auto_renew",
        ),
        ({"duration_days": 0}, "renew_when"),
        ({"kind": "unlimited", "quantity": None, "renew_when": RenewWhen.USED_UP}, "renew_when"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as error:
            renewing_product(**fields)
        assert list(error.value.message_dict) == [field], fields
    renewing_product(quantity=Decimal(5), renew_when=RenewWhen.USED_UP).full_clean()
    renewing_product(
        allow_auto_renew=False,
        validity_basis="fixed",
        fixed_start=dt.date(2027, 1, 1),
        fixed_end=dt.date(2027, 6, 30),
    ).full_clean()


def test_n2_member_cannot_cancel_the_renewal_order_before_the_commitment_is_met():
    from wagtail_passes.exceptions import CheckoutError
    from wagtail_passes.models import OrderState

    mp = renewing_pass(renewing_product(commitment_payments=2), bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 9)):
        run_renewals()
    order = Renewal.objects.get(member_pass=mp).order
    with pytest.raises(CheckoutError) as refused:
        services.cancel_order(order, mp.member)
    assert refused.value.code == "commitment_not_met"
    assert refused.value.message == (
        "This order renews your pass and you committed to 2 payments: "
        "1 of 2 payments made, 1 to go."
    )
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    services.cancel_order(order, StaffFactory())  # staff may
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED


def test_n2_member_may_cancel_a_renewal_order_once_the_commitment_is_met():
    from wagtail_passes.models import OrderState

    mp = renewing_pass(renewing_product(commitment_payments=1), bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 9)):
        run_renewals()
    order = Renewal.objects.get(member_pass=mp).order
    services.cancel_order(order, mp.member)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED


class _Declines:
    """A saved card that is declined, counting the attempts."""

    def __init__(self):
        self.calls = 0

    def __call__(self, order, attempt=1, provider=None):
        from wagtail_passes.services.gateway import ChargeOutcome

        self.calls += 1
        return ChargeOutcome("declined", "Your card was declined.")


def test_n2_staff_stop_after_the_renewal_order_cancels_it_and_charges_nothing(monkeypatch):
    """Stopping a renewal whose order exists (its card declined once, a retry due the next
    day): the unpaid order is cancelled, and the retry never charges it."""
    from wagtail_passes.models import MemberProfile, OrderState
    from wagtail_passes.services import gateway

    card = _Declines()
    monkeypatch.setattr(gateway, "charge_saved_card", card)
    mp = renewing_pass(renewing_product(commitment_payments=3), bought=local(2027, 1, 1))
    MemberProfile.objects.create(member=mp.member, stripe_customer_id="c", payment_method_id="p")
    with at(local(2027, 1, 29, 9)):
        run_renewals()
    renewal = Renewal.objects.get(member_pass=mp)
    assert card.calls == 1 and renewal.next_charge_at is not None  # a retry is due

    staff_stop_renewal(mp, StaffFactory(), "Moved abroad")

    renewal.refresh_from_db()
    assert renewal.order.state == OrderState.CANCELLED
    assert renewal.next_charge_at is None
    with at(local(2027, 1, 30, 10)):
        run_renewals()
    assert card.calls == 1


def test_n1_a_stopped_renewal_is_never_charged_even_if_its_order_stays(monkeypatch):
    """The card job's own guard: a renewal whose pass no longer renews is not charged."""
    from wagtail_passes.models import MemberPass, MemberProfile
    from wagtail_passes.services import gateway

    card = _Declines()
    monkeypatch.setattr(gateway, "charge_saved_card", card)
    mp = renewing_pass(bought=local(2027, 1, 1))
    MemberProfile.objects.create(member=mp.member, stripe_customer_id="c", payment_method_id="p")
    with at(local(2027, 1, 29, 9)):
        run_renewals()
    assert card.calls == 1
    MemberPass.objects.filter(pk=mp.pk).update(auto_renew=False)  # stopped some other way
    with at(local(2027, 1, 30, 10)):
        run_renewals()
    assert card.calls == 1
