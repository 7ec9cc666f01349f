"""C4 against a stateful fake Stripe server: localstripe, run as a separate process
(``localstripe_server.py``; skipped where it cannot start).

The PaymentIntent is made and confirmed at localstripe with ``pm_card_visa``, and the order's
Stripe payment points at it the way a paid Checkout Session's payment does (``raw
["payment_intent"]``); localstripe has no Checkout Sessions. Our refund code then talks to
localstripe through stripe-python's own HTTP client, and the assertions read localstripe's
own ``refunds.list``. localstripe ignores idempotency keys and accepts over-refunds: nothing
here relies on either (our own rules refuse an over-refund before Stripe is asked).
"""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import (
    MemberPass,
    OrderState,
    PassStatus,
    Payment,
    PaymentEvent,
    PaymentIssue,
    Refund,
)
from wagtail_passes.models.orders import RefundState
from wagtail_passes.payments.refunds import refund_with_stripe
from wagtail_passes.rules.money import to_minor_units
from wagtail_passes.services.orders import Item, fulfil_order, place_basket
from wagtail_passes.services.refunds import refundable
from wagtail_passes.test.factories import PassPageFactory

from ..admin import admin_url, post_form
from .fake_stripe import event, post_event

pytestmark = pytest.mark.django_db


def _paid_at_stripe(stripe_client, member, *products):
    """An order of one line per product, paid by card: a PaymentIntent confirmed at
    localstripe in one call, recorded as the order's Stripe payment."""
    order = place_basket(member, [Item(product) for product in products], provider="stripe")
    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": to_minor_units(order.total, order.currency),
            "currency": order.currency.lower(),
            "payment_method": "pm_card_visa",
            "payment_method_types": ["card"],
            "confirm": True,
        }
    )
    assert intent.status == "succeeded"
    return _fulfil(order, intent.id, intent.amount), intent


def _fulfil(order, intent_id, minor_amount):
    session_id = f"cs_local_{order.pk}"
    order = fulfil_order(
        order,
        provider="stripe",
        provider_id=session_id,
        amount=order.total,
        raw={
            "id": session_id,
            "status": "complete",
            "payment_status": "paid",
            "amount_total": minor_amount,
            "currency": order.currency.lower(),
            "payment_intent": intent_id,
        },
    )
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    return order


def _stripe_refunds(stripe_client, intent_id):
    """What localstripe holds for the PaymentIntent: (id, amount in minor units, status),
    oldest first."""
    found = stripe_client.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100})
    return sorted(
        ((refund.id, refund.amount, refund.status) for refund in found.data),
        key=lambda row: row[0],
    )


def _rows(order):
    return sorted(
        Refund.objects.filter(order=order).values_list("provider_id", "line_id", "amount", "state")
    )


def _pass_states(order):
    return {
        line.pk: sorted(MemberPass.objects.filter(order_line=line).values_list("status", flat=True))
        for line in order.lines.all()
    }


@pytest.fixture
def products(db):
    return (
        PassPageFactory(title="Ten classes", price=Decimal("45.00"), currency="EUR"),
        PassPageFactory(title="Open mat", price=Decimal("30.55"), currency="EUR"),
    )


def test_c4_localstripe_whole_order_refund_matches_stripe_in_minor_units(
    localstripe, member, superuser, products, committed
):
    order, intent = _paid_at_stripe(localstripe, member, *products)
    first, second = order.lines.all()

    with committed():
        result = refund_with_stripe(order, superuser, reason="Moving away")

    [(refund_id, amount, status)] = _stripe_refunds(localstripe, intent.id)
    assert (amount, status) == (7555, "succeeded")  # 45.00 + 30.55, in cents
    assert result.amount.amount == Decimal("75.55")
    assert _rows(order) == sorted(
        [
            (f"{refund_id}#{first.pk}", first.pk, Decimal("45.00"), RefundState.SUCCEEDED),
            (f"{refund_id}#{second.pk}", second.pk, Decimal("30.55"), RefundState.SUCCEEDED),
        ]
    )
    assert sum(row[2] for row in _rows(order)) * 100 == amount
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert _pass_states(order) == {first.pk: ["cancelled"], second.pk: ["cancelled"]}
    refund = Refund.objects.filter(order=order).first()
    assert (refund.raw["payment_intent"], refund.raw["status"]) == (intent.id, "succeeded")


def test_c4_localstripe_chosen_lines_then_a_part_of_the_other(
    localstripe, member, superuser, products, committed
):
    order, intent = _paid_at_stripe(localstripe, member, *products)
    first, second = order.lines.all()

    with committed():
        refund_with_stripe(order, superuser, lines=[second])
    order.refresh_from_db()
    assert order.state == OrderState.PARTIALLY_REFUNDED
    assert _pass_states(order) == {first.pk: ["active"], second.pk: ["cancelled"]}
    with committed():
        refund_with_stripe(order, superuser, lines=[first], amounts={first: "12.34"})

    refunds = _stripe_refunds(localstripe, intent.id)
    assert sorted(amount for _id, amount, _status in refunds) == [1234, 3055]
    by_amount = {amount: refund_id for refund_id, amount, _status in refunds}
    assert _rows(order) == sorted(
        [
            (by_amount[3055], second.pk, Decimal("30.55"), RefundState.SUCCEEDED),
            (by_amount[1234], first.pk, Decimal("12.34"), RefundState.SUCCEEDED),
        ]
    )
    order.refresh_from_db()
    assert order.state == OrderState.PARTIALLY_REFUNDED
    # a line refunded in part keeps its pass; the one refunded in full gave its stock back
    assert _pass_states(order) == {first.pk: ["active"], second.pk: ["cancelled"]}
    assert not second.__class__.objects.get(pk=second.pk).holds_stock

    # our rule, not Stripe's (localstripe would accept it): at most what is left
    with pytest.raises(CheckoutError) as refused:
        refund_with_stripe(order, superuser, lines=[first], amounts={first: "32.67"})
    assert refused.value.code == "refund_too_large"
    assert len(_stripe_refunds(localstripe, intent.id)) == 2


@pytest.mark.django_db(transaction=True)  # real commits: Stripe is asked once committed
def test_c4_localstripe_refund_through_the_admin(localstripe, client, member, superuser, products):
    order, intent = _paid_at_stripe(localstripe, member, *products)
    first, _second = order.lines.all()
    client.force_login(superuser)
    url = admin_url("order", "refund", order.pk)

    response = post_form(client, url, {f"line_{first.pk}": "on", "confirm": "on"})

    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("€45.00 refunded")
    [(refund_id, amount, status)] = _stripe_refunds(localstripe, intent.id)
    assert (amount, status) == (4500, "succeeded")
    assert _rows(order) == [(refund_id, first.pk, Decimal("45.00"), RefundState.SUCCEEDED)]


def test_c4_localstripe_zero_decimal_currency_jpy(localstripe, member, superuser, committed):
    product = PassPageFactory(title="Dojo month", price=Decimal("5000"), currency="JPY")
    order, intent = _paid_at_stripe(localstripe, member, product)

    with committed():
        refund_with_stripe(order, superuser)

    [(_id, amount, _status)] = _stripe_refunds(localstripe, intent.id)
    assert amount == 5000  # whole yen: no minor unit
    assert Refund.objects.get(order=order).amount == Decimal("5000")


def test_c4_localstripe_a_refund_stripe_rejects_releases_its_reservation_and_cancels_nothing(
    localstripe, member, superuser, products, committed
):
    order, intent = _paid_at_stripe(localstripe, member, *products)
    Payment.objects.filter(order=order).update(intent_id="pi_does_not_exist")
    stock_before = [product.sold_count() for product in products]

    with committed():
        refund_with_stripe(order, superuser)

    # The reservation was written first, then released: it gives nothing back and counts
    # for nothing; staff are told.
    assert set(Refund.objects.values_list("state", flat=True)) == {RefundState.FAILED}
    assert Refund.objects.first().raw["refused"]  # what Stripe answered
    assert [row.left.amount for row in refundable(order)] == [Decimal("45.00"), Decimal("30.55")]
    assert PaymentIssue.objects.open().get().kind == "refund_failed"
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert not MemberPass.objects.filter(status=PassStatus.CANCELLED).exists()
    assert [product.sold_count() for product in products] == stock_before
    assert _stripe_refunds(localstripe, intent.id) == []


def test_c4_localstripe_a_dashboard_refund_arrives_by_charge_refunded(
    localstripe, client, member, products
):
    order, intent = _paid_at_stripe(localstripe, member, *products)
    refund = localstripe.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1000})
    charge = localstripe.v1.charges.retrieve(refund.charge)

    response = post_event(client, event("charge.refunded", charge.to_dict()))

    assert (response.status_code, response.content) == (200, b"refund_recorded")
    first = order.lines.first()
    assert _rows(order) == [(refund.id, first.pk, Decimal("10.00"), RefundState.SUCCEEDED)]
    # the refund's own event, asked again at localstripe, changes nothing more
    again = post_event(client, event("refund.updated", refund.to_dict()))
    assert (again.status_code, again.content) == (200, b"refund_known")
    assert PaymentEvent.objects.count() == 2
    order.refresh_from_db()
    assert order.state == OrderState.PARTIALLY_REFUNDED
