"""Stripe refunds that are not done at once (C4), payments that fail later (C5) and
refunds a webhook could not make (C5): signed webhook fixtures against the recording fake.

- A refund is recorded in the state of Stripe's refund object (pending / requires_action:
  pending; succeeded; failed / canceled: failed) and follows it: ``refund.updated``,
  ``charge.refund.updated`` and ``refund.failed`` re-fetch the refund and update our rows.
- A refund that fails leaves the passes cancelled for it cancelled; staff are told (order
  history, error log, the site's managers by email) and can refund again.
- ``checkout.session.async_payment_failed`` keeps the order pending, emails the member once
  with the link to their order and records it in the order's history.
"""

from decimal import Decimal

import pytest
from django.core import mail
from wagtail.models import ModelLogEntry

from wagtail_passes.models import (
    MemberPass,
    OrderState,
    Payment,
    PaymentEvent,
    PaymentState,
    Refund,
)
from wagtail_passes.models.orders import RefundState
from wagtail_passes.payments.refunds import refund_state, refund_with_stripe
from wagtail_passes.services.orders import expire_orders
from wagtail_passes.services.refunds import refund_order
from wagtail_passes.test.factories import PassPageFactory

from ..committing import committed
from .fake_stripe import event, post_event
from .test_stripe_refunds import _paid_by_card, _stock_gone

pytestmark = pytest.mark.django_db

FAILED = "checkout.session.async_payment_failed"
COMPLETED = "checkout.session.completed"
MANAGER = "desk@studio.example.com"


@pytest.fixture(autouse=True)
def managers(settings):
    settings.MANAGERS = [("Front desk", MANAGER)]


@pytest.fixture
def paid(client, member, stripe_on):
    """A card order of two passes at 45.00 each (one line of quantity 2), paid."""
    product = PassPageFactory(title="Ten classes", price=Decimal("45.00"), currency="EUR")
    from wagtail_passes.services.orders import place_order

    order = place_order(member, product, quantity=2, provider="stripe")
    session_id = _paid_by_card(client, order, stripe_on)
    mail.outbox.clear()
    return order, f"ch_{session_id}"


def _states(order):
    return sorted(Refund.objects.filter(order=order).values_list("provider_id", "state"))


def _entries(order, action):
    return list(
        ModelLogEntry.objects.filter(action=action, object_id=str(order.pk)).values_list(
            "data", flat=True
        )
    )


def _to_managers():
    return [message for message in mail.outbox if message.to == [MANAGER]]


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("pending", RefundState.PENDING),
        ("requires_action", RefundState.PENDING),
        ("succeeded", RefundState.SUCCEEDED),
        ("failed", RefundState.FAILED),
        ("canceled", RefundState.FAILED),
        (None, RefundState.PENDING),
    ],
)
def test_c4_refund_state_follows_stripes_refund_status(status, state):
    assert refund_state(status) == state


@pytest.mark.parametrize("status", ["pending", "requires_action"])
def test_c4_a_refund_stripe_has_not_finished_is_recorded_pending(
    superuser, paid, stripe_on, status
):
    order, _charge = paid
    stripe_on.refund_status = status

    with committed():
        result = refund_with_stripe(order, superuser)

    assert result.refunded_now
    assert _states(order) == [("re_test_0001", RefundState.PENDING)]
    order.refresh_from_db()
    # it counts as given back: the order is refunded and cannot be refunded twice
    assert order.state == OrderState.REFUNDED
    [entry] = _entries(order, "wagtail_passes.order.refund")
    assert entry["state"] == "pending"
    assert "not confirmed by the payment provider yet" in entry["message"]


@pytest.mark.parametrize("event_type", ["refund.updated", "charge.refund.updated"])
def test_c4_a_pending_refund_succeeds_when_stripe_says_so_asked_again(
    client, superuser, paid, stripe_on, event_type
):
    order, _charge = paid
    stripe_on.refund_status = "pending"
    with committed():
        refund_with_stripe(order, superuser)
    stale = dict(stripe_on.refunds["re_test_0001"])  # the payload says pending
    stripe_on.set_refund_status("re_test_0001", "succeeded")
    evt = event(event_type, stale)

    first, second = post_event(client, evt), post_event(client, evt)

    assert (first.content, second.content) == (b"refund_updated", b"duplicate")
    assert stripe_on.sent[-1].path == "/v1/refunds/re_test_0001"  # asked again
    assert _states(order) == [("re_test_0001", RefundState.SUCCEEDED)]
    assert Refund.objects.get().raw["status"] == "succeeded"
    assert not _to_managers()


def test_c4_a_payload_saying_succeeded_is_not_trusted(client, superuser, paid, stripe_on):
    order, _charge = paid
    stripe_on.refund_status = "pending"
    with committed():
        refund_with_stripe(order, superuser)
    forged = dict(stripe_on.refunds["re_test_0001"], status="succeeded")

    response = post_event(client, event("refund.updated", forged))

    assert response.content == b"refund_known"
    assert _states(order) == [("re_test_0001", RefundState.PENDING)]


def test_c4_a_refund_that_fails_keeps_passes_cancelled_tells_staff_and_can_be_made_again(
    client, superuser, paid, stripe_on, caplog, django_capture_on_commit_callbacks
):
    order, _charge = paid
    with committed():
        refund_with_stripe(order, superuser)  # succeeded at once, the passes cancelled
    assert MemberPass.objects.filter(order_line__order=order, status="cancelled").count() == 2
    stripe_on.set_refund_status("re_test_0001", "failed", "expired_or_canceled_card")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event("refund.failed", stripe_on.refunds["re_test_0001"]))

    assert (response.status_code, response.content) == (200, b"refund_failed")
    assert _states(order) == [("re_test_0001", RefundState.FAILED)]
    order.refresh_from_db()
    assert order.state == OrderState.PARTIALLY_REFUNDED  # what failed is refundable again
    assert MemberPass.objects.filter(order_line__order=order, status="cancelled").count() == 2
    [entry] = _entries(order, "wagtail_passes.order.refund_failed")
    assert "expired_or_canceled_card" in entry["message"]
    assert "€90.00" in entry["message"]
    assert entry["refund_id"] == "re_test_0001"
    [told] = _to_managers()
    assert told.subject.endswith(f"Order {order.reference} needs your attention")
    assert "re_test_0001" in told.body and "did not go back" in told.body
    assert "re_test_0001" in caplog.text
    assert not [message for message in mail.outbox if message.to == [order.member.email]]

    # An older event arriving late, or the same news again, changes nothing and tells no one.
    with django_capture_on_commit_callbacks(execute=True):
        late = post_event(client, event("refund.updated", stripe_on.refunds["re_test_0001"]))
    assert late.content == b"refund_known"
    assert len(_entries(order, "wagtail_passes.order.refund_failed")) == 1
    assert len(_to_managers()) == 1

    # Staff refund again: the failed refund no longer counts, the new one does.
    with committed():
        result = refund_with_stripe(order, superuser)
    assert result.amount.amount == Decimal("90.00")
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert _states(order) == [
        ("re_test_0001", RefundState.FAILED),
        ("re_test_0002", RefundState.SUCCEEDED),
    ]


def test_c4_a_refund_over_several_lines_fails_on_every_row(client, member, superuser, stripe_on):
    from wagtail_passes.services.orders import Item, place_basket

    order = place_basket(
        member,
        [Item(PassPageFactory(price=Decimal("10.00"))), Item(PassPageFactory(price=Decimal("5")))],
        provider="stripe",
    )
    _paid_by_card(client, order, stripe_on)
    with committed():
        refund_with_stripe(order, superuser)
    first, second = order.lines.all()
    stripe_on.set_refund_status("re_test_0001", "canceled")

    response = post_event(client, event("refund.updated", stripe_on.refunds["re_test_0001"]))

    assert response.content == b"refund_failed"
    assert _states(order) == [
        (f"re_test_0001#{first.pk}", RefundState.FAILED),
        (f"re_test_0001#{second.pk}", RefundState.FAILED),
    ]


def test_c4_a_pending_dashboard_refund_is_recorded_pending_then_fails(client, paid, stripe_on):
    order, charge = paid
    stripe_on.refund(charge, 4500, status="pending")  # made in Stripe's dashboard

    created = post_event(client, event("refund.created", stripe_on.refunds["re_test_0001"]))
    assert created.content == b"refund_recorded"
    assert _states(order) == [("re_test_0001", RefundState.PENDING)]

    stripe_on.set_refund_status("re_test_0001", "failed")
    refunded = post_event(client, event("charge.refunded", stripe_on.charges[charge]))

    assert refunded.content == b"refund_updated"
    assert _states(order) == [("re_test_0001", RefundState.FAILED)]
    assert len(_entries(order, "wagtail_passes.order.refund_failed")) == 1
    order.refresh_from_db()
    assert order.state == OrderState.PARTIALLY_REFUNDED


def test_c4_a_failed_dashboard_refund_never_recorded_is_not_recorded(client, paid, stripe_on):
    order, charge = paid
    stripe_on.refund(charge, 4500, status="failed")

    response = post_event(client, event("refund.created", stripe_on.refunds["re_test_0001"]))

    assert response.content == b"refund_known"
    assert not Refund.objects.exists()


def test_c4_a_refund_event_of_no_order_of_ours_is_200_and_a_non_refund_is_400(client, stripe_on):
    stripe_on.refunds["re_elsewhere"] = {
        "id": "re_elsewhere",
        "object": "refund",
        "amount": 100,
        "currency": "eur",
        "charge": None,
        "status": "succeeded",
    }

    unknown = post_event(client, event("refund.updated", stripe_on.refunds["re_elsewhere"]))
    bad = post_event(client, event("refund.updated", {"id": "ch_not_a_refund"}))

    assert (unknown.status_code, unknown.content) == (200, b"unknown_refund")
    assert bad.status_code == 400
    assert not Refund.objects.exists()


def test_c4_refund_order_never_records_a_failed_refund(superuser, paid):
    order, _charge = paid
    with pytest.raises(ValueError):
        refund_order(order, superuser, provider="stripe", provider_id="re_x", state="failed")
    assert not Refund.objects.exists()


# ---- C5: checkout.session.async_payment_failed -------------------------------------------


@pytest.fixture
def slow_session(card_order, stripe_on, client):
    from django.test import RequestFactory

    from wagtail_passes.payments.stripe import StripeProvider

    StripeProvider().start(card_order, RequestFactory().get("/", HTTP_HOST="studio.example.com"))
    session = stripe_on.pay("cs_test_0001", payment_status="unpaid")  # a bank debit, say
    assert post_event(client, event(COMPLETED, session)).content == b"waiting"
    mail.outbox.clear()
    return session


def test_c5_async_payment_failed_emails_the_member_once_with_the_link_to_pay_again(
    client, card_order, slow_session, django_capture_on_commit_callbacks
):
    evt = event(FAILED, slow_session)

    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(client, evt)
    with django_capture_on_commit_callbacks(execute=True):
        second = post_event(client, evt)  # Stripe delivers it again

    assert (first.content, second.content) == (b"failed", b"duplicate")
    card_order.refresh_from_db()
    assert card_order.state == OrderState.PENDING  # held until its own hold ends
    assert Payment.objects.get(order=card_order).state == PaymentState.FAILED
    [message] = mail.outbox
    assert message.to == [card_order.member.email]
    assert message.subject == f"Payment for order {card_order.reference} did not go through"
    assert f"/passes/orders/{card_order.reference}/" in message.body
    assert "To pay again, open your order" in message.body
    [html] = [body for body, kind in message.alternatives if kind == "text/html"]
    assert f"/passes/orders/{card_order.reference}/" in html
    [entry] = _entries(card_order, "wagtail_passes.order.payment_failed")
    assert entry["payment"] == "cs_test_0001"
    assert PaymentEvent.objects.filter(event_type=FAILED).count() == 1


def test_c5_async_payment_failed_for_an_expired_order_is_recorded_without_an_email(
    client, card_order, slow_session, time_machine, django_capture_on_commit_callbacks
):
    card_order.refresh_from_db()
    time_machine.move_to(card_order.expires_at, tick=False)
    expire_orders()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event(FAILED, slow_session))

    assert response.content == b"failed"
    assert mail.outbox == []
    assert len(_entries(card_order, "wagtail_passes.order.payment_failed")) == 1


def test_c5_async_payment_failed_for_a_paid_session_pays_it_and_tells_no_one(
    client, card_order, slow_session, stripe_on, django_capture_on_commit_callbacks
):
    stripe_on.pay("cs_test_0001")  # Stripe says paid after all: the payload is not trusted

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event(FAILED, slow_session))

    assert response.content == b"fulfilled"
    assert not _entries(card_order, "wagtail_passes.order.payment_failed")
    assert not [m for m in mail.outbox if "did not go through" in m.subject]


# ---- C5: a refund the webhook had to make and could not -------------------------------------


def test_c5_automatic_refund_refused_tells_staff_and_answers_200(
    client, member, stripe_on, time_machine, django_capture_on_commit_callbacks
):
    order, _product = _stock_gone(member, stripe_on, time_machine)
    stripe_on.charges["ch_cs_test_0001"]["amount_refunded"] = 2000  # Stripe refuses

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"]))

    # Answered once the refund was requested (committed); Stripe's refusal then released
    # the request and told staff.
    assert (response.status_code, response.content) == (200, b"refunded")
    assert _states(order) == [("", RefundState.FAILED)]
    [problem] = _entries(order, "wagtail_passes.order.money_problem")
    assert "sold out since" in problem["message"] and problem["code"] == "stock_gone"
    [entry] = _entries(order, "wagtail_passes.order.refund_failed")
    assert "was refused by the payment provider" in entry["message"]
    told = _to_managers()
    assert len(told) == 2 and all(order.reference in m.subject for m in told)
    row = PaymentEvent.objects.get()
    assert row.processed_at is not None
    assert row.payload["wagtail_passes"] == {"outcome": "refunded", "detail": "stock_gone"}


def test_c5_automatic_refund_that_stripe_reports_failed_tells_staff(
    client, member, stripe_on, time_machine, django_capture_on_commit_callbacks
):
    order, _product = _stock_gone(member, stripe_on, time_machine)
    stripe_on.refund_status = "failed"

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"]))

    assert (response.status_code, response.content) == (200, b"refunded")
    assert _states(order) == [("re_test_0001", RefundState.FAILED)]
    assert len(_entries(order, "wagtail_passes.order.refund_failed")) == 1
    assert len(_to_managers()) == 2  # the money that cannot stay, then its refund failing
    assert not [m for m in mail.outbox if m.to == [member.email]]  # no "refunded" email
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED


def test_c5_automatic_refund_pending_then_succeeded(client, member, stripe_on, time_machine):
    order, _product = _stock_gone(member, stripe_on, time_machine)
    stripe_on.refund_status = "pending"

    with committed():
        response = post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"]))
    assert response.content == b"refunded"
    assert _states(order) == [("re_test_0001", RefundState.PENDING)]
    stripe_on.set_refund_status("re_test_0001", "succeeded")

    response = post_event(client, event("refund.updated", stripe_on.refunds["re_test_0001"]))

    assert response.content == b"refund_updated"
    assert _states(order) == [("re_test_0001", RefundState.SUCCEEDED)]
