"""Creating the Checkout Session (C2, A6): the exact request stripe-python sends, recorded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import RequestFactory

from wagtail_passes.models import OrderState, Payment, PaymentState
from wagtail_passes.payments.base import PaymentUnavailable
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.services.orders import place_order
from wagtail_passes.test.factories import PassPageFactory

pytestmark = pytest.mark.django_db


def _request():
    return RequestFactory().get("/", HTTP_HOST="studio.example.com", secure=True)


def test_c2_a6_session_request_in_minor_units_eur(card_order, stripe_on, time_machine):
    response = StripeProvider().start(card_order, _request())

    [sent] = stripe_on.sent
    assert (sent.method, sent.path) == ("POST", "/v1/checkout/sessions")
    assert sent.headers["Idempotency-Key"] == f"wagtail_passes-order-{card_order.pk}-1"
    ref = card_order.reference
    expected = {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "9000",
        "line_items[0][price_data][product_data][name]": "10-class pass",
        "client_reference_id": ref,
        "metadata[order_reference]": ref,
        "metadata[order_pk]": str(card_order.pk),
        # the PaymentIntent names its order too: a refund reported before the payment
        # still finds it
        "payment_intent_data[metadata][order_reference]": ref,
        "payment_intent_data[metadata][order_pk]": str(card_order.pk),
        "success_url": f"https://studio.example.com/passes/orders/{ref}/paid/",
        "cancel_url": f"https://studio.example.com/passes/orders/{ref}/",
    }
    assert {key: sent.form[key] for key in expected} == expected
    assert set(sent.form) == set(expected) | {"expires_at"}
    card_order.refresh_from_db()
    # the session ends with the order's hold, lengthened to Stripe's 30-minute minimum
    assert int(sent.form["expires_at"]) == int(card_order.expires_at.timestamp())
    assert int(sent.form["expires_at"]) - dt.datetime.now(dt.UTC).timestamp() > 30 * 60
    assert response.status_code == 303
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_0001"
    [payment] = Payment.objects.filter(order=card_order)
    assert (payment.provider, payment.provider_id, payment.state, payment.amount) == (
        "stripe",
        "cs_test_0001",
        PaymentState.PENDING,
        Decimal("90.00"),
    )


def test_a6_zero_decimal_currency_jpy_is_sent_in_whole_yen(member, stripe_on):
    product = PassPageFactory(title="Drop-in", price=Decimal("3500"), currency="JPY")
    order = place_order(member, product, quantity=3, provider="stripe")

    StripeProvider().start(order, _request())

    form = stripe_on.sent[0].form
    assert form["line_items[0][price_data][currency]"] == "jpy"
    assert form["line_items[0][price_data][unit_amount]"] == "3500"
    assert form["line_items[0][quantity]"] == "3"
    assert stripe_on.sessions["cs_test_0001"]["amount_total"] == 10500


def test_a6_cents_never_pass_through_floats(member, stripe_on):
    product = PassPageFactory(title="Odd price", price=Decimal("19.99"), currency="EUR")
    order = place_order(member, product, quantity=7, provider="stripe")

    StripeProvider().start(order, _request())

    form = stripe_on.sent[0].form
    assert (form["line_items[0][price_data][unit_amount]"], form["line_items[0][quantity]"]) == (
        "1999",
        "7",
    )


def test_c5_a_long_hold_is_kept_and_the_session_capped_at_24_hours(
    member, product, stripe_on, settings
):
    settings.WAGTAIL_PASSES_CARD_HOLD_MINUTES = 48 * 60
    order = place_order(member, product, provider="stripe")
    hold = order.expires_at

    StripeProvider().start(order, _request())

    expires = int(stripe_on.sent[0].form["expires_at"])
    assert expires <= dt.datetime.now(dt.UTC).timestamp() + 24 * 3600
    order.refresh_from_db()
    assert order.expires_at == hold


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, "invalid_request_error"),
        (401, "invalid_request_error"),
        (500, "api_error"),
        (429, "invalid_request_error"),
    ],
)
def test_c2_stripe_error_raises_payment_unavailable_order_pending(
    card_order, stripe_on, status, error_type
):
    stripe_on.fail_next(status, error_type)

    with pytest.raises(PaymentUnavailable):
        StripeProvider().start(card_order, _request())

    card_order.refresh_from_db()
    assert card_order.state == OrderState.PENDING
    assert not Payment.objects.filter(order=card_order).exists()


def test_c5_resume_reuses_an_open_session_and_starts_attempt_2_after_expiry(card_order, stripe_on):
    provider = StripeProvider()
    first = provider.start(card_order, _request())
    again = provider.start(card_order, _request())
    assert again["Location"] == first["Location"]  # still open: the same session
    assert len(stripe_on.of("POST", "/v1/checkout/sessions")) == 1
    assert stripe_on.sent[-1].method == "GET"  # asked Stripe, did not trust the database

    stripe_on.sessions["cs_test_0001"]["status"] = "expired"
    third = provider.start(card_order, _request())

    assert third["Location"].endswith("cs_test_0002")
    creates = stripe_on.of("POST", "/v1/checkout/sessions")
    assert creates[-1].headers["Idempotency-Key"] == f"wagtail_passes-order-{card_order.pk}-2"
    states = dict(Payment.objects.filter(order=card_order).values_list("provider_id", "state"))
    assert states == {"cs_test_0001": PaymentState.FAILED, "cs_test_0002": PaymentState.PENDING}
