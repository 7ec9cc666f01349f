"""N1: the saved card is charged off-session for a renewal order (the charge itself is the
card provider's, ``services.gateway.charge_saved_card``, replaced here by a stand-in that
answers each outcome); a decline or a bank asking for authentication leaves the order
pending, emails the member a link to pay, tells staff, and retries are bounded."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core import mail

from wagtail_passes import services
from wagtail_passes.models import MemberProfile, Order, OrderState, Renewal
from wagtail_passes.services import gateway
from wagtail_passes.services.renewals import run_renewals

from .helpers import at, local, renewing_pass

pytestmark = pytest.mark.django_db


@dataclass
class Outcome:
    status: str
    message: str = ""


class FakeCharge:
    """Answers ``statuses`` in turn; "paid" pays the order as the real module does."""

    def __init__(self, *statuses):
        self.statuses = list(statuses)
        self.calls = []

    def __call__(self, order, attempt=1, provider=None):
        self.calls.append((order.reference, attempt))
        status = self.statuses.pop(0) if self.statuses else "declined"
        if status == "paid":
            services.fulfil_order(order, provider="stripe", provider_id=f"pi_{attempt}")
        return Outcome(status, f"stand-in: {status}")


@pytest.fixture
def charge(monkeypatch):
    def install(*statuses):
        fake = FakeCharge(*statuses)
        monkeypatch.setattr(gateway, "charge_saved_card", fake)
        return fake

    return install


def with_card(mp):
    MemberProfile.objects.create(
        member=mp.member, stripe_customer_id="cus_1", payment_method_id="pm_1", card_last4="4242"
    )
    return mp


def subjects_to(address):
    return [m.subject for m in mail.outbox if m.to == [address]]


def test_n1_saved_card_is_charged_and_the_renewal_continues_the_pass(
    charge, django_capture_on_commit_callbacks
):
    fake = charge("paid")
    mp = with_card(renewing_pass(bought=local(2027, 1, 1)))
    with at(local(2027, 1, 29, 4)), django_capture_on_commit_callbacks(execute=True):
        report = run_renewals()
    renewal = Renewal.objects.get(member_pass=mp)
    assert report.ordered == [mp.pk] and report.charged == [renewal.pk]
    assert fake.calls == [(renewal.order.reference, 1)]
    renewal.refresh_from_db()
    assert renewal.order.state == OrderState.PAID
    assert renewal.new_pass.valid_from == dt.date(2027, 2, 1)
    assert renewal.charge_attempts == 1
    # The member hears about the renewal (card to be charged) and the payment, not a failure.
    to_member = subjects_to(mp.member.email)
    assert len(to_member) == 2 and not any("waiting for payment" in s for s in to_member)
    with at(local(2027, 1, 30, 4)):
        again = run_renewals()
    assert again.charged == [] and fake.calls == [(renewal.order.reference, 1)]


@pytest.mark.parametrize("status", ["declined", "authentication_required"])
def test_n1_failed_charge_leaves_the_order_pending_member_emailed_staff_told(
    charge, django_capture_on_commit_callbacks, settings, status
):
    settings.MANAGERS = [("Desk", "desk@example.com")]
    fake = charge(status)
    mp = with_card(renewing_pass(bought=local(2027, 1, 1)))
    with at(local(2027, 1, 29, 4)), django_capture_on_commit_callbacks(execute=True):
        report = run_renewals()
    renewal = Renewal.objects.get(member_pass=mp)
    assert report.charge_failed == [renewal.pk]
    assert renewal.order.state == OrderState.PENDING
    assert renewal.charge_attempts == 1
    assert renewal.last_charge_error == f"stand-in: {status}"
    failed = [m for m in mail.outbox if "waiting for payment" in m.subject]
    assert len(failed) == 1 and failed[0].to == [mp.member.email]
    assert renewal.order.reference in failed[0].body and "/orders/" in failed[0].body
    if status == "authentication_required":
        assert "confirm the payment" in failed[0].body
        assert renewal.next_charge_at is None  # off-session cannot authenticate: no retry
    else:
        assert renewal.next_charge_at == local(2027, 1, 30, 4)  # 24 hours later
    assert len(subjects_to("desk@example.com")) == 1
    assert len(fake.calls) == 1


def test_n1_retries_are_bounded_and_never_make_a_second_order(
    charge, django_capture_on_commit_callbacks, settings
):
    settings.MANAGERS = [("Desk", "desk@example.com")]
    fake = charge("declined", "declined", "declined", "paid")
    mp = with_card(renewing_pass(bought=local(2027, 1, 1)))
    with django_capture_on_commit_callbacks(execute=True):
        with at(local(2027, 1, 29, 4)):
            run_renewals()
        with at(local(2027, 1, 29, 20)):  # too early for the retry
            run_renewals()
        for day in (30, 31):  # the next days' runs, a little earlier than the day before
            with at(local(2027, 1, day, 3, 58)):
                run_renewals()
        for day in (32, 33):  # 1 and 2 February: the three attempts are spent
            with at(local(2027, 2, day - 31, 4, 2)):
                run_renewals()
    renewal = Renewal.objects.get(member_pass=mp)
    assert [attempt for _ref, attempt in fake.calls] == [1, 2, 3]
    assert renewal.charge_attempts == 3 and renewal.next_charge_at is None
    assert renewal.order.state == OrderState.PENDING
    assert Order.objects.filter(member=mp.member).count() == 1
    # One "pay it yourself" email and one message to staff, not one per attempt.
    assert len([m for m in mail.outbox if "waiting for payment" in m.subject]) == 1
    assert len(subjects_to("desk@example.com")) == 1


def test_n1_retry_setting_bounds_the_attempts(charge, settings):
    settings.WAGTAIL_PASSES_RENEWAL_CHARGE_ATTEMPTS = 1
    fake = charge("unavailable", "paid")
    mp = with_card(renewing_pass(bought=local(2027, 1, 1)))
    with at(local(2027, 1, 29, 4)):
        run_renewals()
    with at(local(2027, 1, 31, 4)):
        run_renewals()
    assert len(fake.calls) == 1
    assert Renewal.objects.get(member_pass=mp).order.state == OrderState.PENDING


def test_n1_no_saved_card_emails_the_pay_link_and_charges_nothing(
    charge, django_capture_on_commit_callbacks
):
    fake = charge("paid")
    mp = renewing_pass(bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 4)), django_capture_on_commit_callbacks(execute=True):
        run_renewals()
    renewal = Renewal.objects.get(member_pass=mp)
    assert fake.calls == [] and renewal.next_charge_at is None
    (message,) = mail.outbox
    assert message.to == [mp.member.email]
    assert f"/orders/{renewal.order.reference}/" in message.body
    assert "1 February 2027" in message.body  # when the new pass starts


def test_n1_card_removed_before_the_charge_is_not_charged(
    charge, django_capture_on_commit_callbacks
):
    fake = charge("paid")
    mp = with_card(renewing_pass(bought=local(2027, 1, 1)))
    with at(local(2027, 1, 29, 4)):
        services.renewal_job.renew_pass(
            mp.pk,
            dt.date(2027, 1, 29),
            local(2027, 1, 29, 4),
            services.renewal_job.RenewalReport(dt.date(2027, 1, 29)),
        )
    MemberProfile.objects.filter(member=mp.member).update(payment_method_id="")
    with at(local(2027, 1, 29, 5)), django_capture_on_commit_callbacks(execute=True):
        report = run_renewals()
    assert fake.calls == []
    renewal = Renewal.objects.get(member_pass=mp)
    assert report.charge_failed == [renewal.pk] and renewal.next_charge_at is None
    assert [m.to for m in mail.outbox if "waiting for payment" in m.subject] == [[mp.member.email]]
