"""One-time tokens of the booking page, signed rather than stored: showing the page writes
nothing (no session save), which matters when a class opens its bookings and everyone
arrives at once.

A token names the member and the session it was issued for, a random nonce, and when it
was issued; it is refused once ``MAX_AGE`` has passed or when its signature, member or
session does not match. The nonce is what ``services.book(token=...)`` keeps on the
booking it makes (``Booking.token``, unique), inside the booking's own insert: the same
form sent again, even after that booking was cancelled, finds it instead of booking
twice. (A second POST racing the first waits for the session's lock, then finds it too.)
"""

from __future__ import annotations

import secrets

from django.core import signing

SALT = "wagtail_passes.calendars.booking_form"
#: How long a booking page's form can be sent: a page left open overnight asks again.
MAX_AGE = 12 * 60 * 60
#: Characters of randomness in a nonce (16 characters of URL-safe base64: 96 bits).
NONCE_BYTES = 12


def issue(request, session) -> str:
    """A token for the booking form of ``session`` shown to the signed-in member."""
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    value = f"{request.user.pk}.{session.pk}.{nonce}"
    return signing.TimestampSigner(salt=SALT).sign(value)


def nonce_of(request, session_pk: int, token: str) -> str | None:
    """The nonce of a token this member got for this session's form, within ``MAX_AGE``;
    None for a forged, expired or foreign token."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    member_pk, session_pk_signed, nonce = (value.split(".", 2) + ["", ""])[:3]
    if member_pk != str(request.user.pk) or session_pk_signed != str(session_pk) or not nonce:
        return None
    return nonce
