"""N1 off-session charges of a saved card (``payments.saved_cards.charge_saved_card``)
against ``FakeStripeCards``: Stripe's answers for the test cards, its idempotency keys
(localstripe ignores them), and the webhook's ``payment_intent.succeeded`` for the same
PaymentIntent. ``test_saved_cards_localstripe.py`` runs the outcomes against localstripe."""

from decimal import Decimal

import pytest
import stripe

from wagtail_passes.models import (
    MemberPass,
    MemberProfile,
    OrderState,
    Payment,
    PaymentEvent,
    PaymentState,
    Refund,
)
from wagtail_passes.payments.saved_cards import ChargeOutcome, charge_saved_card
from wagtail_passes.services.orders import cancel_order, fulfil_order, place_order
from wagtail_passes.test.factories import PassPageFactory

from ..committing import committed
from .fake_stripe import event, post_event

pytestmark = pytest.mark.django_db

INTENT_SUCCEEDED = "payment_intent.succeeded"


@pytest.fixture
def order(member):
    product = PassPageFactory(
        title="Monthly pass",
        price=Decimal("49.99"),
        currency="EUR",
        duration_days=30,
        allow_auto_renew=True,
    )
    return place_order(member, product, provider="stripe", auto_renew=True)


def _save(cards, member, template="pm_card_visa"):
    cards.customers["cus_saved"] = {"id": "cus_saved", "object": "customer"}
    method_id = cards.card(template, "cus_saved")
    MemberProfile.objects.create(
        member=member,
        stripe_customer_id="cus_saved",
        payment_method_id=method_id,
        card_brand="visa",
        card_last4="4242",
    )
    return method_id


def _payments(order):
    return sorted(Payment.objects.filter(order=order).values_list("provider_id", "state"))


def _passes(order):
    return MemberPass.objects.filter(order_line__order=order).count()


def test_n1_charge_pays_the_order_with_the_saved_card(cards, member, order):
    method_id = _save(cards, member)

    outcome = charge_saved_card(order, attempt=1)

    assert outcome == ChargeOutcome("paid", "The saved card was charged.", "pi_test_0002")
    [sent] = cards.of("POST", "/v1/payment_intents")
    assert sent.headers["Idempotency-Key"] == f"wagtail_passes-order-{order.pk}-saved-card-1"
    expected = {
        "amount": "4999",  # 49.99 EUR in cents (A6)
        "currency": "eur",
        "customer": "cus_saved",
        "payment_method": method_id,
        "payment_method_types[0]": "card",
        "off_session": "true",
        "confirm": "true",
        "metadata[wagtail_passes]": "saved_card",
        "metadata[order_reference]": order.reference,
        "metadata[order_pk]": str(order.pk),
        "metadata[attempt]": "1",
    }
    assert sent.form == expected
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert _payments(order) == [("pi_test_0002", PaymentState.SUCCEEDED)]
    payment = Payment.objects.get(order=order)
    assert (payment.amount, payment.raw["payment_intent"]) == (Decimal("49.99"), "pi_test_0002")
    assert _passes(order) == 1


def test_n1_declined_card_leaves_the_order_pending(cards, member, order):
    _save(cards, member, "pm_card_chargeCustomerFail")

    outcome = charge_saved_card(order, attempt=1)

    assert outcome.status == "declined"
    assert outcome.payment_intent_id == "pi_test_0002"
    assert "Your card was declined." in outcome.message
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert _payments(order) == [("pi_test_0002", PaymentState.FAILED)]
    assert Payment.objects.get(order=order).raw["error"] == "card_declined"
    assert _passes(order) == 0  # nothing issued while unpaid


def test_n1_card_needing_authentication_says_so(cards, member, order):
    _save(cards, member, "pm_card_authenticationRequired")

    outcome = charge_saved_card(order, attempt=1)

    assert (outcome.status, outcome.payment_intent_id) == (
        "authentication_required",
        "pi_test_0002",
    )
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert _payments(order) == [("pi_test_0002", PaymentState.FAILED)]


def test_n1_requires_action_status_is_authentication_required(cards, member, order, monkeypatch):
    _save(cards, member)
    charge = cards._charge

    def needs_action(form):
        status, intent = charge(form)
        intent.update(status="requires_action", amount_received=0)
        return status, intent

    monkeypatch.setattr(cards, "_charge", needs_action)

    outcome = charge_saved_card(order, attempt=1)

    assert outcome.status == "authentication_required"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING


def test_n1_no_saved_card(cards, member, order):
    assert charge_saved_card(order).status == "no_card"  # no profile at all
    MemberProfile.objects.create(member=member, stripe_customer_id="cus_saved")
    assert charge_saved_card(order).status == "no_card"  # a customer but no card
    assert not cards.sent


def test_n1_stripe_not_configured_is_unavailable(cards, member, order, settings):
    _save(cards, member)
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = ""

    outcome = charge_saved_card(order)

    assert outcome.status == "unavailable"
    assert not cards.sent
    order.refresh_from_db()
    assert order.state == OrderState.PENDING


def test_n1_stripe_unreachable_is_unavailable_and_nothing_recorded(
    cards, member, order, monkeypatch
):
    _save(cards, member)

    def unreachable(*args, **kwargs):
        raise stripe.APIConnectionError("Could not connect to Stripe")

    monkeypatch.setattr(cards, "request", unreachable)

    outcome = charge_saved_card(order)

    assert outcome == ChargeOutcome(
        "unavailable", "The card payment service could not be reached; nothing was charged."
    )
    assert not Payment.objects.filter(order=order).exists()


def test_n1_card_gone_at_stripe_is_declined(cards, member, order):
    method_id = _save(cards, member)
    cards.payment_methods[method_id]["customer"] = None  # detached in Stripe's dashboard

    outcome = charge_saved_card(order)

    assert outcome.status == "declined"
    assert not Payment.objects.filter(order=order).exists()


def test_n1_same_attempt_twice_is_one_payment(cards, member, order, monkeypatch):
    """The job runs twice for the same attempt, the first time dying after Stripe charged
    and before the order was paid here: Stripe answers the same PaymentIntent."""
    _save(cards, member)
    from wagtail_passes.payments import saved_cards

    real = saved_cards.apply_intent
    monkeypatch.setattr(saved_cards, "apply_intent", lambda intent: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        charge_saved_card(order, attempt=1)
    monkeypatch.setattr(saved_cards, "apply_intent", real)

    outcome = charge_saved_card(order, attempt=1)
    again = charge_saved_card(order, attempt=1)  # and a third time, once paid

    creates = cards.of("POST", "/v1/payment_intents")
    assert len(creates) == 2
    assert {sent.headers["Idempotency-Key"] for sent in creates} == {
        f"wagtail_passes-order-{order.pk}-saved-card-1"
    }
    assert len(cards.intents) == 1  # Stripe made one PaymentIntent: one charge
    assert (outcome.status, outcome.payment_intent_id) == ("paid", "pi_test_0002")
    assert (again.status, again.payment_intent_id) == ("paid", "pi_test_0002")
    assert _payments(order) == [("pi_test_0002", PaymentState.SUCCEEDED)]
    assert _passes(order) == 1


def test_n1_next_attempt_after_a_decline_uses_a_new_key(cards, member, order):
    method_id = _save(cards, member, "pm_card_chargeCustomerFail")
    assert charge_saved_card(order, attempt=1).status == "declined"
    cards.payment_methods[method_id]["template"] = "pm_card_visa"  # the bank now accepts

    outcome = charge_saved_card(order, attempt=2)

    assert outcome.status == "paid"
    keys = [s.headers["Idempotency-Key"] for s in cards.of("POST", "/v1/payment_intents")]
    assert keys == [
        f"wagtail_passes-order-{order.pk}-saved-card-1",
        f"wagtail_passes-order-{order.pk}-saved-card-2",
    ]
    assert _payments(order) == [
        ("pi_test_0002", PaymentState.FAILED),
        ("pi_test_0003", PaymentState.SUCCEEDED),
    ]


def test_n1_webhook_after_the_charge_changes_nothing(client, cards, member, order):
    _save(cards, member)
    outcome = charge_saved_card(order, attempt=1)
    intent = cards.intents[outcome.payment_intent_id]

    response = post_event(client, event(INTENT_SUCCEEDED, intent))

    assert (response.status_code, response.content) == (200, b"paid_already")
    assert _payments(order) == [(outcome.payment_intent_id, PaymentState.SUCCEEDED)]
    assert _passes(order) == 1
    assert not Refund.objects.exists()
    row = PaymentEvent.objects.get()
    assert row.order == order
    # the PaymentIntent was asked from Stripe again before acting
    assert cards.sent[-1].path == f"/v1/payment_intents/{outcome.payment_intent_id}"


def test_n1_webhook_first_then_the_charge_sees_the_order_paid(client, cards, member, order):
    """Stripe's event arrives before ``charge_saved_card`` records the result."""
    _save(cards, member)
    status, intent = cards._charge(
        {
            "amount": "4999",
            "currency": "eur",
            "customer": "cus_saved",
            "payment_method": MemberProfile.objects.get().payment_method_id,
            "metadata[wagtail_passes]": "saved_card",
            "metadata[order_reference]": order.reference,
            "metadata[order_pk]": str(order.pk),
        }
    )

    assert post_event(client, event(INTENT_SUCCEEDED, intent)).content == b"fulfilled"
    outcome = charge_saved_card(order, attempt=1)

    assert (outcome.status, outcome.payment_intent_id) == ("paid", intent["id"])
    assert not cards.of("POST", "/v1/payment_intents")  # not charged again
    assert _payments(order) == [(intent["id"], PaymentState.SUCCEEDED)]
    assert _passes(order) == 1


def test_n1_webhook_ignores_payment_intents_not_made_for_a_saved_card(client, cards, order):
    foreign = {"id": "pi_from_checkout", "object": "payment_intent", "metadata": {}}

    response = post_event(client, event(INTENT_SUCCEEDED, foreign))

    assert response.content == b"ignored"
    assert not cards.sent
    order.refresh_from_db()
    assert order.state == OrderState.PENDING


def test_n1_webhook_does_not_trust_the_payload_s_status(client, cards, member, order):
    _save(cards, member, "pm_card_chargeCustomerFail")
    outcome = charge_saved_card(order)
    failed = dict(cards.intents[outcome.payment_intent_id], status="succeeded")  # forged

    assert post_event(client, event(INTENT_SUCCEEDED, failed)).content == b"waiting"

    order.refresh_from_db()
    assert order.state == OrderState.PENDING


def test_n1_order_paid_another_way_is_not_charged(cards, member, order):
    _save(cards, member)
    fulfil_order(order, provider="manual")

    outcome = charge_saved_card(order)

    assert outcome.status == "paid"
    assert not cards.sent


def test_n1_cancelled_order_is_not_charged(cards, member, order):
    _save(cards, member)
    cancel_order(order, by=member)

    outcome = charge_saved_card(order)

    assert outcome.status == "unavailable"
    assert not cards.sent


def test_n1_charge_that_lands_on_a_paid_order_is_refunded(client, cards, member, order):
    """Paid by the member's pay link while the job's charge was in flight: the second
    payment goes back whole, never a second pass."""
    _save(cards, member)
    status, intent = cards._charge(
        {
            "amount": "4999",
            "currency": "eur",
            "customer": "cus_saved",
            "payment_method": MemberProfile.objects.get().payment_method_id,
            "metadata[wagtail_passes]": "saved_card",
            "metadata[order_reference]": order.reference,
            "metadata[order_pk]": str(order.pk),
        }
    )
    fulfil_order(order, provider="manual")

    with committed():
        response = post_event(client, event(INTENT_SUCCEEDED, intent))

    assert response.content == b"refunded"
    [refund] = cards.refunds.values()
    assert (refund["payment_intent"], refund["amount"]) == (intent["id"], 4999)
    assert _passes(order) == 1


def test_n1_processing_payment_is_asked_again_not_charged_twice(cards, member, order, monkeypatch):
    _save(cards, member)
    charge = cards._charge

    def slow(form):
        status, intent = charge(form)
        intent.update(status="processing", amount_received=0)
        return status, intent

    monkeypatch.setattr(cards, "_charge", slow)
    first = charge_saved_card(order, attempt=1)

    assert (first.status, first.payment_intent_id) == ("unavailable", "pi_test_0002")
    assert _payments(order) == [("pi_test_0002", PaymentState.PROCESSING)]
    still = charge_saved_card(order, attempt=2)  # the job's next attempt: asked, not charged
    assert still.status == "unavailable"
    cards.intents["pi_test_0002"].update(status="succeeded", amount_received=4999)

    done = charge_saved_card(order, attempt=3)

    assert (done.status, done.payment_intent_id) == ("paid", "pi_test_0002")
    assert len(cards.of("POST", "/v1/payment_intents")) == 1
    assert _payments(order) == [("pi_test_0002", PaymentState.SUCCEEDED)]
    assert _passes(order) == 1
