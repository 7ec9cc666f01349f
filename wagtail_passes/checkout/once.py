"""Double-submit protection for the checkout: each form carries a one-time token.

The token is kept in the member's session when the form is shown and passed to
``place_order``, which stores it on the order under a unique constraint: the same form sent
again, even at the same instant from another process, finds the order it placed instead of
placing a second one. The session remembers which order a token placed, to lead there.
"""

from __future__ import annotations

import secrets

SESSION_KEY = "wagtail_passes_checkout_tokens"
#: Tokens kept per session: enough for a few checkout tabs open at once.
KEEP = 20


def issue(request) -> str:
    """A new token for a checkout form, remembered in the session."""
    token = secrets.token_urlsafe(24)
    tokens = dict(request.session.get(SESSION_KEY, {}))
    tokens[token] = ""
    request.session[SESSION_KEY] = dict(list(tokens.items())[-KEEP:])
    return token


def state(request, token: str) -> str | None:
    """None for an unknown (expired, forged) token; "" for an unused one; else the reference
    of the order it placed."""
    return request.session.get(SESSION_KEY, {}).get(token)


def spend(request, token: str, reference: str) -> None:
    tokens = dict(request.session.get(SESSION_KEY, {}))
    tokens[token] = reference
    request.session[SESSION_KEY] = tokens
