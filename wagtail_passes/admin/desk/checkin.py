"""Today's check-in at the front desk (S3): the sessions of a day, each with who is booked,
what paid and what each member still owes in all; one click checks a member in or
undoes it, "Check in all" checks in a session's booked members, and a walk-in is booked
and checked in at once.

- ``check-in/`` (``checkin``): GET shows the sheet of ``?date=YYYY-MM-DD`` (today by
  default; a bad date shows today with a message). POST books a walk-in: its form
  carries a one-time token (``admin/once.py``), sent twice it books once.
- ``check-in/<session>/<booking>/`` (``checkin_mark``): POST ``action`` attended,
  no_show or clear.
- ``check-in/<session>/all/`` (``checkin_all``): POST checks in everyone booked.

Every POST works without JavaScript (it redirects back to the day, at the row, with a
message); ``static/wagtail_passes/js/checkin.js`` sends the marks with ``fetch`` asking
for JSON (``Accept: application/json``), and redraws the session from the answer's
``html`` without a reload. A refusal (too early, a cancelled booking, a booking that is
not on the session, garbage) is a message, writes nothing and is never a 500.

Who may do what: see the sheet with ``can_view_bookings``, mark with
``can_manage_bookings``, walk in with ``can_book_members``; the "Sell a pass" link shows
to ``can_sell_at_desk``.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ...bounds import FIRST_YEAR, LAST_YEAR
from ...exceptions import BookingError
from ...models import Booking, BookingStatus, Session
from ...presentation import attending, format_day, local_day, person
from ...services import book, mark_attendance
from ...services.checkin import check_in_all, checkin_sheet, session_sheet
from ...services.inputs import MAX_ATTENDEES
from ...services.permissions import (
    can_book_members,
    can_manage_bookings,
    can_sell_at_desk,
    can_view_bookings,
)
from ..booking_display import paid_text
from ..forms_passes import PassActionForm
from ..member_chooser import MemberChoiceField
from ..once import OneTimeFormMixin, issue
from .checkin_display import (
    ATTENDED_VALUES,
    SheetDisplay,
    booking_anchor,
    checkin_url,
    parse_day,
    sell_url,
    session_anchor,
    wants_json,
)


def deny(request, message: str = ""):
    """No permission: JSON 403 for the script, else Wagtail's "permission denied"."""
    if wants_json(request):
        text = message or gettext("Sorry, you do not have permission to do this.")
        return JsonResponse({"ok": False, "code": "not_allowed", "message": text}, status=403)
    raise PermissionDenied


# ---- the walk-in form ------------------------------------------------------------


class WalkInForm(PassActionForm):
    """Book a member who walked in and check them in (S3): the services choose the pass
    that pays (R1), else the booking owes an amount (P1) or is refused (P3)."""

    error_fields = {
        "already_booked": "member",
        "session_full": "attendees",
        "invalid_attendees": "attendees",
        "places_left": "attendees",
    }

    session = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=10**18)
    member = MemberChoiceField(help_text=_("Search by name, username or email."))
    attendees = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=MAX_ATTENDEES,
        initial=1,
        help_text=_("The member and the people they bring."),
    )

    def __init__(self, *args, session_id=None, **kwargs):
        if session_id is not None:
            kwargs.setdefault("auto_id", f"id_walkin_{session_id}_%s")
            kwargs.setdefault("initial", {}).setdefault("session", session_id)
        super().__init__(*args, **kwargs)
        self.session_id = session_id
        #: The desk sale for the chosen member, when no pass pays and one is required (P3).
        self.sell_url = None

    def clean_session(self):
        pk = self.cleaned_data["session"]
        session = Session.objects.with_related().filter(pk=pk, is_cancelled=False).first()
        if session is None:
            raise forms.ValidationError(_("This session does not exist or is cancelled."))
        return session


def posted_session_id(data) -> int | None:
    value = str(data.get("session", "")).strip()
    if value.isdigit() and len(value) <= 18:
        return int(value)
    return None


# ---- the screen ------------------------------------------------------------------


class CheckinView(OneTimeFormMixin, WagtailAdminTemplateMixin, FormView):
    """The check-in sheet of a day; POST books and checks in a walk-in."""

    template_name = "wagtail_passes/admin/desk/checkin.html"
    page_title = _("Check-in")
    header_icon = "circle-check"
    form_class = WalkInForm
    done_already = _("This walk-in was booked already; nothing changed.")

    def dispatch(self, request, *args, **kwargs):
        if not can_view_bookings(request.user):
            raise PermissionDenied
        if request.method == "POST" and not can_book_members(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": "", "label": gettext("Passes")},
            {"url": "", "label": self.get_page_title()},
        ]

    # -- the day --

    @cached_property
    def today(self) -> dt.date:
        return local_day(timezone.now())

    @cached_property
    def day(self) -> dt.date:
        if self.request.method == "POST":
            session = self.posted_session
            return session.local_date if session is not None else self.today
        value = self.request.GET.get("date")
        if value in (None, ""):
            return self.today
        day = parse_day(value)
        if day is None:
            messages.warning(
                self.request,
                gettext("“%(value)s” is not a date: showing today.") % {"value": value[:40]},
            )
            return self.today
        return day

    @cached_property
    def posted_session(self) -> Session | None:
        pk = posted_session_id(self.request.POST)
        if pk is None:
            return None
        return Session.objects.with_related().filter(pk=pk).first()

    def get_page_subtitle(self):
        return format_day(self.day)

    # -- the walk-in --

    def get(self, request, *args, **kwargs):
        # The walk-in forms' token is issued with the page, only when it has one.
        return self.render_to_response(self.get_context_data())

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        return {**kwargs, "session_id": posted_session_id(self.request.POST)}

    @cached_property
    def return_url(self) -> str:
        return checkin_url(self.day)

    def form_valid(self, form):
        data = form.cleaned_data
        session, member = data["session"], data["member"]
        user = self.request.user
        try:
            with transaction.atomic():
                booking = book(member, session, data["attendees"], by=user)
                booking = mark_attendance(booking, True, by=user)
        except BookingError as error:
            form.add_pass_error(error)
            if error.code == "no_valid_pass" and can_sell_at_desk(user):
                # P3: no pass pays and the programme requires one: sell one at the desk.
                back = checkin_url(session.local_date, session_anchor(session.pk))
                form.sell_url = sell_url(member.pk, session.pk, back)
            return self.form_invalid(form)
        text = ngettext(
            "%(member)s booked for %(n)d place and checked in; paid with: %(paid)s.",
            "%(member)s booked for %(n)d places and checked in; paid with: %(paid)s.",
            booking.attendees,
        ) % {"member": person(member), "n": booking.attendees, "paid": paid_text(booking)}
        back = checkin_url(session.local_date, booking_anchor(booking.pk))
        buttons = []
        if booking.amount_due > 0 and can_sell_at_desk(user):
            if url := sell_url(member.pk, session.pk, back):
                buttons.append(messages.button(url, gettext("Sell a pass")))
        messages.success(self.request, text, buttons=buttons)
        return redirect(back)

    def form_invalid(self, form):
        messages.error(self.request, gettext("The walk-in was not booked; see the form below."))
        return super().form_invalid(form)

    # -- the page --

    def get_context_data(self, **kwargs):
        bound = kwargs.pop("form", None)
        display = SheetDisplay(self.request, self.day)
        sheet = checkin_sheet(self.day)
        sessions = []
        media = None
        for checkin in sheet.sessions:
            shown = display.session(checkin)
            if shown["can_walk_in"]:
                session_id = checkin.session.pk
                if bound is not None and bound.session_id == session_id:
                    shown["walkin_form"], shown["walkin_open"] = bound, True
                else:
                    shown["walkin_form"] = WalkInForm(session_id=session_id)
                media = shown["walkin_form"].media
            sessions.append(shown)
        if media is not None and not self.form_token:
            self.form_token = issue(self.request)
        # A walk-in refused for a session the page no longer offers it on: say why.
        orphan = (
            bound if bound is not None and not any(s.get("walkin_open") for s in sessions) else None
        )
        day = self.day
        return super().get_context_data(
            day=day,
            day_iso=day.isoformat(),  # the date field's value (ISO, whatever the language)
            day_text=format_day(day),
            is_today=day == self.today,
            today_url=checkin_url(),
            previous_url=checkin_url(day - dt.timedelta(days=1))
            if day > dt.date(FIRST_YEAR, 1, 1)
            else None,
            next_url=checkin_url(day + dt.timedelta(days=1))
            if day < dt.date(LAST_YEAR, 12, 31)
            else None,
            date_min=dt.date(FIRST_YEAR, 1, 1).isoformat(),
            date_max=dt.date(LAST_YEAR, 12, 31).isoformat(),
            sessions=sessions,
            can_manage=display.can_manage,
            walkin_media=media,
            orphan_form=orphan,
            form=bound,
            **kwargs,
        )


# ---- the marks -------------------------------------------------------------------


class CheckinActionView(View):
    """A POST that marks attendance; GET and other methods are answered 405."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if not (can_view_bookings(request.user) and can_manage_bookings(request.user)):
            return deny(request)
        return super().dispatch(request, *args, **kwargs)

    def load_session(self, session_id) -> Session | None:
        return Session.objects.with_related().filter(pk=session_id).first()

    def answer(self, session: Session | None, message: str, *, ok: bool, code="", anchor=""):
        """The answer: JSON for the script (with the session redrawn), else back to the
        day at ``anchor`` with the message."""
        day = session.local_date if session is not None else None
        if wants_json(self.request):
            data = {"ok": ok, "message": message, "code": code}
            if session is not None and not session.is_cancelled:
                display = SheetDisplay(self.request, day)
                data["html"] = display.render_session(session_sheet(session))
            return JsonResponse(data, status=200 if ok else (404 if code == "not_found" else 409))
        (messages.success if ok else messages.error)(self.request, message)
        return redirect(checkin_url(day, anchor or (session_anchor(session.pk) if session else "")))

    def not_found(self, session):
        return self.answer(
            session,
            gettext("This booking is not on this session: nothing was changed."),
            ok=False,
            code="not_found",
        )


class MarkView(CheckinActionView):
    """Check one booking in, mark it no-show, or clear its mark."""

    def post(self, request, session_id, booking_id):
        session = self.load_session(session_id)
        booking = (
            Booking.objects.select_related("member", "member_pass", "person")
            .filter(pk=booking_id, session_id=session_id)
            .first()
            if session is not None
            else None
        )
        if booking is None:
            return self.not_found(session)
        anchor = booking_anchor(booking.pk)
        action = str(request.POST.get("action", ""))
        if action not in ATTENDED_VALUES:
            return self.answer(
                session,
                gettext("Choose to check in, mark a no-show or undo the mark."),
                ok=False,
                code="invalid_mark",
                anchor=anchor,
            )
        booking.session = session
        try:
            marked = mark_attendance(booking, ATTENDED_VALUES[action], by=request.user)
        except BookingError as error:
            return self.answer(session, error.message, ok=False, code=error.code, anchor=anchor)
        return self.answer(session, self.done_text(marked), ok=True, anchor=anchor)

    @staticmethod
    def done_text(booking: Booking) -> str:
        member = attending(booking)
        if booking.status == BookingStatus.ATTENDED:
            return gettext("%(member)s is checked in.") % {"member": member}
        if booking.status == BookingStatus.NO_SHOW:
            return gettext("%(member)s is marked as a no-show.") % {"member": member}
        return gettext("%(member)s is not checked in any more.") % {"member": member}


class CheckInAllView(CheckinActionView):
    """Check in every booked member of one session."""

    def post(self, request, session_id):
        session = self.load_session(session_id)
        if session is None:
            return self.answer(
                None,
                gettext("This session does not exist: nothing was changed."),
                ok=False,
                code="not_found",
            )
        try:
            checked = check_in_all(session, by=request.user)
        except BookingError as error:
            return self.answer(session, error.message, ok=False, code=error.code)
        if checked:
            text = ngettext(
                "%(n)d booking checked in.", "%(n)d bookings checked in.", len(checked)
            ) % {"n": len(checked)}
        else:
            text = gettext("Everyone booked was marked already; nothing changed.")
        return self.answer(session, text, ok=True)


# ---- the menu --------------------------------------------------------------------


class CheckinMenuItem(MenuItem):
    """ "Check-in" in the Passes menu, for whoever may see the registers."""

    def is_shown(self, request):
        return can_view_bookings(request.user)


def checkin_menu_item(order: int) -> MenuItem:
    return CheckinMenuItem(
        _("Check-in"),
        reverse_lazy("wagtail_passes_desk:checkin"),
        icon_name="circle-check",
        order=order,
    )


urlpatterns = [
    path("check-in/", CheckinView.as_view(), name="checkin"),
    path("check-in/<int:session_id>/all/", CheckInAllView.as_view(), name="checkin_all"),
    path(
        "check-in/<int:session_id>/<int:booking_id>/",
        MarkView.as_view(),
        name="checkin_mark",
    ),
]
