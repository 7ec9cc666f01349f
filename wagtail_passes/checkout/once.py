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


def issue(request, key: str = SESSION_KEY) -> str:
    """A new token for a form, remembered in the session (under ``key``: one set of tokens
    per kind of form)."""
    token = secrets.token_urlsafe(24)
    tokens = dict(request.session.get(key, {}))
    tokens[token] = ""
    request.session[key] = dict(list(tokens.items())[-KEEP:])
    return token


def state(request, token: str, key: str = SESSION_KEY) -> str | None:
    """None for an unknown (expired, forged) token; "" for an unused one; else what it did
    (the reference of the order it placed)."""
    return request.session.get(key, {}).get(token)


def spend(request, token: str, result: str, key: str = SESSION_KEY) -> None:
    tokens = dict(request.session.get(key, {}))
    tokens[token] = result
    request.session[key] = tokens
