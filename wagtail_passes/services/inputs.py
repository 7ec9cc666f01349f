"""Checks of what a host's code (or a browser, through a view) hands to the services:
a clear refusal with a stable code, never a TypeError or a database error."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..exceptions import BookingError
from ..models import Booking

#: A sanity bound on places in one booking; capacity decides the real limit.
MAX_ATTENDEES = 1000


def check_attendees(attendees) -> None:
    """A whole number of places from 1: anything else (1.5, "2", None, True) is refused."""
    if type(attendees) is not int or not 1 <= attendees <= MAX_ATTENDEES:
        raise BookingError(
            _("Enter a whole number of places from 1 to %(max)d.") % {"max": MAX_ATTENDEES},
            code="invalid_attendees",
        )


def check_member(member, error_class=BookingError) -> None:
    """A saved, active user: an anonymous visitor is asked to log in."""
    if not getattr(member, "is_authenticated", False) or getattr(member, "pk", None) is None:
        raise error_class(_("Log in first."), code="not_logged_in")
    if not getattr(member, "is_active", True):
        raise error_class(_("This account is not active."), code="inactive_member")


#: The longest one-time token a form may carry: ``Booking.token``'s column.
MAX_TOKEN_LENGTH = Booking._meta.get_field("token").max_length


def check_token(token) -> None:
    """A one-time form token: None, or a string of 1 to ``MAX_TOKEN_LENGTH`` characters."""
    if token is None:
        return
    if not isinstance(token, str) or not 1 <= len(token) <= MAX_TOKEN_LENGTH:
        raise BookingError(
            _("This form's token is not valid. Reload the page and try again."),
            code="invalid_token",
        )


__all__ = ["MAX_ATTENDEES", "MAX_TOKEN_LENGTH", "check_attendees", "check_member", "check_token"]
