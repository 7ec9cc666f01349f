"""N1 off-session charges against localstripe, a stateful fake Stripe server run as its own
process (``localstripe_server.py``; skipped where it cannot start).

The member's Stripe Customer and card are made at localstripe the way Checkout leaves them
(a PaymentMethod attached to the customer); ``charge_saved_card`` then talks to localstripe
through stripe-python's own HTTP client, and the assertions read localstripe's own objects.
localstripe ignores idempotency keys: the "same key, one payment" test is in
``test_saved_cards_charge.py``. Unlike Stripe, localstripe answers the 3D Secure card
(4000002500003155) off-session with a PaymentIntent in ``requires_action`` rather than a
``card_error`` ``authentication_required``, and its declines carry no PaymentIntent:
both shapes are handled, and the other shape is tested with ``FakeStripeCards``.
"""

from decimal import Decimal

import pytest

from wagtail_passes.models import MemberPass, MemberProfile, OrderState, Payment, PaymentState
from wagtail_passes.payments.saved_cards import charge_saved_card, remove_saved_card
from wagtail_passes.services.orders import place_order
from wagtail_passes.test.factories import PassPageFactory

from .fake_stripe import event, post_event

pytestmark = pytest.mark.django_db

SCA_CARD = "4000002500003155"


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


def _save(stripe_client, member, *, method="pm_card_visa", number=None):
    customer = stripe_client.v1.customers.create(params={"email": member.email})
    if number:
        method = stripe_client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
            }
        ).id
    attached = stripe_client.v1.payment_methods.attach(method, params={"customer": customer.id})
    MemberProfile.objects.create(
        member=member,
        stripe_customer_id=customer.id,
        payment_method_id=attached.id,
        card_brand=attached.card.brand,
        card_last4=attached.card.last4,
    )
    return customer.id, attached.id


def test_n1_localstripe_saved_visa_is_charged_off_session(localstripe, member, order):
    customer, method = _save(localstripe, member)

    outcome = charge_saved_card(order, attempt=1)

    assert outcome.status == "paid"
    intent = localstripe.v1.payment_intents.retrieve(outcome.payment_intent_id).to_dict()
    assert (intent["status"], intent["amount"], intent["currency"]) == ("succeeded", 4999, "eur")
    assert (intent["customer"], intent["payment_method"]) == (customer, method)
    assert intent["metadata"] == {
        "wagtail_passes": "saved_card",
        "order_reference": order.reference,
        "order_pk": str(order.pk),
        "attempt": "1",
    }
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert list(Payment.objects.filter(order=order).values_list("provider_id", "state")) == [
        (outcome.payment_intent_id, PaymentState.SUCCEEDED)
    ]
    assert MemberPass.objects.filter(order_line__order=order, is_paid=True).count() == 1


def test_n1_localstripe_declined_card(localstripe, member, order):
    _save(localstripe, member, method="pm_card_chargeCustomerFail")

    outcome = charge_saved_card(order, attempt=1)

    assert outcome.status == "declined"
    assert "declined" in outcome.message
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert not Payment.objects.filter(order=order, state=PaymentState.SUCCEEDED).exists()


def test_n1_localstripe_card_needing_authentication(localstripe, member, order):
    _save(localstripe, member, number=SCA_CARD)

    outcome = charge_saved_card(order, attempt=1)

    assert outcome.status == "authentication_required"
    intent = localstripe.v1.payment_intents.retrieve(outcome.payment_intent_id)
    assert intent.status == "requires_action"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert list(Payment.objects.filter(order=order).values_list("provider_id", "state")) == [
        (outcome.payment_intent_id, PaymentState.FAILED)
    ]


def test_n1_localstripe_event_for_the_charge_changes_nothing(client, localstripe, member, order):
    _save(localstripe, member)
    outcome = charge_saved_card(order, attempt=1)
    [delivered] = [
        e.to_dict()
        for e in localstripe.v1.events.list(params={"type": "payment_intent.succeeded"}).data
        if e.data.object.id == outcome.payment_intent_id
    ]

    response = post_event(client, delivered)

    assert (response.status_code, response.content) == (200, b"paid_already")
    assert Payment.objects.filter(order=order).count() == 1
    assert MemberPass.objects.filter(order_line__order=order).count() == 1


def test_n1_localstripe_event_pays_an_order_the_charge_did_not_record(
    client, localstripe, member, order
):
    """The job died after Stripe charged: Stripe's event pays the order."""
    customer, method = _save(localstripe, member)
    intent = localstripe.v1.payment_intents.create(
        params={
            "amount": 4999,
            "currency": "eur",
            "customer": customer,
            "payment_method": method,
            "payment_method_types": ["card"],
            "off_session": True,
            "confirm": True,
            "metadata": {
                "wagtail_passes": "saved_card",
                "order_reference": order.reference,
                "order_pk": str(order.pk),
            },
        }
    )
    [delivered] = [
        e.to_dict()
        for e in localstripe.v1.events.list(params={"type": "payment_intent.succeeded"}).data
    ]

    assert post_event(client, delivered).content == b"fulfilled"
    assert post_event(client, event("payment_intent.succeeded", intent.to_dict())).content == (
        b"paid_already"
    )
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert Payment.objects.get(order=order).amount == Decimal("49.99")


def test_n1_localstripe_remove_card_detaches_it(localstripe, member):
    customer, method = _save(localstripe, member)

    assert remove_saved_card(member) is True

    assert localstripe.v1.payment_methods.retrieve(method).customer is None
    profile = MemberProfile.objects.get(member=member)
    assert (profile.payment_method_id, profile.card_brand, profile.card_last4) == ("", "", "")
    assert profile.stripe_customer_id == customer
    assert remove_saved_card(member) is False  # nothing left to remove


def test_n1_localstripe_a_saved_card_payment_is_refunded_like_any_card_payment(
    localstripe, member, superuser, order
):
    from wagtail_passes.payments.refunds import refund_with_stripe

    from ..committing import committed

    _save(localstripe, member)
    outcome = charge_saved_card(order, attempt=1)

    with committed():
        refund_with_stripe(order, superuser, reason="Moving away")

    refunds = localstripe.v1.refunds.list(params={"payment_intent": outcome.payment_intent_id})
    assert [(refund.amount, refund.status) for refund in refunds.data] == [(4999, "succeeded")]
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
