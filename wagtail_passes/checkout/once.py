"""Double-submit protection for the member's forms (the checkouts, the booking page): each
form carries a one-time token, signed rather than stored, so showing a form writes nothing
(no session save), which matters when a class opens its bookings or a season its
registrations and everyone arrives at once.

A token names the member (and what the form is for, e.g. the session booked), a random
nonce and when it was issued; it is refused once ``MAX_AGE`` has passed or when its
signature or member does not match. The nonce is what the service keeps on the row it
creates, under a unique constraint (``Order.checkout_token``, ``Booking.token``): the same
form sent again, even at the same instant from another process, finds that order or booking
instead of making a second one.
"""

from __future__ import annotations

import secrets

from django.core import signing

SALT = "wagtail_passes.checkout.form"
#: How long a form can be sent: a page left open overnight asks again.
MAX_AGE = 12 * 60 * 60
#: Bytes of randomness in a nonce (16 characters of URL-safe base64: 96 bits).
NONCE_BYTES = 12


def issue(request, *scope, salt: str = SALT) -> str:
    """A token for a form shown to the signed-in member; ``scope`` (primary keys) ties it
    to what the form is for."""
    parts = [request.user.pk, *scope, secrets.token_urlsafe(NONCE_BYTES)]
    return signing.TimestampSigner(salt=salt).sign(".".join(str(part) for part in parts))


def nonce_of(request, token, *scope, salt: str = SALT) -> str | None:
    """The nonce of a token this member got for a form of this ``scope`` within
    ``MAX_AGE``; None for a forged, expired or foreign one."""
    try:
        value = signing.TimestampSigner(salt=salt).unsign(str(token or ""), max_age=MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    *named, nonce = value.split(".")
    if named != [str(part) for part in (request.user.pk, *scope)] or not nonce:
        return None
    return nonce
