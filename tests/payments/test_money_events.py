"""Issue 17, paying: what a second event does to the first. A payment is kept once; money
beyond what an order needs goes back on its own and staff are told; an amount or currency
that does not cover the order pays nothing; a refund reported before its payment is not
forgotten; any unpaid order can be paid by card; the free provider settles only free
orders (C2, C3, C4, C5, A6)."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.test import RequestFactory

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import (
    MemberPass,
    Order,
    OrderState,
    PassStatus,
    Payment,
    PaymentIssue,
    PaymentState,
    Refund,
    RefundState,
)
from wagtail_passes.payments.saved_cards import apply_intent
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.services.orders import fulfil_order, mark_paid, place_order
from wagtail_passes.services.payment_state import money_kept
from wagtail_passes.test.factories import PassPageFactory, StaffFactory

from ..committing import committed
from .fake_stripe import event, post_event

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"
SUCCEEDED = "checkout.session.async_payment_succeeded"


def _request():
    return RequestFactory().get("/", HTTP_HOST="studio.example.com")


def _session(order, fake, *, new=False):
    """A Checkout Session for ``order``: "Pay by card", or (``new``) one made directly, as
    a page opened before the guard against a second session existed would have."""
    provider = StripeProvider()
    if new:
        return fake.sessions[
            provider.create_session(services.orders.lock_order(order), _request())["id"]
        ]
    provider.start(order, _request())
    return fake.sessions[Payment.objects.filter(order=order).latest("pk").provider_id]


def _deliver(client, event_type, obj, **kwargs):
    with committed():
        return post_event(client, event(event_type, obj, **kwargs))


def _text(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


def _passes(order):
    return sorted(
        MemberPass.objects.filter(order_line__order=order).values_list("status", "is_paid")
    )


def _issues(order):
    return sorted(PaymentIssue.objects.filter(order=order).values_list("kind", flat=True))


# ---- item 1: a second payment of a paid order is refunded, and staff are told -------------


def test_c3_a_second_session_paid_after_a_processing_debit_succeeds_goes_back(
    client, card_order, stripe_on, settings
):
    settings.MANAGERS = [("Studio", "studio@example.com")]
    first = _session(card_order, stripe_on)
    stripe_on.pay(first["id"], payment_status="unpaid")  # a bank debit, still processing
    assert _deliver(client, COMPLETED, first).content == b"waiting"
    second = _session(card_order, stripe_on, new=True)
    stripe_on.pay(second["id"])
    assert _deliver(client, COMPLETED, second).content == b"fulfilled"
    mail.outbox.clear()

    stripe_on.pay(first["id"])  # the debit succeeds after all
    response = _deliver(client, SUCCEEDED, first)

    assert response.content == b"refunded"
    card_order.refresh_from_db()
    assert card_order.state == OrderState.PAID
    assert _passes(card_order) == [("active", True)]  # one pass, not two
    [refund] = Refund.objects.filter(order=card_order)
    assert (refund.payment.provider_id, refund.amount, refund.line, refund.state) == (
        first["id"],
        Decimal("90.00"),
        None,
        RefundState.SUCCEEDED,
    )
    [sent] = stripe_on.of("POST", "/v1/refunds")
    assert sent.form["payment_intent"] == f"pi_{first['id']}"
    assert money_kept(card_order) == Decimal("90.00")  # kept once
    # Staff are told: the order's history, "Payments needing attention" (closed once the
    # refund succeeded), an email to the managers. The member is told too.
    assert _issues(card_order) == ["overpaid"]
    assert not PaymentIssue.objects.open().exists()
    assert any("needs your attention" in m.subject for m in mail.outbox)
    assert any(m.to == [card_order.member.email] and "refunded" in m.subject for m in mail.outbox)


def test_c3_a_card_payment_after_staff_marked_the_order_paid_goes_back(
    client, card_order, stripe_on
):
    session = _session(card_order, stripe_on)
    mark_paid(card_order, StaffFactory(), reference="cash at the desk")
    stripe_on.pay(session["id"])

    response = _deliver(client, COMPLETED, session)

    assert response.content == b"refunded"
    payment = Payment.objects.get(provider_id=session["id"])
    assert (payment.state, payment.problem) == (PaymentState.SUCCEEDED, "overpaid")
    assert Refund.objects.get(payment=payment).amount == Decimal("90.00")
    assert money_kept(card_order) == Decimal("90.00")
    assert _passes(card_order) == [("active", True)]
    assert _issues(card_order) == ["overpaid"]


def test_c3_more_than_the_total_in_one_payment_keeps_the_total_and_gives_back_the_rest(
    client, card_order, stripe_on
):
    session = _session(card_order, stripe_on)
    stripe_on.pay(session["id"])
    session["amount_total"] = 9500  # 95.00 for a 90.00 order

    assert _deliver(client, COMPLETED, session).content == b"fulfilled"

    card_order.refresh_from_db()
    assert card_order.state == OrderState.PAID
    assert Refund.objects.get(order=card_order).amount == Decimal("5.00")
    assert money_kept(card_order) == Decimal("90.00")


# ---- item 2: "Pay by card" asks Stripe about the last session first -------------------------


def test_c3_pay_by_card_after_a_completed_session_whose_webhook_is_late_pays_the_order(
    member_client, card_order, stripe_on
):
    session = _session(card_order, stripe_on)
    stripe_on.pay(session["id"])  # paid at Stripe; the webhook has not arrived
    stripe_on.sent.clear()

    with committed():
        response = member_client.post(f"/passes/orders/{card_order.reference}/pay/")

    assert response.status_code == 303
    assert response["Location"] == f"/passes/orders/{card_order.reference}/"
    assert not stripe_on.of("POST", "/v1/checkout/sessions")  # no second session
    assert stripe_on.sent[0].path == f"/v1/checkout/sessions/{session['id']}"  # asked first
    card_order.refresh_from_db()
    assert card_order.state == OrderState.PAID
    assert _passes(card_order) == [("active", True)]


def test_c3_pay_by_card_while_a_bank_debit_is_processing_opens_no_second_session(
    member_client, client, card_order, stripe_on
):
    session = _session(card_order, stripe_on)
    stripe_on.pay(session["id"], payment_status="unpaid")
    stripe_on.sent.clear()

    response = member_client.post(f"/passes/orders/{card_order.reference}/pay/")

    assert response["Location"] == f"/passes/orders/{card_order.reference}/"
    assert not stripe_on.of("POST", "/v1/checkout/sessions")
    page = member_client.get(f"/passes/orders/{card_order.reference}/").content.decode()
    assert "is being confirmed by your bank" in page
    assert "Pay by card" not in page


# ---- item 4: an amount or currency that does not cover the order pays nothing ---------------


def test_a6_a_session_that_paid_less_than_the_total_leaves_the_order_pending(
    client, member_client, card_order, stripe_on
):
    session = _session(card_order, stripe_on)
    stripe_on.pay(session["id"])
    session["amount_total"] = 100  # Stripe reports 1.00 for a 90.00 order

    response = _deliver(client, COMPLETED, session)

    assert response.content == b"short"
    card_order.refresh_from_db()
    assert card_order.state == OrderState.PENDING
    assert _passes(card_order) == []
    assert _issues(card_order) == ["short"]
    assert PaymentIssue.objects.open().count() == 1
    page = _text(member_client.get(f"/passes/orders/{card_order.reference}/"))
    assert "We received €1.00, less than this order's total of €90.00: it is not paid yet." in page


def test_a6_money_short_of_the_total_goes_back_when_the_order_expires(
    client, card_order, stripe_on, time_machine
):
    session = _session(card_order, stripe_on)
    stripe_on.pay(session["id"])
    session["amount_total"] = 100
    _deliver(client, COMPLETED, session)
    card_order.refresh_from_db()
    time_machine.move_to(card_order.expires_at + dt.timedelta(minutes=1), tick=False)

    with committed():
        services.expire_orders()

    card_order.refresh_from_db()
    assert card_order.state == OrderState.EXPIRED
    refund = Refund.objects.get(order=card_order)
    assert (refund.amount, refund.state) == (Decimal("1.00"), RefundState.SUCCEEDED)
    assert money_kept(card_order) == Decimal("0.00")


def test_a6_a_session_paid_in_another_currency_pays_nothing(client, card_order, stripe_on):
    session = _session(card_order, stripe_on)
    stripe_on.pay(session["id"])
    session["currency"] = "usd"

    response = _deliver(client, COMPLETED, session)

    assert response.content == b"currency_mismatch"
    card_order.refresh_from_db()
    assert card_order.state == OrderState.PENDING
    assert _issues(card_order) == ["currency"]
    assert money_kept(card_order) == Decimal("0.00")


def test_a6_a_saved_card_charge_short_of_the_total_pays_nothing(member, product, stripe_on):
    order = place_order(member, product)
    intent = {
        "id": "pi_short",
        "status": "succeeded",
        "amount": 100,
        "amount_received": 100,
        "currency": "eur",
        "metadata": {
            "wagtail_passes": "saved_card",
            "order_reference": order.reference,
            "order_pk": str(order.pk),
        },
    }

    assert apply_intent(intent) == "short"

    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert _issues(order) == ["short"]


# ---- item 5: a refund reported before its payment converges --------------------------------


def _end_state(order):
    order.refresh_from_db()
    refunded = sum(
        Refund.objects.filter(
            order=order, state__in=[RefundState.PENDING, RefundState.SUCCEEDED]
        ).values_list("amount", flat=True),
        Decimal(0),
    )
    return (order.state, _passes(order), money_kept(order), refunded)


@pytest.mark.parametrize(
    "order_of_events",
    list(itertools.permutations(["completed", "charge.refunded"]))
    + list(itertools.permutations(["completed", "charge.refunded", "refund.updated"])),
)
def test_c4_c5_events_about_one_refunded_payment_converge_in_any_order(
    client, member, product, stripe_on, order_of_events
):
    """Item 5: paid, then refunded in full in Stripe's dashboard at once; Stripe's events of
    it (each with its own id) arrive in any order, each twice. The refund reported before
    its payment is not dropped: never a usable pass for money that went back."""
    order = place_order(member, product, provider="stripe")
    session = _session(order, stripe_on)
    stripe_on.pay(session["id"])
    charge = f"ch_{session['id']}"
    stripe_on.refund(charge, 9000)
    refund = next(iter(stripe_on.refunds.values()))
    events = {
        "completed": event(COMPLETED, session),
        "charge.refunded": event("charge.refunded", stripe_on.charges[charge]),
        "refund.updated": event("refund.updated", refund),
    }

    for name in order_of_events + order_of_events:  # the same event again is a duplicate
        with committed():
            assert post_event(client, events[name]).status_code == 200

    assert _end_state(order) == (
        OrderState.REFUNDED,
        [(PassStatus.CANCELLED, True)],
        Decimal("0.00"),
        Decimal("90.00"),
    )


# ---- item 6: any unpaid order of the member can be paid by card ----------------------------


def test_c2_a_bank_transfer_order_can_be_paid_by_card(
    client, member_client, member, product, stripe_on
):
    order = place_order(member, product)  # bank transfer (a renewal order is one)
    page = member_client.get(f"/passes/orders/{order.reference}/").content.decode()
    assert "Pay by card" in page

    response = member_client.post(f"/passes/orders/{order.reference}/pay/")

    assert response.status_code == 303
    assert response["Location"].startswith("https://checkout.stripe.com/")
    session = next(iter(stripe_on.sessions.values()))
    stripe_on.pay(session["id"])
    assert _deliver(client, COMPLETED, session).content == b"fulfilled"
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert Payment.objects.get(order=order, state=PaymentState.SUCCEEDED).provider == "stripe"


# ---- item 7: each provider settles only the orders it may ----------------------------------


def test_c2_the_free_provider_never_pays_a_priced_order(member, product):
    with pytest.raises(CheckoutError) as refused:
        place_order(member, product, provider="free")
    assert refused.value.code == "provider_not_allowed"
    assert not Order.objects.exists()

    order = place_order(member, product)
    with pytest.raises(CheckoutError) as refused:
        fulfil_order(order, provider="free")
    assert refused.value.code == "provider_not_allowed"
    order.refresh_from_db()
    assert (order.state, _passes(order)) == (OrderState.PENDING, [])


def test_c2_an_unknown_provider_is_refused(member, product):
    with pytest.raises(CheckoutError) as refused:
        place_order(member, product, provider="bitcoin")
    assert refused.value.code == "provider_not_allowed"
    assert not Order.objects.exists()


def test_c2_a_free_order_is_still_paid_when_placed(member):
    free = PassPageFactory(title="Trial", price=Decimal("0.00"))

    order = place_order(member, free, provider="stripe")

    assert (order.state, order.provider) == (OrderState.PAID, "free")
    assert _passes(order) == [("active", True)]


def test_c3_staff_recording_less_than_the_total_is_refused(member, product):
    order = place_order(member, product)

    with pytest.raises(CheckoutError) as refused:
        fulfil_order(order, provider="manual", amount=Decimal("1.00"))

    assert refused.value.code == "amount_mismatch"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert not Payment.objects.filter(order=order).exists()


def test_c3_a_member_cannot_cancel_an_order_whose_bank_debit_is_on_its_way(
    client, member_client, card_order, stripe_on
):
    session = _session(card_order, stripe_on)
    stripe_on.pay(session["id"], payment_status="unpaid")
    _deliver(client, COMPLETED, session)

    page = _text(member_client.get(f"/passes/orders/{card_order.reference}/"))
    response = member_client.post(f"/passes/orders/{card_order.reference}/cancel/")

    assert "cannot be cancelled now" in page
    assert response.status_code == 200
    card_order.refresh_from_db()
    assert card_order.state == OrderState.PENDING
    with pytest.raises(CheckoutError) as refused:
        services.cancel_order(card_order, card_order.member)
    assert refused.value.code == "payment_processing"
    services.cancel_order(card_order, StaffFactory(permissions=["change_order"]))  # staff may


def test_c3_c5_an_order_paid_whose_webhook_never_came_is_paid_not_expired(
    member, product, stripe_on, time_machine
):
    """Before a hold is let go, the open attempts are asked of Stripe again: the member paid
    and closed the browser, Stripe's webhook was lost; the tidy job pays the order."""
    order = place_order(member, product, provider="stripe")
    session = _session(order, stripe_on)
    stripe_on.pay(session["id"])
    order.refresh_from_db()
    time_machine.move_to(order.expires_at + dt.timedelta(minutes=1), tick=False)

    with committed():
        expired = services.expire_orders()

    assert expired == 0
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert _passes(order) == [("active", True)]


def test_c4_a_dashboard_refund_is_recorded_on_the_payment_whose_charge_it_refunded(
    client, card_order, stripe_on
):
    """Two payments of one order (the second went back): a refund made in Stripe's dashboard
    of the first is recorded on the first, whatever came last."""
    first = _session(card_order, stripe_on)
    second = _session(card_order, stripe_on, new=True)
    for session in (first, second):
        stripe_on.pay(session["id"])
        _deliver(client, COMPLETED, session)  # the second is refunded automatically
    stripe_on.refund(f"ch_{first['id']}", 500)

    _deliver(client, "charge.refunded", stripe_on.charges[f"ch_{first['id']}"])

    dashboard = Refund.objects.get(provider_id=next(reversed(stripe_on.refunds)))
    assert dashboard.payment.provider_id == first["id"]
    assert dashboard.amount == Decimal("5.00")
