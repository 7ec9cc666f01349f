"""The check-in screen in words (``admin/desk/checkin.py``): its addresses, and the
service's sheet (``services.checkin``) turned into what the templates show for one user."""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.utils import quote
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from ...bounds import FIRST_YEAR, LAST_YEAR
from ...models import BookingStatus
from ...presentation import (
    attending_and_payer,
    format_short_moment,
    format_time,
    is_dependant,
    local_day,
)
from ...services.attendance import ATTENDED, CLEAR, NO_SHOW
from ...services.checkin import CheckinSession
from ...services.permissions import can_book_members, can_manage_bookings, can_sell_at_desk
from ..booking_display import booking_urls, paid_text, register_url
from . import links

# ---- addresses -------------------------------------------------------------------


def checkin_url(day: dt.date | None = None, anchor: str = "") -> str:
    """The check-in screen of ``day`` (today without one), at ``anchor``."""
    url = reverse("wagtail_passes_desk:checkin")
    if day is not None:
        url += "?" + urlencode({"date": day.isoformat()})
    return url + (f"#{anchor}" if anchor else "")


def sell_url(member_id: int, session_id: int, next_url: str, person_id=None) -> str:
    """The desk sale form for a walk-in (``person_id``: the dependant attending, F3), back
    to ``next_url`` when done."""
    return links.sell_url(member_id, session=session_id, next_url=next_url, person=person_id)


def session_anchor(session_id: int) -> str:
    return f"checkin-session-{session_id}"


def booking_anchor(booking_id: int) -> str:
    return f"checkin-booking-{booking_id}"


def parse_day(value) -> dt.date | None:
    """``YYYY-MM-DD`` within the years staff may enter (``bounds``), else None."""
    try:
        day = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# ---- the sheet in words ----------------------------------------------------------

STATUS_LABELS = {
    BookingStatus.BOOKED: _("Not checked in"),
    BookingStatus.ATTENDED: _("Checked in"),
    BookingStatus.NO_SHOW: _("No-show"),
}

#: action -> (the mark it sets, the button's label); the order the buttons show in.
ACTIONS = {
    "attended": (ATTENDED, _("Check in")),
    "no_show": (NO_SHOW, _("No-show")),
    "clear": (CLEAR, _("Undo")),
}
#: action -> ``mark_attendance(attended=...)``
ATTENDED_VALUES = {"attended": True, "no_show": False, "clear": None}


class SheetDisplay:
    """Turns the service's sheet into what the templates show, for one user."""

    def __init__(self, request, day: dt.date):
        self.request = request
        self.user = request.user
        self.day = day
        self.can_manage = can_manage_bookings(self.user)
        self.can_book = can_book_members(self.user)
        self.can_sell = can_sell_at_desk(self.user)

    def row(self, checkin: CheckinSession, row) -> dict:
        booking = row.booking
        session = checkin.session
        anchor = booking_anchor(booking.pk)
        back = checkin_url(self.day, anchor)
        buttons = []
        if self.can_manage:
            buttons = [
                {"action": action, "label": label, "primary": action == "attended"}
                for action, (mark, label) in ACTIONS.items()
                if mark in row.marks
            ]
        owes = ", ".join(str(amount) for amount in row.owes)
        shown = {
            "pk": booking.pk,
            "anchor": anchor,
            # F2: who attends, and the payer when that is someone else.
            "member": attending_and_payer(booking),
            "member_url": links.profile_url(booking.member_id),
            "attendees": booking.attendees,
            "status": booking.status,
            "status_label": STATUS_LABELS.get(booking.status, booking.get_status_display()),
            "paid": paid_text(booking),
            "owes": owes,
            "owes_anything": row.owes_anything,
            "buttons": buttons,
            "mark_url": reverse("wagtail_passes_desk:checkin_mark", args=[session.pk, booking.pk]),
        }
        if self.can_manage and booking.amount_due > 0:
            shown["desk_payment_url"] = (
                booking_urls.get_action_url("desk_payment", quote(booking.pk))
                + "?"
                + urlencode({"next": back})
            )
        if self.can_sell and booking.amount_due > 0:
            for_whom = booking.person_id if is_dependant(booking.person) else None
            shown["sell_url"] = sell_url(booking.member_id, session.pk, back, for_whom)
        return shown

    def session(self, checkin: CheckinSession) -> dict:
        session = checkin.session
        programme_class = session.programme_class
        return {
            "pk": session.pk,
            "anchor": session_anchor(session.pk),
            "start": format_time(session.start),
            "end": format_time(session.end),
            "name": programme_class.name,
            "programme": programme_class.programme.name,
            "location": programme_class.location,
            "instructor": programme_class.instructor,
            "booked": checkin.booked,
            "capacity": checkin.capacity,
            "attended": checkin.attended,
            "checkin_open": checkin.checkin_open,
            "opens_at": format_time(checkin.opens_at)
            if local_day(checkin.opens_at) == session.local_date
            else format_short_moment(checkin.opens_at),
            "can_check_in_all": self.can_manage
            and checkin.checkin_open
            and checkin.waiting_to_check_in > 0,
            "waiting_to_check_in": checkin.waiting_to_check_in,
            "all_url": reverse("wagtail_passes_desk:checkin_all", args=[session.pk]),
            "register_url": register_url(session.pk),
            "rows": [self.row(checkin, row) for row in checkin.rows],
            "can_walk_in": self.can_book and checkin.checkin_open,
        }

    def render_session(self, checkin: CheckinSession) -> str:
        """The part of the session the script redraws after a mark."""
        return render_to_string(
            "wagtail_passes/admin/desk/checkin_session.html",
            {"session": self.session(checkin), "can_manage": self.can_manage},
            request=self.request,
        )
