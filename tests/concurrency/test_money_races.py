"""Money events racing each other (PostgreSQL, real threads; issue 17 items 1, 3, 12): two
payments of one order reported at once keep one and give the other back; "Pay by card"
pressed twice at once makes one Checkout Session and no error; two refunds of one line at
once never give back more than it was paid, at Stripe or here.

Stripe is the recording fake of tests/payments (shared by the threads); refunds are asked
of it once their rows have committed, as in production (these tests commit for real).
"""

from decimal import Decimal
from functools import partial

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import RequestFactory

from wagtail_passes import services
from wagtail_passes.models import (
    MemberPass,
    Order,
    OrderState,
    Payment,
    PaymentState,
    Refund,
    RefundState,
)
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.payments.webhooks import handle
from wagtail_passes.services.orders import Item, place_basket
from wagtail_passes.services.payment_state import money_kept
from wagtail_passes.test.factories import PassPageFactory, StaffFactory, UserFactory

from ..payments.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, event
from .test_order_races import STAGGER, check_refusals, outcome, staggered

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 4


@pytest.fixture
def stripe_on(settings, monkeypatch):
    fake = FakeStripe()
    monkeypatch.setattr(StripeProvider, "http_client", fake)
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = SECRET_KEY
    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return fake


def _request():
    return RequestFactory().get("/", HTTP_HOST="studio.example.com")


def _session(order):
    """A new Checkout Session of ``order``, as a second tab opened before any was paid."""
    with transaction.atomic():
        return StripeProvider().create_session(services.orders.lock_order(order), _request())


def _card_order(*prices):
    products = [PassPageFactory(price=Decimal(price)) for price in prices]
    return place_basket(UserFactory(), [Item(p) for p in products], provider="stripe")


def test_c3_two_payments_of_one_order_reported_at_once_keep_one(concurrently, stripe_on):
    """Item 1 under load: two paid sessions of one order, their webhooks at the same
    instant: one pays the order, the other goes back; one pass; kept once."""
    for _round in range(ROUNDS):
        order = _card_order("90.00")
        first, second = _session(order), _session(order)
        for session in (first, second):
            stripe_on.pay(session["id"])

        results = concurrently(
            lambda session: handle(
                event("checkout.session.completed", stripe_on.sessions[session["id"]])
            ),
            [(first,), (second,)],
        )

        assert sorted(outcome for kind, outcome in results) == ["fulfilled", "refunded"], results
        order.refresh_from_db()
        assert order.state == OrderState.PAID
        assert MemberPass.objects.filter(order_line__order=order).count() == 1
        assert money_kept(order) == Decimal("90.00")
        assert Refund.objects.get(order=order).state == RefundState.SUCCEEDED


def test_c3_pay_by_card_pressed_twice_at_once_makes_one_session_and_no_error(
    concurrently, stripe_on
):
    """Item 3: both requests wait on the order's lock; the second finds the first's open
    session and sends the member there."""
    for step in range(len(STAGGER)):
        order = _card_order("90.00")
        start = partial(StripeProvider().start, order, _request())

        results = staggered(concurrently, start, start, step=step)

        assert [kind for kind, _value in results] == ["ok", "ok"], results
        locations = {value["Location"] for _kind, value in results}
        assert len(locations) == 1
        assert Payment.objects.filter(order=order, state=PaymentState.PENDING).count() == 1
        assert len(stripe_on.of("POST", "/v1/checkout/sessions")) >= 1
        assert (
            len(
                {
                    s["id"]
                    for s in stripe_on.sessions.values()
                    if s["client_reference_id"] == order.reference
                }
            )
            == 1
        )


def test_c4_two_refunds_of_one_line_at_once_never_exceed_what_it_was_paid(concurrently, stripe_on):
    """Item 12: 30.00 and 40.00 of a 50.00 line (of a 100.00 card order, so Stripe itself
    would accept both) at once: the amount is reserved under the order's lock before Stripe
    is asked, so one is refused and Stripe gives back one of them."""
    staff = [StaffFactory(permissions=["change_order"]) for _ in range(2)]
    for step in range(len(STAGGER)):
        order = _card_order("50.00", "50.00")
        StripeProvider().start(order, _request())
        session = Payment.objects.get(order=order).provider_id
        stripe_on.pay(session)
        handle(event("checkout.session.completed", stripe_on.sessions[session]))
        line = order.lines.order_by("pk").first()

        results = staggered(
            concurrently,
            partial(services.refund, order, staff[0], lines=[line], amounts={line: "30.00"}),
            partial(services.refund, order, staff[1], lines=[line], amounts={line: "40.00"}),
            step=step,
        )

        check_refusals(results, {"refund_too_large"})
        assert sorted(outcome(result) for result in results) == ["ok", "refund_too_large"]
        charge = stripe_on.charges[f"ch_{session}"]
        assert charge["amount_refunded"] in (3000, 4000)  # one of them, never both
        given = Refund.objects.filter(order=order, state=RefundState.SUCCEEDED)
        assert given.aggregate(total=Sum("amount"))["total"] * 100 == charge["amount_refunded"]
        assert Order.objects.get(pk=order.pk).state == OrderState.PARTIALLY_REFUNDED
