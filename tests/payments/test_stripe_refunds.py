"""Refunds through Stripe (C4, C5): the staff refund asks Stripe first (the real request
checked), a refund made in Stripe's dashboard arrives by ``charge.refunded`` and is
recorded once, and a payment for an order whose stock is gone is refunded automatically."""

import datetime as dt
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
    PaymentIssue,
    Refund,
    RefundState,
)
from wagtail_passes.payments.refunds import refund_with_stripe
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.services.orders import Item, expire_orders, place_basket, place_order
from wagtail_passes.services.refund_requests import send_waiting_requests
from wagtail_passes.services.refunds import refundable
from wagtail_passes.test.factories import PassPageFactory, UserFactory

from ..admin import admin_url, form_token, post_form
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


def test_c4_staff_refund_sends_the_exact_request_eur(
    client, superuser, two_lines, stripe_on, committed
):
    session_id = _paid_by_card(client, two_lines, stripe_on)
    line = two_lines.lines.get()

    with committed():
        result = refund_with_stripe(
            two_lines, superuser, lines=[line], amounts={line: "12.34"}, reason="Goodwill"
        )

    refund = Refund.objects.get()
    [sent] = stripe_on.of("POST", "/v1/refunds")
    assert sent.form == {
        "payment_intent": f"pi_{session_id}",
        "amount": "1234",
        "metadata[wagtail_passes_refund]": refund.request_key,
        "metadata[order_reference]": two_lines.reference,
        "metadata[order_pk]": str(two_lines.pk),
        "metadata[lines]": str(line.pk),
    }
    # Intent first: the key is the request's, written and committed before Stripe is asked.
    assert sent.headers["Idempotency-Key"] == f"wagtail_passes-refund-{refund.request_key}"
    assert result.refunds[0].amount == Decimal("12.34")
    assert _refund_rows(two_lines) == [("re_test_0001", Decimal("12.34"), line.pk)]
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.PARTIALLY_REFUNDED
    assert (refund.provider, refund.recorded_by, refund.raw["payment_intent"]) == (
        "stripe",
        superuser,
        f"pi_{session_id}",
    )


def test_c4_staff_refund_in_a_zero_decimal_currency_jpy(
    client, member, superuser, stripe_on, committed
):
    product = PassPageFactory(title="Dojo month", price=Decimal("5000"), currency="JPY")
    order = place_order(member, product, provider="stripe")
    _paid_by_card(client, order, stripe_on)

    with committed():
        refund_with_stripe(order, superuser)

    [sent] = stripe_on.of("POST", "/v1/refunds")
    assert sent.form["amount"] == "5000"  # whole yen, no minor unit
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert MemberPass.objects.get(order_line__order=order).status == "cancelled"


def test_c4_payment_intent_is_asked_from_stripe_when_the_payment_lacks_it(
    client, superuser, two_lines, stripe_on, committed
):
    session_id = _paid_by_card(client, two_lines, stripe_on)
    payment = Payment.objects.get(order=two_lines)
    payment.raw = {key: value for key, value in payment.raw.items() if key != "payment_intent"}
    payment.intent_id = ""
    payment.save()

    with committed():
        refund_with_stripe(two_lines, superuser)

    assert stripe_on.sent[-2].path == f"/v1/checkout/sessions/{session_id}"
    assert stripe_on.of("POST", "/v1/refunds")[0].form["payment_intent"] == f"pi_{session_id}"
    payment.refresh_from_db()
    assert payment.intent_id == f"pi_{session_id}"


def test_c4_a_refund_stripe_refuses_releases_its_reservation_and_changes_nothing_else(
    client, superuser, two_lines, stripe_on, committed
):
    _paid_by_card(client, two_lines, stripe_on)
    stripe_on.fail_next(402, "invalid_request_error", "Charge has been disputed.")

    with committed():
        refund_with_stripe(two_lines, superuser)

    refund = Refund.objects.get()
    assert refund.state == RefundState.FAILED
    assert "Charge has been disputed." in refund.raw["refused"]
    assert refundable(two_lines)[0].left.amount == Decimal("90.00")  # the reservation is gone
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.PAID
    assert MemberPass.objects.filter(order_line__order=two_lines, status="cancelled").count() == 0
    issue = PaymentIssue.objects.open().get()
    assert (issue.kind, issue.refund) == ("refund_failed", refund)


def test_c4_stripe_unreachable_leaves_the_request_for_the_tidy_job_which_sends_it_once(
    client, superuser, two_lines, stripe_on, committed, time_machine
):
    """Intent first: the request is committed before Stripe is asked; when Stripe cannot be
    reached (or the process dies before recording the answer), the tidy job asks again
    with the same idempotency key, so the member is refunded once."""
    _paid_by_card(client, two_lines, stripe_on)
    stripe_on.fail_next(503, "api_error", "Stripe is down.")

    with committed():
        refund_with_stripe(two_lines, superuser)

    refund = Refund.objects.get()
    assert refund.state == RefundState.REQUESTED  # reserved: it counts while it waits
    assert refundable(two_lines)[0].left.amount == Decimal("0.00")
    time_machine.move_to(refund.created_at + dt.timedelta(minutes=5))
    with committed():
        assert send_waiting_requests()["sent"] == 1
        assert send_waiting_requests()["sent"] == 0  # answered: nothing waits any more
    refund.refresh_from_db()
    assert (refund.state, refund.provider_id) == (RefundState.SUCCEEDED, "re_test_0001")
    keys = {sent.headers["Idempotency-Key"] for sent in stripe_on.of("POST", "/v1/refunds")}
    assert keys == {f"wagtail_passes-refund-{refund.request_key}"}
    assert len(stripe_on.refunds) == 1
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.REFUNDED


def test_c4_a_refusal_of_ours_never_reaches_stripe(client, superuser, two_lines, stripe_on):
    _paid_by_card(client, two_lines, stripe_on)
    line = two_lines.lines.get()

    with pytest.raises(CheckoutError) as refused:
        refund_with_stripe(two_lines, superuser, lines=[line], amounts={line: "90.01"})

    assert refused.value.code == "refund_too_large"
    assert not stripe_on.of("POST", "/v1/refunds")
    assert not Refund.objects.exists()


@pytest.mark.django_db(transaction=True)  # real commits: Stripe is asked once committed
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
    refused = post_form(client, url, {f"line_{line.pk}": "on", "confirm": "on"})
    assert refused.status_code == 200
    assert "Stripe says no. Nothing was refunded." in refused.content.decode()
    assert Refund.objects.get().state == RefundState.FAILED  # its reservation, released

    # Sent again from the page that said so: a new token, so a new request to Stripe.
    again = {f"line_{line.pk}": "on", "confirm": "on", "form_token": form_token(refused)}
    response = client.post(url, again)

    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("€90.00 refunded")
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.REFUNDED
    assert stripe_on.of("POST", "/v1/refunds")[-1].form["amount"] == "9000"


def test_c4_the_answer_lost_the_webhook_records_the_refund_on_the_lines_staff_chose(
    client, member, superuser, stripe_on, committed
):
    """Item 13: staff refund the second line; the process dies before Stripe's answer is
    recorded; Stripe's charge.refunded finds the request by the key it carries and puts
    the refund on that line (not spread over the lines in order), so that line's pass is
    cancelled and the other's stays."""
    first_product = PassPageFactory(title="Ten classes", price=Decimal("45.00"))
    second_product = PassPageFactory(title="Open mat", price=Decimal("30.00"))
    order = place_basket(member, [Item(first_product), Item(second_product)], provider="stripe")
    session_id = _paid_by_card(client, order, stripe_on)
    first, second = order.lines.order_by("pk")
    result = refund_with_stripe(order, superuser, lines=[second])  # requested, not sent yet
    key = result.refunds[0].request_key
    # Stripe made it (the request went out) but the answer never reached the database.
    stripe_on.refund(
        f"ch_{session_id}", 3000, metadata={"wagtail_passes_refund": key, "lines": str(second.pk)}
    )

    with committed():
        response = post_event(client, _refunded_event(stripe_on, f"ch_{session_id}"))

    assert response.content == b"refund_recorded"
    assert _refund_rows(order) == [("re_test_0001", Decimal("30.00"), second.pk)]
    states = dict(
        MemberPass.objects.filter(order_line__order=order).values_list("order_line", "status")
    )
    assert states == {first.pk: "active", second.pk: "cancelled"}
    order.refresh_from_db()
    assert order.state == OrderState.PARTIALLY_REFUNDED


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
    client, superuser, two_lines, stripe_on, committed
):
    session_id = _paid_by_card(client, two_lines, stripe_on)
    charge_id = f"ch_{session_id}"
    line = two_lines.lines.get()
    with committed():
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

    with committed():
        answers = [post_event(client, evt).status_code for evt in deliveries]

    assert set(answers) == {200}
    assert _refund_rows(two_lines) == [
        ("re_test_0001", Decimal("30.00"), line.pk),
        ("re_test_0002", Decimal("20.00"), line.pk),
    ]
    assert Refund.objects.get(provider_id="re_test_0001").recorded_by == superuser
    two_lines.refresh_from_db()
    assert two_lines.state == OrderState.PARTIALLY_REFUNDED


def test_c4_a_dashboard_refund_beyond_the_lines_is_recorded_on_the_payment_and_told(
    client, superuser, two_lines, stripe_on, caplog, committed
):
    session_id = _paid_by_card(client, two_lines, stripe_on)
    charge_id = f"ch_{session_id}"
    with committed():
        refund_with_stripe(two_lines, superuser)  # the whole order, re_1
    stripe_on.charges[charge_id]["amount_refunded"] = 0  # Stripe let more go (say, a dispute)
    stripe_on.refund(charge_id, 1000)

    response = post_event(client, _refunded_event(stripe_on, charge_id))

    # The money went back all the same: recorded (on the payment, no line), staff told.
    assert (response.status_code, response.content) == (200, b"refund_recorded")
    assert "re_test_0002" in caplog.text and "already_refunded" in caplog.text
    extra = Refund.objects.get(provider_id="re_test_0002")
    assert (extra.line, extra.amount, extra.payment.provider_id) == (
        None,
        Decimal("10.00"),
        session_id,
    )
    assert PaymentIssue.objects.open().get(order=two_lines).kind == "refund_needed"


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
    client, member, stripe_on, time_machine, caplog, committed
):
    order, product = _stock_gone(member, stripe_on, time_machine)
    evt = event(COMPLETED, stripe_on.sessions["cs_test_0001"])

    with committed():
        response = post_event(client, evt)

    assert (response.status_code, response.content) == (200, b"refunded")
    refund = Refund.objects.get()
    [sent] = stripe_on.of("POST", "/v1/refunds")
    assert sent.form["payment_intent"] == "pi_cs_test_0001"
    assert sent.form["amount"] == "2000"  # the whole payment
    assert sent.headers["Idempotency-Key"] == f"wagtail_passes-refund-{refund.request_key}"
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED  # never paid
    assert product.sold_count() == 1
    payment = Payment.objects.get(order=order)
    assert (payment.state, payment.problem) == ("succeeded", "not_honoured")
    assert (refund.payment, refund.line, refund.provider, refund.amount, refund.state) == (
        payment,
        None,
        "stripe",
        Decimal("20.00"),
        "succeeded",
    )
    assert "it is being refunded automatically" in caplog.text
    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == f"Order {order.reference} refunded"
    assert "could no longer be honoured" in message.body
    # Told to staff, and settled: the issue closed itself when the refund succeeded.
    issue = PaymentIssue.objects.get()
    assert (issue.kind, issue.is_open) == ("not_honoured", False)

    # Its charge.refunded, the return page and the same event again change nothing.
    with committed():
        post_event(client, event("charge.refunded", stripe_on.charges["ch_cs_test_0001"]))
        post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"], event_id="evt_x"))
        client.force_login(member)
        client.get(f"/passes/orders/{order.reference}/paid/")
    assert Refund.objects.count() == 1
    assert len(stripe_on.refunds) == 1
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED


def test_c5_automatic_refund_refused_by_stripe_is_left_for_staff(
    client, member, stripe_on, time_machine, caplog, committed
):
    order, _product = _stock_gone(member, stripe_on, time_machine)
    stripe_on.charges["ch_cs_test_0001"]["amount_refunded"] = 2000  # refunded by hand already

    with committed():
        response = post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"]))

    assert (response.status_code, response.content) == (200, b"refunded")
    payment = Payment.objects.get(order=order)
    assert payment.problem == "not_honoured"
    refund = Refund.objects.get()
    assert refund.state == RefundState.FAILED  # refused: its reservation released
    assert set(PaymentIssue.objects.open().values_list("kind", flat=True)) == {
        "not_honoured",
        "refund_failed",
    }
    assert "was refused by the payment provider" in caplog.text


def test_c5_stripe_unreachable_for_the_automatic_refund_is_sent_by_the_tidy_job(
    client, member, stripe_on, time_machine, committed
):
    order, _product = _stock_gone(member, stripe_on, time_machine)
    evt = event(COMPLETED, stripe_on.sessions["cs_test_0001"])
    real, down = stripe_on._refund_answer, [True]

    def maybe_down(method, path, form):
        if down[0]:
            return 500, {"error": {"type": "api_error", "message": "down"}}
        return real(method, path, form)

    stripe_on._refund_answer = maybe_down

    with committed():
        assert post_event(client, evt).content == b"refunded"
    refund = Refund.objects.get()
    assert refund.state == RefundState.REQUESTED  # committed before Stripe was asked
    assert PaymentEvent.objects.get().processed_at is not None
    down[0] = False
    time_machine.move_to(refund.created_at + dt.timedelta(minutes=3), tick=False)
    with committed():
        send_waiting_requests()
    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert len(stripe_on.refunds) == 1
    assert Order.objects.get(pk=order.pk).state == OrderState.EXPIRED


@pytest.mark.django_db(transaction=True)  # real commits: Stripe is asked once committed
def test_c4_admin_says_a_pending_stripe_refund_is_requested_not_done(
    client, superuser, two_lines, stripe_on
):
    _paid_by_card(client, two_lines, stripe_on)
    stripe_on.refund_status = "pending"
    client.force_login(superuser)
    line = two_lines.lines.get()

    response = post_form(
        client,
        admin_url("order", "refund", two_lines.pk),
        {f"line_{line.pk}": "on", "confirm": "on"},
    )

    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("€90.00 refund requested")
    assert "Stripe is still processing it" in message
    assert Refund.objects.get().state == "pending"
