"""The Stripe webhook (C3, C5): verified, recorded once, re-fetched, fulfilled once."""

import random
import time

import pytest
from django.test import RequestFactory

from wagtail_passes.models import (
    MemberPass,
    OrderState,
    Payment,
    PaymentEvent,
    PaymentState,
)
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.services.orders import expire_orders, place_order
from wagtail_passes.test.factories import PassPageFactory, UserFactory

from .fake_stripe import event, post_event

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"
SUCCEEDED = "checkout.session.async_payment_succeeded"
FAILED = "checkout.session.async_payment_failed"
EXPIRED = "checkout.session.expired"


@pytest.fixture
def session(card_order, stripe_on):
    request = RequestFactory().get("/", HTTP_HOST="studio.example.com")
    StripeProvider().start(card_order, request)
    return stripe_on.sessions["cs_test_0001"]


def _state(order):
    order.refresh_from_db()
    payments = sorted(Payment.objects.filter(order=order).values_list("provider_id", "state"))
    return order.state, MemberPass.objects.filter(order_line__order=order).count(), payments


def test_c3_signed_completed_paid_event_fulfils_once(client, card_order, session, stripe_on):
    stripe_on.pay(session["id"])

    response = post_event(client, event(COMPLETED, session))

    assert response.status_code == 200
    assert _state(card_order) == (OrderState.PAID, 1, [("cs_test_0001", PaymentState.SUCCEEDED)])
    row = PaymentEvent.objects.get()
    assert (row.event_type, row.order, row.processed_at is not None) == (
        COMPLETED,
        card_order,
        True,
    )
    # the session was asked for again from Stripe before acting
    assert stripe_on.sent[-1].method == "GET"
    assert stripe_on.sent[-1].path == "/v1/checkout/sessions/cs_test_0001"


@pytest.mark.parametrize(
    "how",
    ["wrong_secret", "stale", "missing", "garbage", "tampered"],
)
def test_c3_bad_signature_or_stale_timestamp_is_400_and_writes_nothing(
    client, card_order, session, stripe_on, how
):
    stripe_on.pay(session["id"])
    evt = event(COMPLETED, session)
    kwargs = {
        "wrong_secret": {"secret": "whsec_someone_else"},
        "stale": {"timestamp": int(time.time()) - 3600},
        "missing": {"signature": ""},
        "garbage": {"signature": "t=abc,v1=nothing"},
        "tampered": {},
    }[how]
    if how == "tampered":
        import json

        from .fake_stripe import signed

        header = signed(json.dumps(evt))
        evt["data"]["object"]["id"] = "cs_test_other"
        kwargs = {"signature": header}
    sent_before = len(stripe_on.sent)

    response = post_event(client, evt, **kwargs)

    assert response.status_code == 400
    assert not PaymentEvent.objects.exists()
    assert _state(card_order) == (OrderState.PENDING, 0, [("cs_test_0001", PaymentState.PENDING)])
    assert len(stripe_on.sent) == sent_before  # Stripe not even asked


def test_c3_the_same_event_twice_fulfils_once(client, card_order, session, stripe_on):
    stripe_on.pay(session["id"])
    evt = event(COMPLETED, session)

    first, second = post_event(client, evt), post_event(client, evt)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"duplicate"
    assert _state(card_order)[:2] == (OrderState.PAID, 1)
    assert PaymentEvent.objects.count() == 1


def test_c3_payload_is_not_trusted_refetched_session_unpaid_fulfils_nothing(
    client, card_order, session, stripe_on
):
    forged = dict(session, status="complete", payment_status="paid")  # what the payload says

    response = post_event(client, event(COMPLETED, forged))

    assert response.status_code == 200
    assert _state(card_order) == (OrderState.PENDING, 0, [("cs_test_0001", PaymentState.PENDING)])


def test_c3_async_payment_waits_then_succeeds(client, card_order, session, stripe_on):
    stripe_on.pay(session["id"], payment_status="unpaid")  # SEPA debit: completed, not paid
    assert post_event(client, event(COMPLETED, session)).content == b"waiting"
    assert _state(card_order)[:2] == (OrderState.PENDING, 0)

    stripe_on.pay(session["id"])
    assert post_event(client, event(SUCCEEDED, session)).content == b"fulfilled"
    assert _state(card_order)[:2] == (OrderState.PAID, 1)


def test_c5_async_payment_failed_marks_payment_failed_order_stays_pending(
    client, card_order, session, stripe_on
):
    stripe_on.pay(session["id"], payment_status="unpaid")

    post_event(client, event(COMPLETED, session))
    response = post_event(client, event(FAILED, session))

    assert response.status_code == 200
    assert _state(card_order) == (OrderState.PENDING, 0, [("cs_test_0001", PaymentState.FAILED)])


def test_c5_expired_session_fails_the_attempt_and_the_hold_expires_the_order(
    client, card_order, session, stripe_on, time_machine
):
    stripe_on.sessions[session["id"]]["status"] = "expired"

    post_event(client, event(EXPIRED, session))

    assert _state(card_order) == (OrderState.PENDING, 0, [("cs_test_0001", PaymentState.FAILED)])
    time_machine.move_to(card_order.expires_at, tick=False)
    assert expire_orders() == 1
    assert _state(card_order)[0] == OrderState.EXPIRED


@pytest.mark.parametrize("seed", range(6))
def test_c3_every_event_shuffled_and_duplicated_gives_the_same_final_state(
    client, card_order, session, stripe_on, seed
):
    stripe_on.pay(session["id"])  # the final truth at Stripe: paid
    events = [event(COMPLETED, session), event(SUCCEEDED, session), event(EXPIRED, session)]
    deliveries = events * 2 + [events[0]]
    random.Random(seed).shuffle(deliveries)

    codes = {post_event(client, evt).status_code for evt in deliveries}

    assert codes == {200}
    assert _state(card_order) == (OrderState.PAID, 1, [("cs_test_0001", PaymentState.SUCCEEDED)])
    assert PaymentEvent.objects.count() == 3


def test_c5_payment_for_an_expired_order_is_honoured_while_stock_allows(
    client, member, stripe_on, time_machine
):
    product = PassPageFactory(title="Last spot", stock_limit=1)
    order = place_order(member, product, provider="stripe")
    StripeProvider().start(order, RequestFactory().get("/"))
    order.refresh_from_db()
    time_machine.move_to(order.expires_at, tick=False)
    expire_orders()
    stripe_on.pay("cs_test_0001")

    post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"]))

    assert _state(order)[:2] == (OrderState.PAID, 1)


def test_c5_payment_for_an_expired_order_whose_stock_went_is_refunded(
    client, member, stripe_on, time_machine, caplog
):
    product = PassPageFactory(title="Last spot", stock_limit=1)
    order = place_order(member, product, provider="stripe")
    StripeProvider().start(order, RequestFactory().get("/"))
    order.refresh_from_db()
    time_machine.move_to(order.expires_at, tick=False)
    expire_orders()
    place_order(UserFactory(), product)  # someone else takes the last spot
    stripe_on.pay("cs_test_0001")

    response = post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"]))

    assert response.status_code == 200
    assert response.content == b"refunded"
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    assert product.sold_count() == 1
    payment = Payment.objects.get(order=order)
    assert payment.raw["refund_needed"] == "stock_gone"
    row = PaymentEvent.objects.get()
    assert row.payload["wagtail_passes"] == {"outcome": "refunded", "detail": "stock_gone"}
    assert "refunded automatically" in caplog.text


def test_c2_unknown_event_types_are_ignored(client, stripe_on):
    response = post_event(client, event("customer.created", {"id": "cus_1"}))

    assert (response.status_code, response.content) == (200, b"ignored")
    assert not PaymentEvent.objects.exists()


def test_c2_webhook_is_post_only_and_off_without_stripe(client, settings, stripe_on):
    assert client.get("/passes/webhooks/stripe/").status_code == 405
    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = ""
    assert post_event(client, event(COMPLETED, {"id": "cs_x"})).status_code == 404


def test_c3_stripe_unreachable_on_refetch_leaves_the_event_for_a_retry(
    client, card_order, session, stripe_on
):
    stripe_on.pay(session["id"])
    evt = event(COMPLETED, session)
    stripe_on.fail_next(500)

    assert post_event(client, evt).status_code == 503
    assert PaymentEvent.objects.get().processed_at is None
    assert _state(card_order)[:2] == (OrderState.PENDING, 0)

    assert post_event(client, evt).status_code == 200  # Stripe's retry
    assert _state(card_order)[:2] == (OrderState.PAID, 1)
