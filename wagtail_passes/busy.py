"""What a page answers when a write was refused ``busy`` (``services.lock_waits``): the
page with the refusal's message, as HTTP 503 with ``Retry-After``, so a browser, a proxy
or a monitoring script can tell "try again in a moment" from a page that worked."""

from __future__ import annotations

from .services.lock_waits import BUSY

RETRY_AFTER_SECONDS = 2


def is_busy(error) -> bool:
    return getattr(error, "code", None) == BUSY


def answer_busy(response, error):
    """``response`` (the page showing ``error``), marked 503 + Retry-After when ``error``
    is a busy refusal; unchanged otherwise."""
    if is_busy(error):
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
