"""Views of the session register (S3) and of the staff actions on bookings.

- the register of one session: its facts, bookings, waiting list and a "Book a member"
  form (S3, P7);
- per booking: mark attendance (S3) and cancel, choosing whether the entry goes back
  (P6); per waiting member: remove (P7); per session: "Cancel session" (P8).

Every action is a small form: GET shows it and changes nothing, POST calls the service.
A refusal of the service (:class:`~wagtail_passes.exceptions.BookingError`) comes back
as a form error and changes nothing (the services run in a transaction); success
redirects to the session's register with a message.

Who may do what: the register (and the bookings list) need ``view_booking``; marking
attendance, cancelling bookings and removing waiting members need ``change_booking``;
booking a member also needs ``add_booking``; cancelling a session needs
``change_session``.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote, unquote
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail_modeladmin.helpers import AdminURLHelper, PermissionHelper
from wagtail_modeladmin.views import EditView, InstanceSpecificView, WMABaseView

from ..exceptions import BookingError
from ..models import Booking, BookingStatus, Session, WaitlistEntry, WaitlistStatus
from ..rules.booking_window import member_may_cancel
from ..rules.money import Money
from ..services import (
    book,
    cancel_booking,
    cancel_session,
    evaluate_member_passes,
    leave_waitlist,
    mark_attendance,
    places_left,
)
from .display import site_datetime
from .forms_bookings import AttendanceForm, BookMemberForm, CancelBookingForm, ConfirmForm
from .pass_actions import EMPTY, person

# ---- who may do what -------------------------------------------------------------


class BookingPermissionHelper(PermissionHelper):
    """View to see the register and the list; change to mark attendance, cancel and
    manage the waiting list; add and change to book a member. Bookings are never
    created, edited or deleted through a generic form, superusers included."""

    def _has(self, user, action) -> bool:
        return self.user_has_specific_permission(user, self.get_perm_codename(action))

    def user_can_list(self, user):
        return self._has(user, "view")

    def user_can_inspect_obj(self, user, obj):
        return self.inspect_view_enabled and self._has(user, "view")

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False

    def user_can_manage(self, user):
        """Mark attendance, cancel bookings, remove waiting members."""
        return self._has(user, "change")

    def user_can_book(self, user):
        return self._has(user, "add") and self._has(user, "change")


# The session views ask about bookings, the booking views link to sessions.
booking_permissions = BookingPermissionHelper(Booking, inspect_view_enabled=True)
booking_urls = AdminURLHelper(Booking)
session_urls = AdminURLHelper(Session)


def register_url(session_pk) -> str:
    return session_urls.get_action_url("register", quote(session_pk))


# ---- bookings in words -----------------------------------------------------------


def money_text(amount, currency: str) -> str:
    return str(Money(amount, currency)) if currency else str(amount)


def paid_text(booking: Booking) -> str:
    """What paid: the pass's title, "Amount due 12.00 EUR", "Free", ..."""
    if booking.member_pass_id is not None:
        return booking.member_pass.title
    if booking.amount_due > 0:
        return gettext_now("Amount due %(amount)s") % {
            "amount": money_text(booking.amount_due, booking.currency)
        }
    if booking.price == 0:
        return gettext_now("Free")
    if booking.amount_paid_at is not None:
        return gettext_now("Paid %(amount)s") % {
            "amount": money_text(booking.price, booking.currency)
        }
    return gettext_now("Nothing due")


def booked_by_text(booking: Booking) -> str:
    if booking.created_by_id is None or booking.created_by_id == booking.member_id:
        return gettext_now("The member")
    return person(booking.created_by)


def session_text(session: Session) -> str:
    """ "Yoga Flow – Mon 3 Mar 2031, 19:00" in the site's time zone."""
    return f"{session.programme_class.name} – {site_datetime(session.start)}"


def session_facts(session: Session) -> list[dict]:
    programme_class = session.programme_class
    rows = [
        (_("Class"), programme_class.name),
        (_("Programme"), programme_class.programme.name),
        (_("Start"), site_datetime(session.start)),
        (_("End"), site_datetime(session.end)),
        (_("Location"), programme_class.location or EMPTY),
        (_("Instructor"), programme_class.instructor or EMPTY),
        (_("Capacity"), session.effective_capacity),
        (_("Places left"), EMPTY if session.is_cancelled else places_left(session)),
        (_("Members can cancel until"), site_datetime(session.cancellation_deadline)),
    ]
    return [{"label": label, "value": value} for label, value in rows]


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
            "member", "member_pass", "session__programme_class__programme"
        )
        self.instance = get_object_or_404(bookings, pk=self.instance_pk)

    @property
    def session(self) -> Session:
        return self.instance.session

    def get_page_subtitle(self):
        return f"{person(self.instance.member)} – {session_text(self.session)}"


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
            "member": person(booking.member),
            "attendees": booking.attendees,
            "status": booking.status,
            "status_label": booking.get_status_display(),
            "paid": paid_text(booking),
            "booked_at": site_datetime(booking.created_at),
            "booked_by": booked_by_text(booking),
            "inspect_url": booking_urls.get_action_url("inspect", quote(booking.pk)),
        }
        if booking.status == BookingStatus.CANCELLED:
            cancelled_at = booking.cancelled_at
            row["cancelled_at"] = site_datetime(cancelled_at) if cancelled_at else EMPTY
            row["cancelled_by"] = person(booking.cancelled_by)
        elif self.can_manage:
            row["attendance_url"] = booking_urls.get_action_url("attendance", quote(booking.pk))
            row["marks"] = self.marks_for(booking.status)
            if booking.status == BookingStatus.BOOKED:
                row["cancel_url"] = booking_urls.get_action_url("cancel", quote(booking.pk))
        return row

    @staticmethod
    def marks_for(status) -> list[tuple[str, str]]:
        """The attendance buttons of a booking: the marks it does not have yet."""
        marks = {
            AttendanceForm.ATTENDED: gettext_now("Attended"),
            AttendanceForm.NO_SHOW: gettext_now("No-show"),
            AttendanceForm.BOOKED: gettext_now("Clear mark"),
        }
        current = {
            BookingStatus.BOOKED: AttendanceForm.BOOKED,
            BookingStatus.ATTENDED: AttendanceForm.ATTENDED,
            BookingStatus.NO_SHOW: AttendanceForm.NO_SHOW,
        }[status]
        return [(mark, label) for mark, label in marks.items() if mark != current]

    def waiting_rows(self) -> list[dict]:
        entries = (
            self.session.waitlist.filter(status=WaitlistStatus.WAITING)
            .select_related("member")
            .order_by("created_at", "pk")
        )
        return [
            {
                "position": position,
                "pk": entry.pk,
                "member": person(entry.member),
                "attendees": entry.attendees,
                "joined_at": site_datetime(entry.created_at),
                "remove_url": (
                    session_urls.get_action_url("remove_waiting", quote(entry.pk))
                    if self.can_manage
                    else None
                ),
            }
            for position, entry in enumerate(entries, start=1)
        ]

    def session_buttons(self) -> list[dict]:
        return SessionButtons(self.request.user, self.session).for_register()

    def get_context_data(self, **kwargs):
        session = self.session
        bookings = list(
            session.bookings.select_related(
                "member", "member_pass", "created_by", "cancelled_by"
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
            book_url=session_urls.get_action_url("book", self.pk_quoted),
            session_buttons=self.session_buttons(),
            cancelled_at=site_datetime(session.cancelled_at) if session.cancelled_at else None,
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
        form.offer_passes(evaluate_member_passes(data["member"], self.session, data["attendees"]))

    def form_invalid(self, form):
        messages.error(self.request, gettext_now("The member was not booked; see the form below."))
        return super().form_invalid(form)

    def form_valid(self, form):
        data = form.cleaned_data
        if "choose_pass" in self.request.POST:
            self.offer_passes(form)
            return self.render_to_response(self.get_context_data(form=form))
        try:
            booking = book(
                data["member"],
                self.session,
                data["attendees"],
                member_pass=data["member_pass"],
                by=self.request.user,
            )
        except BookingError as error:
            if data["member_pass"] is not None:
                self.offer_passes(form)
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
                "member": person(booking.member),
                "n": booking.attendees,
                "paid": paid_text(booking),
            },
        )
        return redirect(register_url(self.session.pk))


# ---- actions on one booking ------------------------------------------------------


class MarkAttendanceView(BookingView, BookingActionView):
    """S3: attended, no-show, or back to booked."""

    page_title = _("Mark attendance")
    form_class = AttendanceForm
    submit_label = _("Save")

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_manage(user)

    def perform(self, form):
        attended = AttendanceForm.VALUES[form.cleaned_data["mark"]]
        return mark_attendance(self.instance, attended, by=self.request.user)

    def success_message(self, result):
        return gettext_now("%(member)s: %(status)s.") % {
            "member": person(result.member),
            "status": result.get_status_display(),
        }


class CancelBookingView(BookingView, BookingActionView):
    """P6: cancel a booking. Before the cutoff the entry goes back by default; after it,
    staff choose (kept by default). The member is emailed; the place goes to the
    waiting list."""

    page_title = _("Cancel booking")
    form_class = CancelBookingForm
    submit_label = _("Cancel booking")
    #: whether the entry was sent back (None: no pass paid)
    returned = None

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_manage(user)

    @cached_property
    def in_time(self) -> bool:
        return member_may_cancel(
            now=timezone.now(),
            start=self.session.start,
            cutoff_hours=self.session.programme.cancellation_cutoff_hours,
        )

    @property
    def paid_by_pass(self) -> bool:
        return self.instance.member_pass_id is not None

    @property
    def can_submit(self):
        return self.instance.status == BookingStatus.BOOKED

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "paid_by_pass": self.paid_by_pass,
            "in_time": self.in_time,
        }

    def details(self):
        booking = self.instance
        if booking.status != BookingStatus.BOOKED:
            return [
                gettext_now("This booking is %(status)s; it cannot be cancelled.")
                % {"status": booking.get_status_display().lower()}
            ]
        deadline = site_datetime(self.session.cancellation_deadline)
        lines = [
            gettext_now("Paid with: %(paid)s.") % {"paid": paid_text(booking)},
            (
                gettext_now("Members can cancel until %(when)s: the entry normally goes back.")
                if self.in_time
                else gettext_now(
                    "The cancellation cutoff passed on %(when)s: the entry is normally kept."
                )
            )
            % {"when": deadline},
        ]
        if not self.paid_by_pass:
            lines.append(gettext_now("No pass paid for it; any amount due becomes 0."))
        lines.append(gettext_now("The member is emailed and the place goes to the waiting list."))
        return lines

    def perform(self, form):
        if not self.can_submit:
            raise BookingError(
                gettext_now("This booking is %(status)s; it cannot be cancelled.")
                % {"status": self.instance.get_status_display().lower()},
                code="booking_finished",
            )
        return_entry = form.cleaned_data["return_entry"] if self.paid_by_pass else None
        self.returned = return_entry
        return cancel_booking(self.instance, by=self.request.user, return_entry=return_entry)

    def success_message(self, result):
        params = {"member": person(result.member)}
        if not self.paid_by_pass:
            return gettext_now("Booking of %(member)s cancelled; nothing is owed for it.") % params
        params["pass"] = result.member_pass.title
        if self.returned:
            return (
                gettext_now("Booking of %(member)s cancelled; the entry went back to “%(pass)s”.")
                % params
            )
        return (
            gettext_now("Booking of %(member)s cancelled; the entry on “%(pass)s” was kept.")
            % params
        )


# ---- actions on one session ------------------------------------------------------


class CancelSessionView(SessionView, BookingActionView):
    """P8: cancel the session, cancel its bookings, return every entry, email everyone.

    The only way to cancel a session: its form has no "cancelled" box, which would
    skip all of that.
    """

    page_title = _("Cancel session")
    submit_label = _("Cancel session")

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_edit_obj(user, self.instance)

    @property
    def can_submit(self):
        return not self.session.is_cancelled

    @cached_property
    def counts(self) -> dict:
        bookings = self.session.bookings.aggregate(
            booked=Count("pk", filter=Q(status=BookingStatus.BOOKED)),
            marked=Count(
                "pk", filter=Q(status__in=[BookingStatus.ATTENDED, BookingStatus.NO_SHOW])
            ),
        )
        waiting = self.session.waitlist.filter(status=WaitlistStatus.WAITING).count()
        return {**bookings, "waiting": waiting}

    def details(self):
        if self.session.is_cancelled:
            return [gettext_now("This session is already cancelled.")]
        counts = self.counts
        lines = [
            ngettext(
                "%(n)d booking will be cancelled.",
                "%(n)d bookings will be cancelled.",
                counts["booked"],
            )
            % {"n": counts["booked"]},
            gettext_now(
                "Every entry, credit or money goes back to the pass that paid, every amount "
                "due becomes 0, and every booked member is emailed."
            ),
        ]
        if counts["waiting"]:
            lines.append(
                ngettext(
                    "%(n)d member leaves the waiting list.",
                    "%(n)d members leave the waiting list.",
                    counts["waiting"],
                )
                % {"n": counts["waiting"]}
            )
        if counts["marked"]:
            lines.append(
                ngettext(
                    "%(n)d booking already marked attended or no-show stays as it is.",
                    "%(n)d bookings already marked attended or no-show stay as they are.",
                    counts["marked"],
                )
                % {"n": counts["marked"]}
            )
        lines.append(gettext_now("The session can no longer be booked. This cannot be undone."))
        return lines

    def perform(self, form):
        if self.session.is_cancelled:
            raise BookingError(
                gettext_now("This session is already cancelled."), code="session_cancelled"
            )
        return cancel_session(self.session, by=self.request.user)

    def success_message(self, result):
        return ngettext(
            "Session cancelled: %(n)d booking cancelled, its entry returned and the member "
            "emailed.",
            "Session cancelled: %(n)d bookings cancelled, every entry returned and every "
            "member emailed.",
            len(result),
        ) % {"n": len(result)}


class RemoveWaitingView(BookingActionView):
    """P7: take a member off a session's waiting list."""

    page_title = _("Remove from the waiting list")
    submit_label = _("Remove")
    instance_pk = None  # the waiting-list entry's

    def __init__(self, model_admin, instance_pk):
        super().__init__(model_admin)
        entries = WaitlistEntry.objects.select_related(
            "member", "session__programme_class__programme"
        )
        self.entry = get_object_or_404(entries, pk=unquote(instance_pk))

    @property
    def session(self) -> Session:
        return self.entry.session

    def check_action_permitted(self, user):
        return booking_permissions.user_can_manage(user)

    def get_page_subtitle(self):
        return f"{person(self.entry.member)} – {session_text(self.session)}"

    @property
    def can_submit(self):
        return self.entry.status == WaitlistStatus.WAITING

    def details(self):
        if not self.can_submit:
            return [gettext_now("This member is no longer on the waiting list.")]
        return [
            gettext_now("%(member)s stops waiting for a place on this session.")
            % {"member": person(self.entry.member)}
        ]

    def perform(self, form):
        if not self.can_submit:
            raise BookingError(
                gettext_now("This member is no longer on the waiting list."), code="not_waiting"
            )
        return leave_waitlist(self.entry)

    def success_message(self, result):
        return gettext_now("%(member)s removed from the waiting list.") % {
            "member": person(result.member)
        }


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
        if self.session.is_cancelled or not self.user.has_perm("wagtail_passes.change_session"):
            return None
        return {
            "action": "cancel_session",
            "url": session_urls.get_action_url("cancel_session", quote(self.session.pk)),
            "label": _("Cancel session"),
            "title": _("Cancel the session and all its bookings, returning every entry"),
        }

    def all(self) -> list[dict]:
        return [button for button in (self.register(), self.cancel()) if button]

    def for_register(self) -> list[dict]:
        return [button for button in (self.cancel(),) if button]


class SessionEditView(EditView):
    """The session form, with links to its register and to "Cancel session"."""

    def get_context_data(self, **kwargs):
        buttons = SessionButtons(self.request.user, self.instance).all()
        return super().get_context_data(session_buttons=buttons, **kwargs)
