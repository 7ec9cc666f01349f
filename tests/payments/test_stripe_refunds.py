"""Refunds through Stripe (C4, C5): the staff refund asks Stripe first (the real request
checked), a refund made in Stripe's dashboard arrives by ``charge.refunded`` and is
recorded once, and a payment for an order whose stock is gone is refunded automatically."""

import random
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import RequestFactory

from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import (
    MemberPass,
    Order,
    OrderState,
    Payment,
    PaymentEvent,
    Refund,
)
from wagtail_passes.payments.refunds import refund_with_stripe
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.services.orders import expire_orders, place_order
from wagtail_passes.test.factories import PassPageFactory, UserFactory

from ..admin import admin_url
from .fake_stripe import event, post_event

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"


def _paid_by_card(client, order, fake):
    """The order paid on Stripe's page and told by the webhook."""
    StripeProvider().start(order, RequestFactory().get("/", HTTP_HOST="studio.example.com"))
    session_id = Payment.objects.get(order=order).provider_id
    fake.pay(session_id)
    assert post_event(client, event(COMPLETED, fake.sessions[session_id])).status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    return session_id


def _refund_rows(order):
    return sorted(
        Refund.objects.filter(order=order).values_list("provider_id", "amount", "line_id")
    )


@pytest.fixture
def two_lines(member, stripe_on):
    """A card order of two passes at 45.00 each (one line of quantity 2)."""
    product = PassPageFactory(title="Ten classes", price=Decimal("45.00"), currency="EUR")
    return place_order(member, product, quantity=2, provider="stripe")


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def test_c4_staff_refund_sends_the_exact_request_eur(client, superuser, two_lines, stripe_on):
    session_id = _paid_by_card(client, two_lines, stripe_on)
    line = two_lines.lines.get()

    result = refund_with_stripe(
        two_lines, superuser, lines=[line], amounts={line: "12.34"}, reason="Goodwill"
    )

    [sent] = stripe_on.of("POST", "/v1/refunds")
    assert sent.form == {
        "payment_intent": f"pi_{session_id}",
        "amount": "1234",
        "metadata[order_reference]": two_lines.reference,
        "metadata[order_pk]": str(two_lines.pk),
        "metadata[lines]": str(line.pk),
    }
    assert sent.headers["Idempotency-Key"] == (
        f"wagtail_passes-refund-{two_lines.pk}-1-{line.pk}x1234"
    )
    assert result.refunded_now and result.amount.amount == Decimal("12.34")
    assert _refund_rows(two_lines) == [("re_test_0001", Decimal("12.34"), line.pk)]
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.PARTIALLY_REFUNDED
    refund = Refund.objects.get()
    assert (refund.provider, refund.recorded_by, refund.raw["payment_intent"]) == (
        "stripe",
        superuser,
        f"pi_{session_id}",
    )


def test_c4_staff_refund_in_a_zero_decimal_currency_jpy(client, member, superuser, stripe_on):
    product = PassPageFactory(title="Dojo month", price=Decimal("5000"), currency="JPY")
    order = place_order(member, product, provider="stripe")
    _paid_by_card(client, order, stripe_on)

    refund_with_stripe(order, superuser)

    [sent] = stripe_on.of("POST", "/v1/refunds")
    assert sent.form["amount"] == "5000"  # whole yen, no minor unit
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert MemberPass.objects.get(order_line__order=order).status == "cancelled"


def test_c4_payment_intent_is_asked_from_stripe_when_the_payment_lacks_it(
    client, superuser, two_lines, stripe_on
):
    session_id = _paid_by_card(client, two_lines, stripe_on)
    payment = Payment.objects.get(order=two_lines)
    payment.raw = {key: value for key, value in payment.raw.items() if key != "payment_intent"}
    payment.save()

    refund_with_stripe(two_lines, superuser)

    assert stripe_on.sent[-2].path == f"/v1/checkout/sessions/{session_id}"
    assert stripe_on.of("POST", "/v1/refunds")[0].form["payment_intent"] == f"pi_{session_id}"
    payment.refresh_from_db()
    assert payment.raw["payment_intent"] == f"pi_{session_id}"


def test_c4_a_stripe_error_records_nothing(client, superuser, two_lines, stripe_on):
    _paid_by_card(client, two_lines, stripe_on)
    stripe_on.fail_next(402, "invalid_request_error", "Charge has been disputed.")

    with pytest.raises(CheckoutError) as refused:
        refund_with_stripe(two_lines, superuser)

    assert refused.value.code == "provider_error"
    assert "Charge has been disputed." in refused.value.message
    assert not Refund.objects.exists()
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.PAID
    assert MemberPass.objects.filter(order_line__order=two_lines, status="cancelled").count() == 0


def test_c4_a_refusal_of_ours_never_reaches_stripe(client, superuser, two_lines, stripe_on):
    _paid_by_card(client, two_lines, stripe_on)
    line = two_lines.lines.get()

    with pytest.raises(CheckoutError) as refused:
        refund_with_stripe(two_lines, superuser, lines=[line], amounts={line: "90.01"})

    assert refused.value.code == "refund_too_large"
    assert not stripe_on.of("POST", "/v1/refunds")
    assert not Refund.objects.exists()


def test_c4_admin_refund_of_a_card_order_goes_through_stripe(
    client, superuser, two_lines, stripe_on
):
    _paid_by_card(client, two_lines, stripe_on)
    client.force_login(superuser)
    line = two_lines.lines.get()
    url = admin_url("order", "refund", two_lines.pk)
    page = client.get(url).content.decode().replace("\n", " ")
    assert "the refund is made through Stripe" in page

    stripe_on.fail_next(400, "invalid_request_error", "Stripe says no.")
    refused = client.post(url, {f"line_{line.pk}": "on", "confirm": "on"})
    assert refused.status_code == 200
    assert "Stripe says no." in refused.content.decode()
    assert not Refund.objects.exists()

    response = client.post(url, {f"line_{line.pk}": "on", "confirm": "on"})

    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("€90.00 refunded")
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.REFUNDED
    assert stripe_on.of("POST", "/v1/refunds")[-1].form["amount"] == "9000"


def test_c4_a_double_post_refunds_once_at_stripe_and_once_here(
    client, superuser, two_lines, stripe_on
):
    _paid_by_card(client, two_lines, stripe_on)
    line = two_lines.lines.get()
    keys = []
    real_refund_order = refund_with_stripe.__globals__["refund_order"]

    def recording_fails_once(*args, **kwargs):
        keys.append(stripe_on.of("POST", "/v1/refunds")[-1].headers["Idempotency-Key"])
        if len(keys) == 1:
            raise CheckoutError("the database went away", code="boom")
        return real_refund_order(*args, **kwargs)

    refund_with_stripe.__globals__["refund_order"] = recording_fails_once
    try:
        with pytest.raises(CheckoutError) as later:
            refund_with_stripe(two_lines, superuser, lines=[line], amounts={line: "10.00"})
        assert later.value.code == "recorded_later"
        refund_with_stripe(two_lines, superuser, lines=[line], amounts={line: "10.00"})
    finally:
        refund_with_stripe.__globals__["refund_order"] = real_refund_order

    assert keys[0] == keys[1]  # the same attempt: Stripe answers with the same refund
    assert len(stripe_on.refunds) == 1
    assert _refund_rows(two_lines) == [("re_test_0001", Decimal("10.00"), line.pk)]


# ---- charge.refunded -------------------------------------------------------------------


def _refunded_event(fake, charge_id, event_type="charge.refunded"):
    if event_type.startswith("refund."):
        refund = list(fake.refunds.values())[-1]
        return event(event_type, refund)
    return event(event_type, fake.charges[charge_id])


def test_c4_a_dashboard_refund_is_recorded_from_charge_refunded(
    client, two_lines, stripe_on, django_capture_on_commit_callbacks
):
    session_id = _paid_by_card(client, two_lines, stripe_on)
    charge_id = f"ch_{session_id}"
    stripe_on.refund(charge_id, 4500)  # made in Stripe's dashboard
    evt = _refunded_event(stripe_on, charge_id)

    with django_capture_on_commit_callbacks(execute=True):
        first, second = post_event(client, evt), post_event(client, evt)

    assert (first.content, second.content) == (b"refund_recorded", b"duplicate")
    assert _refund_rows(two_lines) == [("re_test_0001", Decimal("45.00"), two_lines.lines.get().pk)]
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.PARTIALLY_REFUNDED
    refund = Refund.objects.get()
    assert (refund.provider, refund.recorded_by) == ("stripe", None)
    assert [sent.path for sent in stripe_on.sent[-2:]] == [
        f"/v1/charges/{charge_id}",
        "/v1/refunds",
    ]  # asked again from Stripe, never taken from the payload
    assert PaymentEvent.objects.get(event_type="charge.refunded").order == two_lines
    assert mail.outbox[-1].subject == f"Order {two_lines.reference} partly refunded"


def test_c4_refund_events_shuffled_with_the_admins_own_refund_record_each_once(
    client, superuser, two_lines, stripe_on
):
    session_id = _paid_by_card(client, two_lines, stripe_on)
    charge_id = f"ch_{session_id}"
    line = two_lines.lines.get()
    refund_with_stripe(two_lines, superuser, lines=[line], amounts={line: "30.00"})  # re_1
    events = [
        _refunded_event(stripe_on, charge_id),
        _refunded_event(stripe_on, charge_id, "refund.created"),
    ]
    stripe_on.refund(charge_id, 2000)  # re_2, in the dashboard
    events += [
        _refunded_event(stripe_on, charge_id),
        _refunded_event(stripe_on, charge_id, "refund.updated"),
    ]
    deliveries = events * 2
    random.Random(9).shuffle(deliveries)

    answers = [post_event(client, evt).status_code for evt in deliveries]

    assert set(answers) == {200}
    assert _refund_rows(two_lines) == [
        ("re_test_0001", Decimal("30.00"), line.pk),
        ("re_test_0002", Decimal("20.00"), line.pk),
    ]
    assert Refund.objects.get(provider_id="re_test_0001").recorded_by == superuser
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.PARTIALLY_REFUNDED


def test_c4_a_refund_that_cannot_be_recorded_is_logged_and_answered_200(
    client, superuser, two_lines, stripe_on, caplog
):
    session_id = _paid_by_card(client, two_lines, stripe_on)
    charge_id = f"ch_{session_id}"
    refund_with_stripe(two_lines, superuser)  # the whole order, re_1
    stripe_on.charges[charge_id]["amount_refunded"] = 0  # Stripe let more go (say, a dispute)
    stripe_on.refund(charge_id, 1000)

    response = post_event(client, _refunded_event(stripe_on, charge_id))

    assert (response.status_code, response.content) == (200, b"refund_not_recorded")
    assert "re_test_0002" in caplog.text and "already_refunded" in caplog.text
    assert Refund.objects.filter(order=two_lines).count() == 1


def test_c4_a_charge_of_no_order_of_ours_is_answered_200(client, stripe_on):
    stripe_on.charges["ch_elsewhere"] = {
        "id": "ch_elsewhere",
        "object": "charge",
        "amount": 100,
        "amount_refunded": 100,
        "currency": "eur",
        "payment_intent": "pi_elsewhere",
        "refunded": True,
    }

    response = post_event(client, event("charge.refunded", stripe_on.charges["ch_elsewhere"]))

    assert (response.status_code, response.content) == (200, b"unknown_charge")
    assert not Refund.objects.exists()


def test_c4_refund_event_without_a_charge_is_400(client, stripe_on):
    response = post_event(client, event("charge.refunded", {"id": "cs_not_a_charge"}))

    assert response.status_code == 400
    assert not PaymentEvent.objects.exists()


# ---- C5: automatic refund ---------------------------------------------------------------


def _stock_gone(member, fake, time_machine):
    product = PassPageFactory(title="Last spot", stock_limit=1, price=Decimal("20.00"))
    order = place_order(member, product, provider="stripe")
    StripeProvider().start(order, RequestFactory().get("/"))
    order.refresh_from_db()
    time_machine.move_to(order.expires_at, tick=False)
    expire_orders()
    place_order(UserFactory(), product)  # someone else takes the last spot
    fake.pay("cs_test_0001")
    mail.outbox.clear()
    return order, product


def test_c5_payment_for_an_order_whose_stock_is_gone_is_refunded_automatically(
    client, member, stripe_on, time_machine, caplog, django_capture_on_commit_callbacks
):
    order, product = _stock_gone(member, stripe_on, time_machine)
    evt = event(COMPLETED, stripe_on.sessions["cs_test_0001"])

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, evt)

    assert (response.status_code, response.content) == (200, b"refunded")
    [sent] = stripe_on.of("POST", "/v1/refunds")
    assert sent.form["payment_intent"] == "pi_cs_test_0001"
    assert "amount" not in sent.form  # the whole payment
    assert sent.headers["Idempotency-Key"] == "wagtail_passes-autorefund-cs_test_0001"
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED  # never paid
    assert product.sold_count() == 1
    payment = Payment.objects.get(order=order)
    assert payment.raw["refunded_automatically"] == "re_test_0001"
    refund = Refund.objects.get()
    assert (refund.payment, refund.line, refund.provider, refund.amount) == (
        payment,
        None,
        "stripe",
        Decimal("20.00"),
    )
    assert "refunded automatically" in caplog.text
    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == f"Order {order.reference} refunded"
    assert "could no longer be honoured" in message.body

    # Its charge.refunded, the return page and the same event again change nothing.
    post_event(client, event("charge.refunded", stripe_on.charges["ch_cs_test_0001"]))
    post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"], event_id="evt_x"))
    client.force_login(member)
    client.get(f"/passes/orders/{order.reference}/paid/")
    assert Refund.objects.count() == 1
    assert len(stripe_on.refunds) == 1
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED


def test_c5_automatic_refund_refused_by_stripe_is_left_for_staff(
    client, member, stripe_on, time_machine, caplog
):
    order, _product = _stock_gone(member, stripe_on, time_machine)
    stripe_on.charges["ch_cs_test_0001"]["amount_refunded"] = 2000  # refunded by hand already

    response = post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"]))

    assert (response.status_code, response.content) == (200, b"refund_needed")
    payment = Payment.objects.get(order=order)
    assert payment.raw["refund_needed"] == "stock_gone"
    assert "refunded_automatically" not in payment.raw
    assert not Refund.objects.exists()
    assert "refund it in Stripe" in caplog.text


def test_c5_stripe_unreachable_for_the_automatic_refund_leaves_the_event_for_a_retry(
    client, member, stripe_on, time_machine
):
    order, _product = _stock_gone(member, stripe_on, time_machine)
    evt = event(COMPLETED, stripe_on.sessions["cs_test_0001"])
    real, down = stripe_on._refund_answer, [True]

    def maybe_down(method, path, form):
        if down[0]:
            return 500, {"error": {"type": "api_error", "message": "down"}}
        return real(method, path, form)

    stripe_on._refund_answer = maybe_down

    assert post_event(client, evt).status_code == 503
    assert not Refund.objects.exists()
    assert PaymentEvent.objects.get().processed_at is None
    down[0] = False
    assert post_event(client, evt).content == b"refunded"
    assert Refund.objects.count() == 1
    assert Order.objects.get(pk=order.pk).state == OrderState.EXPIRED


def test_c4_admin_says_a_pending_stripe_refund_is_requested_not_done(
    client, superuser, two_lines, stripe_on
):
    _paid_by_card(client, two_lines, stripe_on)
    stripe_on.refund_status = "pending"
    client.force_login(superuser)
    line = two_lines.lines.get()

    response = client.post(
        admin_url("order", "refund", two_lines.pk), {f"line_{line.pk}": "on", "confirm": "on"}
    )

    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("€90.00 refund requested")
    assert "Stripe is still processing it" in message
    assert Refund.objects.get().state == "pending"
