"""N1 saved cards: the Checkout of a renewing order saves the card (a Stripe Customer and
``setup_future_usage``), and the paid session stores it on the member's profile, once.

Stripe here is ``FakeStripeCards`` (localstripe has no Checkout Sessions)."""

from decimal import Decimal

import pytest
from django.test import RequestFactory

from wagtail_passes.models import MemberProfile, OrderState, Payment, PaymentEvent
from wagtail_passes.payments.base import PaymentUnavailable
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.services.orders import place_order
from wagtail_passes.test.factories import PassPageFactory

from .fake_stripe import event, post_event

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"


@pytest.fixture
def renewing(db):
    return PassPageFactory(
        title="Monthly pass",
        price=Decimal("49.00"),
        currency="EUR",
        duration_days=30,
        allow_auto_renew=True,
    )


def _start(order):
    request = RequestFactory().get("/", HTTP_HOST="studio.example.com", secure=True)
    return StripeProvider().start(order, request)


def _renewing_order(member, product):
    order = place_order(member, product, provider="stripe", auto_renew=True)
    assert order.lines.get().auto_renew  # the product allows it: the opt-in is kept
    return order


def test_n1_renewing_checkout_is_made_for_a_new_customer_with_setup_future_usage(
    cards, member, renewing
):
    order = _renewing_order(member, renewing)

    _start(order)

    create_customer, create_session = cards.sent
    assert (create_customer.method, create_customer.path) == ("POST", "/v1/customers")
    assert create_customer.headers["Idempotency-Key"] == f"wagtail_passes-customer-{member.pk}"
    assert create_customer.form["metadata[wagtail_passes_member]"] == str(member.pk)
    assert create_session.path == "/v1/checkout/sessions"
    assert create_session.form["customer"] == "cus_test_0001"
    assert create_session.form["payment_intent_data[setup_future_usage]"] == "off_session"
    assert create_session.headers["Idempotency-Key"] == f"wagtail_passes-order-{order.pk}-1"
    profile = MemberProfile.objects.get(member=member)
    assert (profile.stripe_customer_id, profile.payment_method_id) == ("cus_test_0001", "")
    assert not profile.has_saved_card


def test_n1_the_member_s_customer_is_reused_on_the_next_renewing_checkout(cards, member, renewing):
    _start(_renewing_order(member, renewing))
    second = _renewing_order(member, renewing)
    cards.sent.clear()

    _start(second)

    [create_session] = cards.sent  # no second customer
    assert create_session.form["customer"] == "cus_test_0001"
    assert len(cards.customers) == 1
    assert MemberProfile.objects.filter(member=member).count() == 1


def test_n1_a_customer_deleted_at_stripe_is_replaced_not_a_dead_end(cards, member, renewing):
    """Staff deleted the member's Customer in Stripe's dashboard: the next renewing checkout
    makes a new Customer (under a new idempotency key) instead of failing for ever, and the
    card saved on the deleted one is forgotten."""
    _start(_renewing_order(member, renewing))
    MemberProfile.objects.filter(member=member).update(
        payment_method_id="pm_gone", card_last4="4242"
    )
    cards.customers.clear()  # deleted at Stripe
    second = _renewing_order(member, renewing)
    cards.sent.clear()

    response = _start(second)

    assert response.status_code == 303
    refused, new_customer, created = cards.sent
    assert refused.form["customer"] == "cus_test_0001"
    assert new_customer.path == "/v1/customers"
    assert new_customer.headers["Idempotency-Key"] == (
        f"wagtail_passes-customer-{member.pk}-after-cus_test_0001"
    )
    assert created.form["customer"] == new_customer_id(cards)
    assert created.headers["Idempotency-Key"] == (
        f"wagtail_passes-order-{second.pk}-1-{new_customer_id(cards)}"
    )
    profile = MemberProfile.objects.get(member=member)
    assert profile.stripe_customer_id == new_customer_id(cards)
    assert (profile.payment_method_id, profile.card_last4) == ("", "")


def new_customer_id(cards):
    [customer] = cards.customers
    return customer


def test_n1_order_without_auto_renew_saves_no_card(cards, member, renewing):
    plain = PassPageFactory(title="10-class pass", price=Decimal("90.00"), currency="EUR")
    not_opted_in = place_order(member, renewing, provider="stripe")  # renewable, not chosen
    for order in (place_order(member, plain, provider="stripe"), not_opted_in):
        cards.sent.clear()

        _start(order)

        [create_session] = cards.sent
        assert create_session.path == "/v1/checkout/sessions"
        assert "customer" not in create_session.form
        assert "payment_intent_data[setup_future_usage]" not in create_session.form
    assert not cards.customers
    assert not MemberProfile.objects.exists()


def test_n1_stripe_refusing_the_customer_leaves_the_order_pending(cards, member, renewing):
    order = _renewing_order(member, renewing)
    cards.fail_next(500)
    cards.fail_next(500)
    cards.fail_next(500)  # stripe-python retries twice

    with pytest.raises(PaymentUnavailable):
        _start(order)

    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert not Payment.objects.filter(order=order).exists()
    assert not cards.of("POST", "/v1/checkout/sessions")


def test_n1_webhook_stores_the_card_once(client, cards, member, renewing):
    order = _renewing_order(member, renewing)
    _start(order)
    session = cards.pay("cs_test_0001")
    evt = event(COMPLETED, session)

    first = post_event(client, evt)
    asked = len(cards.sent)
    again = post_event(client, evt)  # the same event delivered twice
    other = post_event(client, event(COMPLETED, session))  # another event, same session

    assert [r.status_code for r in (first, again, other)] == [200, 200, 200]
    assert [first.content, again.content, other.content] == [
        b"fulfilled",
        b"duplicate",
        b"paid_already",
    ]
    profile = MemberProfile.objects.get(member=member)
    method_id = cards.intents[session["payment_intent"]]["payment_method"]
    assert (
        profile.stripe_customer_id,
        profile.payment_method_id,
        profile.card_brand,
        profile.card_last4,
        profile.card_exp_month,
        profile.card_exp_year,
    ) == ("cus_test_0001", method_id, "visa", "4242", 12, 2030)
    # the card was asked from Stripe for the first event only
    assert len(cards.of("GET", "/v1/payment_intents/")) == 1
    assert len(cards.of("GET", "/v1/payment_methods/")) == 1
    assert len(cards.sent) == asked + 1  # the third event re-fetched its session, no more
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert Payment.objects.get(order=order).raw["card_saved"] == method_id


def test_n1_a_late_event_does_not_bring_back_a_card_the_member_removed(
    client, cards, member, renewing
):
    from wagtail_passes.payments.saved_cards import remove_saved_card

    _start(_renewing_order(member, renewing))
    session = cards.pay("cs_test_0001")
    post_event(client, event(COMPLETED, session))
    assert remove_saved_card(member)

    post_event(client, event(COMPLETED, session))

    profile = MemberProfile.objects.get(member=member)
    assert (profile.payment_method_id, profile.card_last4) == ("", "")
    assert profile.stripe_customer_id == "cus_test_0001"  # kept for the next checkout


def test_n1_return_page_stores_the_card_and_the_webhook_then_adds_nothing(
    client, member_client, cards, member, renewing
):
    order = _renewing_order(member, renewing)
    _start(order)
    session = cards.pay("cs_test_0001")

    response = member_client.get(f"/passes/orders/{order.reference}/paid/")

    assert response.status_code == 303
    profile = MemberProfile.objects.get(member=member)
    assert (profile.card_brand, profile.card_last4) == ("visa", "4242")
    updated = profile.updated_at
    asked = len(cards.of("GET", "/v1/payment_methods/"))

    assert post_event(client, event(COMPLETED, session)).content == b"paid_already"
    assert len(cards.of("GET", "/v1/payment_methods/")) == asked == 1
    assert MemberProfile.objects.get(member=member).updated_at == updated
    assert PaymentEvent.objects.get().processed_at is not None


def test_n1_return_page_pays_the_order_even_when_the_card_cannot_be_read(
    client, member_client, cards, member, renewing
):
    order = _renewing_order(member, renewing)
    _start(order)
    session = cards.pay("cs_test_0001")
    original = cards._intent

    def intent_down(method, path, form):
        return 500, {"error": {"type": "api_error", "message": "down"}}

    cards._intent = intent_down
    response = member_client.get(f"/passes/orders/{order.reference}/paid/")

    assert response.status_code == 303
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert not MemberProfile.objects.get(member=member).has_saved_card

    cards._intent = original  # Stripe is back: the webhook stores the card
    assert post_event(client, event(COMPLETED, session)).content == b"paid_already"
    assert MemberProfile.objects.get(member=member).card_last4 == "4242"


def test_n1_webhook_stores_no_card_for_an_order_that_did_not_want_it(client, cards, member):
    plain = PassPageFactory(title="10-class pass", price=Decimal("90.00"), currency="EUR")
    order = place_order(member, plain, provider="stripe")
    _start(order)
    session = cards.pay("cs_test_0001")

    assert post_event(client, event(COMPLETED, session)).content == b"fulfilled"

    assert not MemberProfile.objects.exists()
    assert not cards.of("GET", "/v1/payment_intents/")
