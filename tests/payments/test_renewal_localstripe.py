"""N1 end to end against localstripe: the daily job's renewal order is charged off-session
on the member's saved card. Paid: the new pass starts the day after the old one ends (no gap,
no overlap). Declined (``pm_card_chargeCustomerFail``) or needing authentication
(``4000002500003155``): the order stays pending, the member is emailed a link to pay, and no
pass is issued. Expected dates are worked out by hand in each test."""

import datetime as dt

import pytest
from django.core import mail

from tests.renewals.helpers import at, local, renewing_pass
from wagtail_passes.models import MemberPass, OrderState, Renewal
from wagtail_passes.services.renewals import run_renewals
from wagtail_passes.test.factories import UserFactory

from .test_saved_cards_localstripe import SCA_CARD, _save

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_pass():
    # Bought 1 January 2027, 30 days: valid 1 January to 31 January (the last day included).
    # Renews when it expires: the order is created 2 days before, on 29 January.
    member = UserFactory(email="ann@example.com")
    return renewing_pass(bought=local(2027, 1, 1), member=member)


def _renew_on_29_january():
    with at(local(2027, 1, 29, 6)):
        return run_renewals()


def test_n1_renewal_charged_on_the_saved_card_continues_the_pass(localstripe, old_pass):
    assert old_pass.valid_until == dt.date(2027, 1, 31)
    _save(localstripe, old_pass.member)

    report = _renew_on_29_january()

    renewal = Renewal.objects.get(member_pass=old_pass)
    assert report.charged == [renewal.pk]
    assert renewal.order.state == OrderState.PAID
    intent = localstripe.v1.payment_intents.retrieve(renewal.order.payments.get().provider_id)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 5000, "eur")
    new = MemberPass.objects.get(order_line__order=renewal.order)
    assert renewal.new_pass_id == new.pk and new.auto_renew and new.is_paid
    # The day after 31 January, for 30 days: 1 February to 3 March 2027.
    assert (new.valid_from, new.valid_until) == (dt.date(2027, 2, 1), dt.date(2027, 3, 3))


@pytest.mark.parametrize(
    "card",
    [{"method": "pm_card_chargeCustomerFail"}, {"number": SCA_CARD}],
    ids=["declined", "sca"],
)
def test_n1_a_card_that_is_not_charged_leaves_the_renewal_order_to_pay(
    localstripe, old_pass, card, django_capture_on_commit_callbacks
):
    _save(localstripe, old_pass.member, **card)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        report = _renew_on_29_january()

    renewal = Renewal.objects.get(member_pass=old_pass)
    assert report.charge_failed == [renewal.pk] and report.charged == []
    assert renewal.order.state == OrderState.PENDING
    assert not MemberPass.objects.filter(order_line__order=renewal.order, is_paid=True).exists()
    to_member = [m for m in mail.outbox if m.to == ["ann@example.com"]]
    assert any(renewal.order.reference in m.body for m in to_member)
    # The same day again: one renewal, one order, whatever runs twice.
    _renew_on_29_january()
    assert Renewal.objects.filter(member_pass=old_pass).count() == 1
