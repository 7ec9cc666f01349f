"""One-time tokens for the booking page, as ``checkout/once.py`` does for the checkout:
the token goes into the form and the member's session; the first POST spends it and
remembers what it did, so the same form sent again leads to that result instead of
booking twice. (A second POST racing the first is refused by ``services.book`` with
``already_booked`` under the session's lock, which the view also leads to the result.)"""

from __future__ import annotations

import secrets

SESSION_KEY = "wagtail_passes_booking_tokens"
KEEP = 20


def issue(request) -> str:
    token = secrets.token_urlsafe(24)
    tokens = dict(request.session.get(SESSION_KEY, {}))
    tokens[token] = ""
    request.session[SESSION_KEY] = dict(list(tokens.items())[-KEEP:])
    return token


def state(request, token: str) -> str | None:
    """None for an unknown token, "" for an unused one, else what it did ("booking:12")."""
    return request.session.get(SESSION_KEY, {}).get(token)


def spend(request, token: str, result: str) -> None:
    tokens = dict(request.session.get(SESSION_KEY, {}))
    tokens[token] = result
    request.session[SESSION_KEY] = tokens
