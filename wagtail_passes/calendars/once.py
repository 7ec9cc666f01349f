"""One-time tokens of the booking page: the checkout's signed tokens (``checkout/once.py``),
tied to the session booked. Showing the page writes nothing. The nonce is what
``services.book(token=...)`` keeps on the booking it makes (``Booking.token``, unique): the
same form sent again, even after that booking was cancelled, finds it instead of booking
twice. (A second POST racing the first waits for the session's lock, then finds it too.)
"""

from __future__ import annotations

from ..checkout import once

SALT = "wagtail_passes.calendars.booking_form"


def issue(request, session) -> str:
    """A token for the booking form of ``session`` shown to the signed-in member."""
    return once.issue(request, session.pk, salt=SALT)


def nonce_of(request, token: str, session_pk) -> str | None:
    """The nonce of a token this member got for this session's form; None for a forged,
    expired or foreign token."""
    return once.nonce_of(request, token, session_pk, salt=SALT)
