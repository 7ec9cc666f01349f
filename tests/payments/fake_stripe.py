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
        self._ids = itertools.count(1)

    # ---- stripe.HTTPClient ----------------------------------------------------------

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        form = dict(parse_qsl(body or parts.query, keep_blank_values=True))
        self.sent.append(Sent(method.upper(), parts.path, dict(headers or {}), form))
        if self.errors:
            status, error = self.errors.pop(0)
            return json.dumps({"error": error}), status, {"Request-Id": "req_error"}
        status, answer = self._answer(method.upper(), parts.path, form)
        return json.dumps(answer), status, {"Request-Id": f"req_{len(self.sent)}"}

    def close(self):
        pass

    def _sleep_time_seconds(self, num_retries, response=None):
        return 0  # stripe-python retries 5xx answers: no waiting in tests

    # ---- canned Stripe ----------------------------------------------------------------

    def _answer(self, method, path, form):
        prefix = "/v1/checkout/sessions"
        if method == "POST" and path == prefix:
            return 200, self._create(form)
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
        self.sessions[session_id].update(
            status="complete", payment_status=payment_status, payment_intent=f"pi_{session_id}"
        )
        return self.sessions[session_id]

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
