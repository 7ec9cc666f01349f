"""A recording ``stripe.HTTPClient`` standing in for Stripe's servers (unreachable here).

stripe-python still builds the real requests (form encoding, ``Idempotency-Key``) and maps
error bodies to its real exception classes: tests assert on what was sent and get canned
JSON back. Checkout Sessions are kept in ``sessions`` so a test can move one to "paid".
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import stripe

SECRET_KEY = "sk_test_wagtail_passes"
WEBHOOK_SECRET = "whsec_test_wagtail_passes"


@dataclass
class Sent:
    method: str
    path: str
    headers: dict
    form: dict  # the form-encoded body (or query) as key -> value, keys as Stripe reads them


class FakeStripe(stripe.HTTPClient):
    name = "recording"

    def __init__(self):
        super().__init__()
        self.sent: list[Sent] = []
        self.sessions: dict[str, dict] = {}
        self.errors: list[tuple[int, dict]] = []  # answered next, instead of the real thing
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        #: The status a refund made through the API gets (Stripe: "succeeded" for most
        #: cards at once, "pending" or "requires_action" for some methods).
        self.refund_status = "succeeded"
        self._ids = itertools.count(1)
        self._refund_ids = itertools.count(1)
        # Stripe's idempotency: the same key gets the same answer.
        self._replays: dict[str, tuple[int, dict]] = {}

    # ---- stripe.HTTPClient ----------------------------------------------------------

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        form = dict(parse_qsl(body or parts.query, keep_blank_values=True))
        self.sent.append(Sent(method.upper(), parts.path, dict(headers or {}), form))
        if self.errors:
            status, error = self.errors.pop(0)
            return json.dumps({"error": error}), status, {"Request-Id": "req_error"}
        key = {k.lower(): v for k, v in (headers or {}).items()}.get("idempotency-key")
        if method.upper() == "POST" and key and key in self._replays:
            status, answer = self._replays[key]
        else:
            status, answer = self._answer(method.upper(), parts.path, form)
            if method.upper() == "POST" and key and status < 500:
                self._replays[key] = (status, answer)
        return json.dumps(answer), status, {"Request-Id": f"req_{len(self.sent)}"}

    def close(self):
        pass

    def _sleep_time_seconds(self, num_retries, response=None):
        return 0  # stripe-python retries 5xx answers: no waiting in tests

    # ---- canned Stripe ----------------------------------------------------------------

    def _answer(self, method, path, form):
        if path.startswith(("/v1/refunds", "/v1/charges")):
            return self._refund_answer(method, path, form)
        prefix = "/v1/checkout/sessions"
        if method == "POST" and path == prefix:
            return 200, self._create(form)
        if method == "GET" and path == prefix:  # Stripe lists sessions by PaymentIntent
            found = [
                s
                for s in self.sessions.values()
                if s["payment_intent"] == form.get("payment_intent")
            ]
            return 200, {"object": "list", "data": found, "has_more": False, "url": prefix}
        session_id = path.removeprefix(prefix + "/").removesuffix("/expire")
        if session_id not in self.sessions:
            return 404, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": f"No such checkout.session: '{session_id}'",
                }
            }
        if method == "POST" and path.endswith("/expire"):
            self.sessions[session_id]["status"] = "expired"
        return 200, self.sessions[session_id]

    def _create(self, form):
        session_id = f"cs_test_{next(self._ids):04d}"
        amount = sum(
            int(form[f"line_items[{i}][price_data][unit_amount]"])
            * int(form[f"line_items[{i}][quantity]"])
            for i in itertools.takewhile(
                lambda i: f"line_items[{i}][quantity]" in form, itertools.count()
            )
        )
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "mode": form.get("mode"),
            "amount_total": amount,
            "currency": form.get("line_items[0][price_data][currency]"),
            "client_reference_id": form.get("client_reference_id"),
            "metadata": {
                key.removeprefix("metadata[").removesuffix("]"): value
                for key, value in form.items()
                if key.startswith("metadata[")
            },
            "expires_at": int(form.get("expires_at", 0)),
            "payment_intent": None,
        }
        self.sessions[session_id] = session
        return session

    def pay(self, session_id, payment_status="paid"):
        """What Stripe's page does when the member pays (or starts a slow payment)."""
        session = self.sessions[session_id]
        session.update(
            status="complete", payment_status=payment_status, payment_intent=f"pi_{session_id}"
        )
        charge_id = f"ch_{session_id}"
        self.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "amount": session["amount_total"],
            "amount_refunded": 0,
            "currency": session["currency"],
            "payment_intent": session["payment_intent"],
            "refunded": False,
        }
        return session

    # ---- refunds ----------------------------------------------------------------------

    def _missing(self, what, ident):
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"No such {what}: '{ident}'",
            }
        }

    def _refund_answer(self, method, path, form):
        if path.startswith("/v1/charges/"):
            charge_id = path.removeprefix("/v1/charges/")
            if charge_id not in self.charges:
                return self._missing("charge", charge_id)
            return 200, self.charges[charge_id]
        if method == "POST" and path == "/v1/refunds":
            intent = form.get("payment_intent")
            charge = next((c for c in self.charges.values() if c["payment_intent"] == intent), None)
            if charge is None:
                return self._missing("payment_intent", intent)
            amount = int(form.get("amount") or charge["amount"] - charge["amount_refunded"])
            return self.refund(
                charge["id"],
                amount,
                status=self.refund_status,
                metadata={
                    key.removeprefix("metadata[").removesuffix("]"): value
                    for key, value in form.items()
                    if key.startswith("metadata[")
                },
            )
        if method == "GET" and path.startswith("/v1/refunds/"):
            refund_id = path.removeprefix("/v1/refunds/")
            if refund_id not in self.refunds:
                return self._missing("refund", refund_id)
            return 200, self.refunds[refund_id]
        if method == "GET" and path == "/v1/refunds":
            found = [r for r in self.refunds.values() if r["charge"] == form.get("charge")]
            found.reverse()  # newest first, as Stripe lists
            return 200, {"object": "list", "data": found, "has_more": False, "url": "/v1/refunds"}
        return self._missing("refund", path)

    def refund(self, charge_id, amount, metadata=None, status="succeeded"):
        """A refund as Stripe makes it (from the API, or by hand in Stripe's dashboard)."""
        charge = self.charges[charge_id]
        if amount <= 0 or charge["amount_refunded"] + amount > charge["amount"]:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "charge_already_refunded"
                    if charge["amount_refunded"] >= charge["amount"]
                    else "amount_too_large",
                    "message": "Refund amount is greater than unrefunded amount on charge.",
                }
            }
        refund_id = f"re_test_{next(self._refund_ids):04d}"
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self.refunds[refund_id] = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "currency": charge["currency"],
            "charge": charge_id,
            "payment_intent": charge["payment_intent"],
            "status": status,
            "created": int(time.time()) + len(self.refunds),
            "metadata": metadata or {},
            "reason": None,
        }
        return 200, self.refunds[refund_id]

    def set_refund_status(self, refund_id, status, failure_reason=None):
        """What Stripe does to a refund later: it succeeds, or fails (the money is the
        charge's again)."""
        refund = self.refunds[refund_id]
        if status in ("failed", "canceled") and refund["status"] not in ("failed", "canceled"):
            self.charges[refund["charge"]]["amount_refunded"] -= refund["amount"]
            self.charges[refund["charge"]]["refunded"] = False
        refund["status"] = status
        if failure_reason:
            refund["failure_reason"] = failure_reason
        return refund

    def fail_next(self, status, error_type="api_error", message="Something went wrong."):
        self.errors.append((status, {"type": error_type, "message": message}))

    def of(self, method, path_start):
        return [
            sent for sent in self.sent if sent.method == method and sent.path.startswith(path_start)
        ]


# ---- signed webhook fixtures -------------------------------------------------------------

_event_ids = itertools.count(1)


def event(event_type, session, event_id=None):
    """A Stripe event for ``session`` (a dict) as Stripe would deliver it."""
    return {
        "id": event_id or f"evt_test_{next(_event_ids):05d}",
        "object": "event",
        "type": event_type,
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "data": {"object": dict(session)},
    }


def signed(payload: str, secret=WEBHOOK_SECRET, timestamp=None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def post_event(client, evt, *, secret=WEBHOOK_SECRET, timestamp=None, signature=None):
    payload = json.dumps(evt)
    header = signature if signature is not None else signed(payload, secret, timestamp)
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    return client.post(
        "/passes/webhooks/stripe/", data=payload, content_type="application/json", **extra
    )
