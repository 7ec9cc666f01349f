"""A card payment arriving after its order's hold ran out (C5) through the Stripe webhook:
when another order took the discount code's last use meanwhile (A4), the payment is
refunded automatically and the order is never discounted beyond the code's limit."""

from decimal import Decimal

import pytest
from django.test import RequestFactory

from wagtail_passes.models import MemberPass, Order, OrderState, Payment, PaymentEvent
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.services.orders import fulfil_order, place_order
from wagtail_passes.test.factories import DiscountCodeFactory, PassPageFactory, UserFactory

from .fake_stripe import event, post_event

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"


def test_a4_c5_a_late_card_payment_whose_code_went_is_refunded(
    client, member, stripe_on, time_machine
):
    code = DiscountCodeFactory(code="ONCE", value=Decimal(50), max_uses=1)
    product = PassPageFactory(price=Decimal("80.00"))
    late = place_order(member, product, provider="stripe", discount_code="once")
    StripeProvider().start(late, RequestFactory().get("/"))
    late.refresh_from_db()
    time_machine.move_to(late.expires_at, tick=False)  # its hold is over; no job has run
    other = place_order(UserFactory(), product, discount_code="once")
    fulfil_order(other, provider="manual")
    stripe_on.pay("cs_test_0001")

    response = post_event(client, event(COMPLETED, stripe_on.sessions["cs_test_0001"]))

    assert (response.status_code, response.content) == (200, b"refunded")
    late.refresh_from_db()
    assert late.state == OrderState.PENDING and late.paid_at is None
    assert not MemberPass.objects.filter(order_line__order=late).exists()
    assert Payment.objects.get(order=late).raw["refund_needed"] == "code_gone"
    assert PaymentEvent.objects.get().payload["wagtail_passes"] == {
        "outcome": "refunded",
        "detail": "code_gone",
    }
    paid_with_code = Order.objects.filter(discount_redemption__code=code, paid_at__isnull=False)
    assert list(paid_with_code) == [other]
