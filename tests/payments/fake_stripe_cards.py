"""``FakeStripe`` plus what saving and charging cards needs (N1): Customers, PaymentMethods
and off-session PaymentIntents, with Stripe's answers for the test cards.

localstripe (``localstripe_server.py``) runs these too, but has no Checkout Sessions and
ignores idempotency keys; this fake keeps both: a Checkout Session made for a customer with
``setup_future_usage`` saves its card on that customer when paid (``pay``), and the same
idempotency key gets the same answer (``FakeStripe``'s replays).

What a PaymentMethod does when charged off-session, as Stripe answers it:

- ``pm_card_visa`` (and any other): succeeds;
- ``pm_card_chargeCustomerFail``: 402 ``card_error`` ``card_declined`` with the failed
  PaymentIntent in the error;
- ``pm_card_authenticationRequired`` (card 4000002500003155): 402 ``card_error``
  ``authentication_required``, the PaymentIntent ``requires_payment_method``.
"""

from __future__ import annotations

import itertools

from .fake_stripe import FakeStripe

CARDS = {
    "pm_card_visa": ("visa", "4242", 12, 2030),
    "pm_card_mastercard": ("mastercard", "4444", 3, 2031),
    "pm_card_chargeCustomerFail": ("visa", "0341", 12, 2030),
    "pm_card_authenticationRequired": ("visa", "3155", 12, 2030),
}
DECLINES = {
    "pm_card_chargeCustomerFail": ("card_declined", "Your card was declined."),
    "pm_card_authenticationRequired": (
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
}


def _metadata(form):
    return {
        key.removeprefix("metadata[").removesuffix("]"): value
        for key, value in form.items()
        if key.startswith("metadata[")
    }


class FakeStripeCards(FakeStripe):
    def __init__(self):
        super().__init__()
        self.customers: dict[str, dict] = {}
        self.payment_methods: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self._card_ids = itertools.count(1)
        #: The PaymentMethod Stripe's page saves when a session is paid (what the member typed).
        self.checkout_card = "pm_card_visa"

    def _answer(self, method, path, form):
        customer = form.get("customer")
        if path == "/v1/checkout/sessions" and customer and customer not in self.customers:
            # Stripe's answer for a Customer deleted in its dashboard.
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "param": "customer",
                    "message": f"No such customer: '{customer}'",
                }
            }
        if path.startswith("/v1/customers"):
            return self._customer(method, path, form)
        if path.startswith("/v1/payment_methods"):
            return self._payment_method(method, path)
        if path.startswith("/v1/payment_intents"):
            return self._intent(method, path, form)
        return super()._answer(method, path, form)

    def _create(self, form):
        session = super()._create(form)
        session["customer"] = form.get("customer")
        session["setup_future_usage"] = form.get("payment_intent_data[setup_future_usage]")
        return session

    # ---- customers and cards -------------------------------------------------------------

    def _customer(self, method, path, form):
        if method == "POST" and path == "/v1/customers":
            customer_id = f"cus_test_{next(self._card_ids):04d}"
            self.customers[customer_id] = {
                "id": customer_id,
                "object": "customer",
                "email": form.get("email"),
                "metadata": _metadata(form),
            }
            return 200, self.customers[customer_id]
        customer_id = path.removeprefix("/v1/customers/")
        if customer_id not in self.customers:
            return self._missing("customer", customer_id)
        return 200, self.customers[customer_id]

    def card(self, template="pm_card_visa", customer=None):
        """A PaymentMethod made from a test card (``template``), attached to ``customer``."""
        brand, last4, month, year = CARDS[template]
        method_id = f"pm_test_{next(self._card_ids):04d}"
        self.payment_methods[method_id] = {
            "id": method_id,
            "object": "payment_method",
            "type": "card",
            "customer": customer,
            "card": {"brand": brand, "last4": last4, "exp_month": month, "exp_year": year},
            "template": template,
        }
        return method_id

    def _payment_method(self, method, path):
        rest = path.removeprefix("/v1/payment_methods/")
        method_id = rest.removesuffix("/detach")
        if method_id not in self.payment_methods:
            return self._missing("payment_method", method_id)
        found = self.payment_methods[method_id]
        if method == "POST" and rest.endswith("/detach"):
            if found["customer"] is None:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "payment_method_unexpected_state",
                        "message": "The payment method is not attached to a customer.",
                    }
                }
            found["customer"] = None
        return 200, {k: v for k, v in found.items() if k != "template"}

    # ---- PaymentIntents -------------------------------------------------------------------

    def _intent(self, method, path, form):
        if method == "POST" and path == "/v1/payment_intents":
            return self._charge(form)
        intent_id = path.removeprefix("/v1/payment_intents/")
        if intent_id not in self.intents:
            return self._missing("payment_intent", intent_id)
        return 200, self.intents[intent_id]

    def _charge(self, form):
        method_id = form.get("payment_method")
        found = self.payment_methods.get(method_id)
        if found is None or found["customer"] != form.get("customer"):
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "param": "payment_method",
                    "message": f"No such PaymentMethod: '{method_id}'",
                }
            }
        intent_id = f"pi_test_{next(self._card_ids):04d}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "amount_received": 0,
            "currency": form.get("currency"),
            "customer": form.get("customer"),
            "payment_method": method_id,
            "metadata": _metadata(form),
            "status": "succeeded",
            "last_payment_error": None,
        }
        self.intents[intent_id] = intent
        decline = DECLINES.get(found["template"])
        if decline is None:
            intent["amount_received"] = intent["amount"]
            self._charge_row(intent)
            return 200, intent
        code, message = decline
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = {"type": "card_error", "code": code, "message": message}
        return 402, {
            "error": {
                "type": "card_error",
                "code": code,
                "message": message,
                "payment_intent": intent,
            }
        }

    def _charge_row(self, intent):
        charge_id = f"ch_{intent['id']}"
        self.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": 0,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "refunded": False,
        }

    # ---- Checkout ----------------------------------------------------------------------------

    def pay(self, session_id, payment_status="paid"):
        """As ``FakeStripe.pay``, and the PaymentIntent exists: with the card Stripe saved
        on the session's customer when the session asked for it."""
        session = super().pay(session_id, payment_status)
        customer = session.get("customer")
        saving = customer and session.get("setup_future_usage") == "off_session"
        method_id = self.card(self.checkout_card, customer if saving else None)
        self.intents[session["payment_intent"]] = {
            "id": session["payment_intent"],
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": session["amount_total"],
            "currency": session["currency"],
            "customer": customer,
            "payment_method": method_id,
            "metadata": {},
            "status": "succeeded",
            "last_payment_error": None,
        }
        return session
