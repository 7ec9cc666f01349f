"""The register of one session (S3): its facts, bookings and waiting list, and the
"Book a member" form (P7).

Every action is a small form: GET shows it and changes nothing, POST calls the service.
A refusal (:class:`~wagtail_passes.exceptions.BookingError`) comes back as a form error
and changes nothing; success redirects to the register with a message.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote, unquote
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail_modeladmin.views import InstanceSpecificView, WMABaseView

from ..exceptions import BookingError
from ..models import Booking, BookingStatus, Session, WaitlistStatus
from ..presentation import EMPTY, attending_and_payer, format_short_moment, person, person_name
from ..services import book, evaluate_member_passes, join_waitlist
from ..services.attendance import attendance_marks_open, checkin_opens_at
from .booking_display import (
    SessionButtons,
    booked_by_text,
    booking_permissions,
    booking_urls,
    paid_text,
    register_url,
    session_facts,
    session_text,
    session_urls,
)
from .desk.export_links import session_export_buttons
from .forms_bookings import AttendanceForm, BookMemberForm, ConfirmForm
from .return_to import safe_next_url

# ---- views on one session or one booking -----------------------------------------


class SessionView(InstanceSpecificView):
    """A view of one session, loaded with its class and programme in one query."""

    def __init__(self, model_admin, instance_pk):
        WMABaseView.__init__(self, model_admin)
        self.instance_pk = unquote(instance_pk)
        self.pk_quoted = quote(self.instance_pk)
        self.instance = get_object_or_404(Session.objects.with_related(), pk=self.instance_pk)

    @property
    def session(self) -> Session:
        return self.instance

    def get_page_subtitle(self):
        return session_text(self.instance)


class BookingView(InstanceSpecificView):
    """A view of one booking, loaded with its member, pass and session in one query."""

    def __init__(self, model_admin, instance_pk):
        WMABaseView.__init__(self, model_admin)
        self.instance_pk = unquote(instance_pk)
        self.pk_quoted = quote(self.instance_pk)
        bookings = Booking.objects.select_related(
            "member", "person", "member_pass", "session__programme_class__programme"
        )
        self.instance = get_object_or_404(bookings, pk=self.instance_pk)

    @property
    def session(self) -> Session:
        return self.instance.session

    def get_page_subtitle(self):
        return f"{attending_and_payer(self.instance)} – {session_text(self.session)}"


class BookingActionView(WMABaseView, FormView):
    """GET shows the form; a valid POST calls :meth:`perform`. A ``BookingError``
    becomes a form error; success goes back to the session's register."""

    template_name = "wagtail_passes/admin/sessions/action_form.html"
    form_class = ConfirmForm
    intro = ""
    submit_label = _("Confirm")
    #: False hides the submit button (nothing left to do).
    can_submit = True

    def get_meta_title(self):
        return f"{self.get_page_title()} – {self.get_page_subtitle()}"

    def perform(self, form):
        raise NotImplementedError

    def success_message(self, result) -> str:
        raise NotImplementedError

    def details(self) -> list[str]:
        """Sentences shown above the form."""
        return []

    @cached_property
    def return_url(self) -> str:
        if next_url := safe_next_url(self.request):  # sent here from a report (S2)
            return next_url
        user = self.request.user
        if booking_permissions.user_can_list(user):
            return register_url(self.session.pk)
        if self.model_admin.permission_helper.user_can_list(user):
            return self.index_url
        return reverse("wagtailadmin_home")

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except BookingError as error:
            form.add_pass_error(error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(result))
        return redirect(self.return_url)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            intro=self.intro,
            details=self.details(),
            submit_label=self.submit_label,
            can_submit=self.can_submit,
            cancel_url=self.return_url,
            next_url=safe_next_url(self.request),
            **kwargs,
        )


# ---- the register (S3) -----------------------------------------------------------


class SessionRegisterView(SessionView):
    """Who is booked and who is waiting, with the actions the user may take."""

    page_title = _("Register")
    template_name = "wagtail_passes/admin/sessions/register.html"

    def check_action_permitted(self, user):
        return booking_permissions.user_can_list(user)

    def get_meta_title(self):
        return f"{self.get_page_title()} – {self.get_page_subtitle()}"

    @cached_property
    def can_manage(self) -> bool:
        if self.session.is_cancelled:
            return False
        return booking_permissions.user_can_manage(self.request.user)

    @cached_property
    def can_book(self) -> bool:
        if self.session.is_cancelled:
            return False
        return booking_permissions.user_can_book(self.request.user)

    def booking_row(self, booking: Booking) -> dict:
        row = {
            "pk": booking.pk,
            # F2: who attends, and the payer when that is someone else.
            "member": attending_and_payer(booking),
            "attendees": booking.attendees,
            "status": booking.status,
            "status_label": booking.get_status_display(),
            "paid": paid_text(booking),
            "booked_at": format_short_moment(booking.created_at),
            "booked_by": booked_by_text(booking),
            "inspect_url": booking_urls.get_action_url("inspect", quote(booking.pk)),
        }
        if booking.status == BookingStatus.CANCELLED:
            cancelled_at = booking.cancelled_at
            row["cancelled_at"] = format_short_moment(cancelled_at) if cancelled_at else EMPTY
            row["cancelled_by"] = person(booking.cancelled_by)
        elif self.can_manage:
            if marks := self.marks_for(booking):
                row["attendance_url"] = booking_urls.get_action_url("attendance", quote(booking.pk))
                row["marks"] = marks
            if booking.status == BookingStatus.BOOKED:
                row["cancel_url"] = booking_urls.get_action_url("cancel", quote(booking.pk))
            if booking.amount_due > 0:
                row["desk_payment_url"] = booking_urls.get_action_url(
                    "desk_payment", quote(booking.pk)
                )
        return row

    @cached_property
    def now(self):
        return timezone.now()

    @cached_property
    def session_marks(self) -> tuple[str, ...]:
        """The marks a booked booking can take now (S3: ``attendance_marks_open``)."""
        return attendance_marks_open(self.session, self.now)

    @cached_property
    def started(self) -> bool:
        """No-shows can be marked (S3): the session has started."""
        return AttendanceForm.NO_SHOW in self.session_marks

    #: The attendance buttons, in the order they show.
    MARK_LABELS = {
        AttendanceForm.ATTENDED: _("Attended"),
        AttendanceForm.NO_SHOW: _("No-show"),
        AttendanceForm.BOOKED: _("Clear mark"),
    }

    def marks_for(self, booking: Booking) -> list[tuple[str, str]]:
        """The attendance buttons of a booking: the marks it can change to now."""
        booking.session = self.session
        open_marks = attendance_marks_open(booking, self.now)
        return [(mark, label) for mark, label in self.MARK_LABELS.items() if mark in open_marks]

    def attendance_note(self) -> str:
        """When the marks open, while they are not all open yet (S3)."""
        if self.started or self.session.is_cancelled:
            return ""
        opens = format_short_moment(checkin_opens_at(self.session))
        if self.session_marks:
            return gettext("Check-in is open; no-shows can be marked once the session has started.")
        return gettext(
            "Check-in opens on %(when)s; no-shows can be marked once the session has started."
        ) % {"when": opens}

    def waiting_rows(self) -> list[dict]:
        entries = (
            self.session.waitlist.filter(status=WaitlistStatus.WAITING)
            .select_related("member", "person")
            .order_by("created_at", "pk")
        )
        return [
            {
                "position": position,
                "pk": entry.pk,
                "member": attending_and_payer(entry),
                "attendees": entry.attendees,
                "joined_at": format_short_moment(entry.created_at),
                "remove_url": (
                    session_urls.get_action_url("remove_waiting", quote(entry.pk))
                    if self.can_manage
                    else None
                ),
            }
            for position, entry in enumerate(entries, start=1)
        ]

    def session_buttons(self) -> list[dict]:
        buttons = SessionButtons(self.request.user, self.session).for_register()
        return buttons + session_export_buttons(self.session.pk)

    def get_context_data(self, **kwargs):
        session = self.session
        bookings = list(
            session.bookings.select_related(
                "member", "person", "member_pass", "created_by", "cancelled_by"
            ).order_by("created_at", "pk")
        )
        rows = [self.booking_row(booking) for booking in bookings]
        if self.can_book:
            kwargs.setdefault("book_form", BookMemberForm())
        return super().get_context_data(
            facts=session_facts(session),
            booking_rows=[row for row in rows if row["status"] != BookingStatus.CANCELLED],
            cancelled_rows=[row for row in rows if row["status"] == BookingStatus.CANCELLED],
            waiting_rows=self.waiting_rows(),
            can_manage=self.can_manage,
            can_book=self.can_book,
            started=self.started,
            attendance_note=self.attendance_note() if self.can_manage else "",
            book_url=session_urls.get_action_url("book", self.pk_quoted),
            book_series_url=session_urls.get_action_url("book_series", self.pk_quoted),
            session_buttons=self.session_buttons(),
            cancelled_at=format_short_moment(session.cancelled_at)
            if session.cancelled_at
            else None,
            **kwargs,
        )


class BookMemberView(SessionRegisterView, FormView):
    """S3: book a member by hand; the form sits on the register and errors show there.

    Staff may book outside the booking window (P8), never beyond capacity (P7) or on a
    cancelled session.
    """

    form_class = BookMemberForm

    def check_action_permitted(self, user):
        return booking_permissions.user_can_list(user) and booking_permissions.user_can_book(user)

    def get(self, request, *args, **kwargs):
        return redirect(register_url(self.session.pk) + "#book")

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None) or self.get_form()
        return super().get_context_data(book_form=form, form=form, **kwargs)

    def offer_passes(self, form) -> None:
        data = form.cleaned_data
        try:
            who = form.who()
        except BookingError as error:
            form.add_pass_error(error)
            return
        form.offer_passes(evaluate_member_passes(who, self.session, data["attendees"]))

    def form_invalid(self, form):
        messages.error(self.request, gettext("The member was not booked; see the form below."))
        return super().form_invalid(form)

    def add_to_waitlist(self, form):
        """P7: staff put a member on a full session's waiting list."""
        data = form.cleaned_data
        try:
            who = form.who()
            join_waitlist(who, self.session, data["attendees"], by=self.request.user)
        except BookingError as error:
            form.add_pass_error(error)
            messages.error(self.request, gettext("The member was not added; see the form below."))
            return super().form_invalid(form)
        messages.success(
            self.request,
            gettext("%(member)s is on the waiting list.") % {"member": person_name(who)},
        )
        return redirect(register_url(self.session.pk))

    def form_valid(self, form):
        data = form.cleaned_data
        if "choose_pass" in self.request.POST:
            self.offer_passes(form)
            return self.render_to_response(self.get_context_data(form=form))
        if "waitlist" in self.request.POST:
            return self.add_to_waitlist(form)
        try:
            booking = book(
                form.who(),
                self.session,
                data["attendees"],
                member_pass=data["member_pass"],
                by=self.request.user,
            )
        except BookingError as error:
            if data["member_pass"] is not None:
                self.offer_passes(form)
            if error.code == "session_full":
                form.offer_waitlist = True
            form.add_pass_error(error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            ngettext(
                "%(member)s booked for %(n)d place; paid with: %(paid)s.",
                "%(member)s booked for %(n)d places; paid with: %(paid)s.",
                booking.attendees,
            )
            % {
                "member": attending_and_payer(booking),
                "n": booking.attendees,
                "paid": paid_text(booking),
            },
        )
        return redirect(register_url(self.session.pk))
