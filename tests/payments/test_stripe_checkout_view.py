"""The member's side of card payments (C2, C5): choosing card at checkout, the return page
that asks Stripe again, and "Pay by card" to resume an order awaiting payment."""

import pytest

from tests.checkout import checkout_url, form_data, order_url, soup_of, words
from wagtail_passes.models import MemberPass, Order, OrderState, PaymentState

pytestmark = pytest.mark.django_db


def _return_url(order):
    return f"/passes/orders/{order.reference}/paid/"


def test_c2_without_stripe_keys_only_bank_transfer_is_offered(member_client, product, settings):
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = "sk_test_only_one"

    soup = soup_of(member_client.get(checkout_url(product)))

    assert soup.select("input[name=method]") == []
    assert "Bank transfer or pay at the venue" in words(
        soup.select_one(".wp-checkout__payment")
    )


def test_c2_with_stripe_the_member_chooses_bank_transfer_or_card(member_client, product, stripe_on):
    soup = soup_of(member_client.get(checkout_url(product)))

    radios = soup.select("input[type=radio][name=method]")
    assert [radio["value"] for radio in radios] == ["manual", "stripe"]
    assert radios[0].has_attr("checked")
    labels = [words(soup.select_one(f"label[for={radio['id']}]")) for radio in radios]
    assert labels == ["Bank transfer or pay at the venue", "Card (Stripe)"]


def test_c2_card_choice_places_a_stripe_order_and_redirects_to_the_session(
    member_client, product, stripe_on
):
    page = member_client.get(checkout_url(product))

    response = member_client.post(checkout_url(product), form_data(page, method="stripe"))

    assert response.status_code == 303
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_0001"
    order = Order.objects.get()
    assert (order.provider, order.state) == ("stripe", OrderState.PENDING)
    assert order.payments.get().provider_id == "cs_test_0001"
    assert stripe_on.sent[0].form["success_url"].endswith(_return_url(order))


def test_c2_bank_transfer_choice_with_stripe_on_stays_manual(member_client, product, stripe_on):
    page = member_client.get(checkout_url(product))

    response = member_client.post(checkout_url(product), form_data(page, method="manual"))

    order = Order.objects.get()
    assert response["Location"] == order_url(order)
    assert order.provider == "manual"
    assert stripe_on.sent == []


def test_c2_unknown_method_is_refused_and_nothing_written(member_client, product, stripe_on):
    page = member_client.get(checkout_url(product))

    response = member_client.post(checkout_url(product), form_data(page, method="bitcoin"))

    assert response.status_code == 200
    assert "Choose how you want to pay." in words(soup_of(response))
    assert not Order.objects.exists()


def test_c2_stripe_error_shows_a_clear_message_and_the_order_stays_pending(
    member_client, product, stripe_on
):
    page = member_client.get(checkout_url(product))
    stripe_on.fail_next(401, "invalid_request_error", "Invalid API Key provided")

    response = member_client.post(checkout_url(product), form_data(page, method="stripe"))

    assert response.status_code == 200
    order = Order.objects.get()
    message = words(soup_of(response).select_one("#wp-payment-problem"))
    assert "could not be started" in message and order.reference in message
    assert "API Key" not in message  # Stripe's words are for the log, not the member
    assert order.state == OrderState.PENDING
    assert not order.payments.exists()
    # and the member can try again from there
    retry = member_client.post(f"/passes/orders/{order.reference}/pay/")
    assert retry.status_code == 303
    assert retry["Location"].startswith("https://checkout.stripe.com/")


def test_c5_order_page_offers_pay_by_card_and_resumes_with_a_new_session_when_expired(
    member_client, card_order, stripe_on
):
    soup = soup_of(member_client.get(order_url(card_order)))
    form = soup.select_one("form.wp-order__pay-online")
    assert form["action"] == f"/passes/orders/{card_order.reference}/pay/"
    assert words(form.button) == "Pay by card"

    first = member_client.post(form["action"])
    stripe_on.sessions["cs_test_0001"]["status"] = "expired"
    second = member_client.post(form["action"])

    assert first["Location"].endswith("cs_test_0001")
    assert second["Location"].endswith("cs_test_0002")
    assert Order.objects.count() == 1
    states = dict(card_order.payments.values_list("provider_id", "state"))
    assert states == {"cs_test_0001": PaymentState.FAILED, "cs_test_0002": PaymentState.PENDING}


def test_c5_no_pay_by_card_for_another_members_order(client, stripe_on, card_order):
    from wagtail_passes.test.factories import UserFactory

    client.force_login(UserFactory())
    assert client.post(f"/passes/orders/{card_order.reference}/pay/").status_code == 404
    assert stripe_on.sent == []


def test_c3_return_page_asks_stripe_and_fulfils_once(member_client, card_order, stripe_on):
    member_client.post(f"/passes/orders/{card_order.reference}/pay/")
    stripe_on.pay("cs_test_0001")

    first = member_client.get(_return_url(card_order) + "?paid=no")
    second = member_client.get(_return_url(card_order))

    assert first.status_code == second.status_code == 303
    assert first["Location"] == order_url(card_order)
    card_order.refresh_from_db()
    assert card_order.state == OrderState.PAID
    assert MemberPass.objects.filter(order_line__order=card_order).count() == 1


def test_c3_return_page_ignores_query_parameters_and_shows_pending_when_unpaid(
    member_client, card_order, stripe_on
):
    member_client.post(f"/passes/orders/{card_order.reference}/pay/")

    response = member_client.get(
        _return_url(card_order) + "?session_id=cs_test_0001&payment_status=paid"
    )

    assert response.status_code == 200
    assert words(soup_of(response).h1) == "Payment pending"
    card_order.refresh_from_db()
    assert card_order.state == OrderState.PENDING
    assert stripe_on.sent[-1].path == "/v1/checkout/sessions/cs_test_0001"


def test_c2_return_page_when_stripe_is_down_says_so_without_a_500(
    member_client, card_order, stripe_on
):
    member_client.post(f"/passes/orders/{card_order.reference}/pay/")
    stripe_on.fail_next(503)

    response = member_client.get(_return_url(card_order))

    assert response.status_code == 200
    assert "could not check your payment" in words(soup_of(response))
