"""The member's private calendar feed address (CAL3).

``member_feed_token(member)`` returns the token of the member's feed, creating it on first
use; ``reset_feed_token(member)`` replaces it, so the old address stops working at once.
``feed_for_token(token)`` finds the member of a token, or None for anything unknown.

Tokens come from ``secrets.token_urlsafe`` (32 random bytes, 43 characters), are unique in
the database and are looked up by that unique index; a member's own actions on their feed
are not audited (like their own bookings).
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from ..models import CalendarFeed
from ..models.feeds import TOKEN_BYTES, TOKEN_MAX_LENGTH
from .inputs import check_member

#: Tokens shorter than this were never issued: the view refuses them without a query.
TOKEN_MIN_LENGTH = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def member_feed_token(member) -> str:
    """The member's feed token, created the first time it is asked for. Two requests asking
    at once get the same token (the one-to-one row decides)."""
    check_member(member)
    feed = CalendarFeed.objects.filter(member=member).only("token").first()
    if feed is not None:
        return feed.token
    try:
        with transaction.atomic():
            feed = CalendarFeed.objects.create(member=member, token=new_token())
    except IntegrityError:
        # Another request created it first (or, with odds of 2**-256, the token was taken).
        return CalendarFeed.objects.get(member=member).token
    return feed.token


def reset_feed_token(member) -> str:
    """Give the member's feed a new token (creating the feed if they had none): the old
    address is a 404 from the moment this commits."""
    check_member(member)
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(member=member).first()
        if feed is None:
            try:
                with transaction.atomic():
                    feed = CalendarFeed.objects.create(member=member, token=new_token())
                return feed.token
            except IntegrityError:
                feed = CalendarFeed.objects.select_for_update().get(member=member)
        feed.token = new_token()
        feed.save(update_fields=["token"])
        return feed.token


def has_feed(member) -> bool:
    return CalendarFeed.objects.filter(member=member).exists()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed (with its member) of ``token``, or None: unknown, reset, malformed or an
    inactive member all look the same to the caller."""
    if not isinstance(token, str) or not TOKEN_MIN_LENGTH <= len(token) <= TOKEN_MAX_LENGTH:
        return None
    feed = CalendarFeed.objects.select_related("member").filter(token=token).first()
    if feed is None or not getattr(feed.member, "is_active", True):
        return None
    return feed


__all__ = ["feed_for_token", "has_feed", "member_feed_token", "reset_feed_token"]
