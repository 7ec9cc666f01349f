"""Who may act on bookings, and bookings and sessions in words, for the admin screens.

The register and the bookings list need ``view_booking``; marking attendance,
cancelling bookings and removing waiting members need ``change_booking``; booking a
member also needs ``add_booking``; cancelling a session needs ``change_session``.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import Booking, Session
from ..presentation import EMPTY, format_short_moment, person
from ..rules.money import Money
from ..services import (
    places_left,
)
from ..services.permissions import (
    can_book_members,
    can_cancel_sessions,
    can_manage_bookings,
    can_see_session_history,
    can_view_bookings,
)
from .base import NumericPkURLHelper
from .display import ReadOnlyPermissionHelper

# ---- who may do what -------------------------------------------------------------


class BookingPermissionHelper(ReadOnlyPermissionHelper):
    """View to see the register and the list; change to mark attendance, cancel and
    manage the waiting list; add and change to book a member. Bookings are never
    created, edited or deleted through a generic form, superusers included."""

    can_view = staticmethod(can_view_bookings)

    def user_can_manage(self, user):
        """Mark attendance, cancel bookings, remove waiting members."""
        return can_manage_bookings(user)

    def user_can_book(self, user):
        return can_book_members(user)


# The session views ask about bookings, the booking views link to sessions.
booking_permissions = BookingPermissionHelper(Booking, inspect_view_enabled=True)
booking_urls = NumericPkURLHelper(Booking)
session_urls = NumericPkURLHelper(Session)


def register_url(session_pk) -> str:
    return session_urls.get_action_url("register", quote(session_pk))


# ---- bookings in words -----------------------------------------------------------


def money_text(amount, currency: str) -> str:
    return str(Money(amount, currency)) if currency else str(amount)


def paid_text(booking: Booking) -> str:
    """What paid: the pass's title, "Amount due €12.00", "Free", ..."""
    if booking.member_pass_id is not None:
        return booking.member_pass.title
    if booking.amount_due > 0:
        return gettext("Amount due %(amount)s") % {
            "amount": money_text(booking.amount_due, booking.currency)
        }
    if booking.price == 0:
        return gettext("Free")
    if booking.amount_paid:
        return gettext("Paid %(amount)s: %(method)s") % {
            "amount": money_text(booking.amount_paid, booking.currency),
            "method": booking.get_payment_method_display().lower(),
        }
    return gettext("Nothing due")


def booked_by_text(booking: Booking) -> str:
    if booking.created_by_id is None or booking.created_by_id == booking.member_id:
        return gettext("The member")
    return person(booking.created_by)


def session_text(session: Session) -> str:
    """ "Yoga Flow – Mon 3 Mar 2031, 19:00" in the site's time zone."""
    return f"{session.programme_class.name} – {format_short_moment(session.start)}"


def session_facts(session: Session) -> list[dict]:
    programme_class = session.programme_class
    rows = [
        (_("Class"), programme_class.name),
        (_("Programme"), programme_class.programme.name),
        (_("Start"), format_short_moment(session.start)),
        (_("End"), format_short_moment(session.end)),
        (_("Location"), programme_class.location or EMPTY),
        (_("Instructor"), programme_class.instructor or EMPTY),
        (_("Capacity"), session.effective_capacity),
        (_("Places left"), EMPTY if session.is_cancelled else places_left(session)),
        # The one deadline rule, also enforced by the cancellation and named in emails.
        (_("Members can cancel until"), format_short_moment(session.cancellation_deadline)),
    ]
    return [{"label": label, "value": value} for label, value in rows]


# ---- buttons to the register and the session actions -----------------------------


class SessionButtons:
    """ "Bookings" (the register) and "Cancel session", for whoever may use them."""

    def __init__(self, user, session):
        self.user, self.session = user, session

    def register(self) -> dict | None:
        if not booking_permissions.user_can_list(self.user):
            return None
        return {
            "action": "register",
            "url": register_url(self.session.pk),
            "label": _("Bookings"),
            "title": _("The register: who is booked and who is waiting"),
        }

    def cancel(self) -> dict | None:
        if self.session.is_cancelled or not can_cancel_sessions(self.user):
            return None
        return {
            "action": "cancel_session",
            "url": session_urls.get_action_url("cancel_session", quote(self.session.pk)),
            "label": _("Cancel session"),
            "title": _("Cancel the session and all its bookings, returning every entry"),
        }

    def history(self) -> dict | None:
        if not can_see_session_history(self.user):
            return None
        return {
            "action": "history",
            "url": session_urls.get_action_url("history", quote(self.session.pk)),
            "label": _("History"),
            "title": _("Who changed or cancelled the session, and its waiting list"),
        }

    def all(self) -> list[dict]:
        return [button for button in (self.register(), self.cancel()) if button]

    def for_register(self) -> list[dict]:
        return [button for button in (self.cancel(), self.history()) if button]
