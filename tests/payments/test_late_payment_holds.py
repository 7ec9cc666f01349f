"""Card payments after an order's hold ran out (C5) through the Stripe webhook and "Pay by
card": when another order took the discount code's last use (A4) or the last unit (A1)
meanwhile, the payment is refunded automatically, or never started; otherwise the order
takes them back first, so paying it never sells or discounts beyond the limits."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from tests.checkout import soup_of, words
from wagtail_passes.exceptions import CheckoutError
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
    assert Payment.objects.get(order=late).problem == "not_honoured"
    assert PaymentEvent.objects.get().payload["wagtail_passes"] == {
        "outcome": "refunded",
        "detail": "code_gone",
    }
    paid_with_code = Order.objects.filter(discount_redemption__code=code, paid_at__isnull=False)
    assert list(paid_with_code) == [other]


def lapse(order, time_machine):
    """The clock moves past the order's hold; no job runs."""
    time_machine.move_to(order.expires_at + dt.timedelta(seconds=1), tick=False)


def test_c5_a1_pay_by_card_after_the_hold_ran_out_and_the_unit_went_is_refused_before_paying(
    member_client, member, stripe_on, time_machine
):
    product = PassPageFactory(title="Last spot", stock_limit=1)
    order = place_order(member, product, provider="stripe")
    lapse(order, time_machine)
    place_order(UserFactory(), product)  # the unit its hold let go

    response = member_client.post(f"/passes/orders/{order.reference}/pay/")

    assert response.status_code == 200
    problem = soup_of(response).select_one("#wp-payment-problem")
    assert "“Last spot” has sold out since" in words(problem)
    assert soup_of(response).select_one("form button[type=submit]") is None  # no retry
    assert stripe_on.sent == [] and not Payment.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).expires_at == order.expires_at


def test_c5_a4_pay_by_card_after_the_hold_ran_out_takes_back_the_code_use_first(
    member_client, member, stripe_on, time_machine
):
    code = DiscountCodeFactory(code="ONCE", max_uses=1)
    product = PassPageFactory(stock_limit=1)
    order = place_order(member, product, provider="stripe", discount_code="once")
    lapse(order, time_machine)
    assert code.uses() == 0 and product.sold_count() == 0  # free for anyone meanwhile

    response = member_client.post(f"/passes/orders/{order.reference}/pay/")

    assert response.status_code == 303 and response["Location"].endswith("cs_test_0001")
    order.refresh_from_db()
    assert order.expires_at > timezone.now()  # held again, with the session
    assert code.uses() == 1 and product.sold_count() == 1
    for other_product, refusal in ((product, "sold_out"), (PassPageFactory(), "code_used_up")):
        with pytest.raises(CheckoutError) as caught:
            place_order(UserFactory(), other_product, discount_code="once")
        assert caught.value.code == refusal
