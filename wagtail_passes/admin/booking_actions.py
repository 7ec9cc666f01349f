"""Staff actions on one booking or one session: mark attendance (S3), cancel a
booking choosing whether the entry goes back (P6), waive a charge, take its payment at
the desk or give a kept entry back (L3), remove a waiting member (P7) and
"Cancel session" (P8). Each GET shows a confirm form; POST calls the service.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.log_actions import log
from wagtail_modeladmin.views import EditView

from ..exceptions import BookingError
from ..models import (
    AttendanceCharge,
    BookingStatus,
    ChargeState,
    Session,
    WaitlistEntry,
    WaitlistStatus,
)
from ..presentation import attending, format_short_moment, person
from ..services import (
    cancel_booking,
    cancel_session,
    give_back_entry,
    leave_waitlist,
    mark_attendance,
    record_charge_payment,
    record_desk_payment,
    update_session,
    waive_charge,
)
from ..services.charges import charge_words, late_cancel_outcome
from .booking_display import (
    SessionButtons,
    booking_permissions,
    money_text,
    paid_text,
    session_text,
)
from .forms_bookings import (
    AttendanceForm,
    CancelBookingForm,
    ChargeDeskPaymentForm,
    DeskPaymentForm,
    GiveBackEntryForm,
    WaiveChargeForm,
)
from .once import OneTimeFormMixin
from .session_register import BookingActionView, BookingView, SessionView

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
        return gettext("%(member)s: %(status)s.") % {
            "member": attending(result),  # F2: who attended (or not)
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
        return self.session.member_may_cancel()

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
                gettext("This booking is %(status)s; it cannot be cancelled.")
                % {"status": booking.get_status_display().lower()}
            ]
        deadline = format_short_moment(self.session.cancellation_deadline)
        lines = [
            gettext("Paid with: %(paid)s.") % {"paid": paid_text(booking)},
            (
                gettext("Members can cancel until %(when)s: the entry normally goes back.")
                if self.in_time
                else gettext(
                    "The cancellation cutoff passed on %(when)s: the entry is normally kept."
                )
            )
            % {"when": deadline},
        ]
        if booking.amount_paid:
            lines.append(
                gettext("%(amount)s was paid for it at the desk: give it back there if it is due.")
                % {"amount": money_text(booking.amount_paid, booking.currency)}
            )
        elif not self.paid_by_pass:
            lines.append(gettext("No pass paid for it; any amount due becomes 0."))
        if not self.in_time and not self.paid_by_pass:  # L1: no choice offered, the policy
            outcome = late_cancel_outcome(booking)
            if outcome.record:
                lines.append(
                    gettext("The programme's late cancellation policy: %(what)s")
                    % {"what": outcome.text}
                )
        lines.append(gettext("The member is emailed and the place goes to the waiting list."))
        return lines

    def perform(self, form):
        if not self.can_submit:
            raise BookingError(
                gettext("This booking is %(status)s; it cannot be cancelled.")
                % {"status": self.instance.get_status_display().lower()},
                code="booking_finished",
            )
        return_entry = form.cleaned_data["return_entry"] if self.paid_by_pass else None
        booking = cancel_booking(self.instance, by=self.request.user, return_entry=return_entry)
        self.returned = booking.entry_returned
        return booking

    def success_message(self, result):
        params = {"member": attending(result)}  # F2: whose booking
        if not self.paid_by_pass:
            charge = result.charges.current().filter(state=ChargeState.DUE).first()
            if charge is not None:  # L1: the late cancellation policy charged
                params["charge"] = charge_words(charge)
                return gettext("Booking of %(member)s cancelled; %(charge)s.") % params
            return gettext("Booking of %(member)s cancelled; nothing is owed for it.") % params
        params["pass"] = result.member_pass.title
        if self.returned:
            return (
                gettext("Booking of %(member)s cancelled; the entry went back to “%(pass)s”.")
                % params
            )
        return (
            gettext("Booking of %(member)s cancelled; the entry on “%(pass)s” was kept.") % params
        )


class DeskPaymentView(OneTimeFormMixin, BookingView, BookingActionView):
    """C6: the member paid the booking's amount due at the desk. The form carries a
    one-time token (``admin/once.py``): sent twice, it records one payment."""

    page_title = _("Paid at the desk")
    form_class = DeskPaymentForm
    done_already = _("This payment at the desk was recorded already; nothing changed.")
    submit_label = _("Record payment")

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_manage(user)

    @property
    def can_submit(self):
        booking = self.instance
        return booking.status != BookingStatus.CANCELLED and booking.amount_due > 0

    def details(self):
        booking = self.instance
        if not self.can_submit:
            return [gettext("This booking owes nothing.")]
        return [
            gettext("Amount due: %(amount)s.")
            % {"amount": money_text(booking.amount_due, booking.currency)},
            gettext("It is recorded as paid, with how, when and by whom."),
        ]

    def perform(self, form):
        data = form.cleaned_data
        return record_desk_payment(
            self.instance, self.request.user, data["method"], note=data["note"]
        )

    def success_message(self, result):
        return gettext("%(member)s paid %(amount)s (%(method)s).") % {
            "member": person(result.member),
            "amount": money_text(result.amount_paid, result.currency),
            "method": result.get_payment_method_display().lower(),
        }


# ---- attendance charges (L3) -------------------------------------------------------


class _ChargeView(BookingView, BookingActionView):
    """An action on one of the booking's charges; ``?charge=<id>`` preselects it (the
    outstanding payments report links so)."""

    states: tuple[str, ...] = ()

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_manage(user)

    @cached_property
    def charges(self):
        return AttendanceCharge.objects.filter(booking=self.instance, state__in=self.states)

    @property
    def can_submit(self):
        return self.charges.exists()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["charges"] = self.charges
        chosen = self.request.GET.get("charge", "")
        if chosen.isascii() and chosen.isdigit() and len(chosen) < 19:
            kwargs.setdefault("initial", {})["charge"] = int(chosen)
        return kwargs


class WaiveChargeView(_ChargeView):
    """L3: waive a fee still due, or give back the entry a charge kept, with a reason."""

    page_title = _("Waive a charge")
    form_class = WaiveChargeForm
    submit_label = _("Waive")
    states = (ChargeState.DUE, ChargeState.KEPT)

    def details(self):
        if not self.can_submit:
            return [gettext("This booking has no charge to waive.")]
        return [
            gettext(
                "A fee is no longer owed; an entry kept goes back to the pass. The member sees "
                "the reason; the history keeps who and when."
            )
        ]

    def perform(self, form):
        data = form.cleaned_data
        return waive_charge(data["charge"], self.request.user, data["reason"])

    def success_message(self, result):
        return gettext("%(member)s: %(charge)s waived.") % {
            "member": person(result.booking.member),
            "charge": result.reason,
        }


class ChargeDeskPaymentView(OneTimeFormMixin, _ChargeView):
    """C6 for a charge: the member paid it at the desk (one-time form)."""

    page_title = _("Charge paid at the desk")
    form_class = ChargeDeskPaymentForm
    done_already = _("This payment at the desk was recorded already; nothing changed.")
    submit_label = _("Record payment")
    states = (ChargeState.DUE,)

    def details(self):
        if not self.can_submit:
            return [gettext("This booking has no charge due.")]
        return [gettext("It is recorded as paid, with how, when and by whom.")]

    def perform(self, form):
        data = form.cleaned_data
        return record_charge_payment(
            data["charge"], self.request.user, data["method"], note=data["note"]
        )

    def success_message(self, result):
        return gettext("%(member)s paid %(amount)s (%(method)s).") % {
            "member": person(result.booking.member),
            "amount": str(result.money),
            "method": result.get_payment_method_display().lower(),
        }


class GiveBackEntryView(BookingView, BookingActionView):
    """L3: give back the entry a no-show or late cancellation kept, with a reason."""

    page_title = _("Give the entry back")
    form_class = GiveBackEntryForm
    submit_label = _("Give it back")

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_manage(user)

    def details(self):
        return [
            gettext(
                "The entry, credit or money this booking used goes back to the pass, as a ledger "
                "movement. The member sees the reason."
            )
        ]

    def perform(self, form):
        return give_back_entry(self.instance, self.request.user, form.cleaned_data["reason"])

    def success_message(self, result):
        return gettext("%(member)s: the entry went back to the pass.") % {
            "member": person(result.booking.member)
        }


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
            return [gettext("This session is already cancelled.")]
        counts = self.counts
        lines = [
            ngettext(
                "%(n)d booking will be cancelled.",
                "%(n)d bookings will be cancelled.",
                counts["booked"],
            )
            % {"n": counts["booked"]},
            gettext(
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
        lines.append(gettext("The session can no longer be booked. This cannot be undone."))
        return lines

    def perform(self, form):
        if self.session.is_cancelled:
            raise BookingError(
                gettext("This session is already cancelled."), code="session_cancelled"
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
            return [gettext("This member is no longer on the waiting list.")]
        return [
            gettext("%(member)s stops waiting for a place on this session.")
            % {"member": person(self.entry.member)}
        ]

    def perform(self, form):
        if not self.can_submit:
            raise BookingError(
                gettext("This member is no longer on the waiting list."), code="not_waiting"
            )
        return leave_waitlist(self.entry, by=self.request.user)

    def success_message(self, result):
        return gettext("%(member)s removed from the waiting list.") % {
            "member": person(result.member)
        }


class SessionEditView(EditView):
    """The session form, with links to its register and to "Cancel session". Saving
    goes through ``services.update_session``: the capacity never drops below the places
    booked, a larger one goes to the waiting list first, and booked members are
    emailed a new time."""

    #: ``BookingError.code`` -> the form field it is about
    error_fields = {
        "capacity_below_booked": "capacity",
        "moved_to_other_day": "start",
        "session_in_past": "confirm",
        "invalid_times": "end",
        "invalid_capacity": "capacity",
    }

    def get_context_data(self, **kwargs):
        buttons = SessionButtons(self.request.user, self.instance).all()
        return super().get_context_data(session_buttons=buttons, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                change = update_session(
                    self.instance,
                    self.request.user,
                    start=data["start"],
                    end=data["end"],
                    capacity=data["capacity"],
                    allow_past=data.get("confirm", False),
                )
                if "programme_class" in form.changed_data:
                    Session.objects.filter(pk=self.instance.pk).update(
                        programme_class=data["programme_class"]
                    )
                    log(instance=self.instance, action="wagtail.edit", content_changed=True)
        except BookingError as error:
            form.add_error(self.error_fields.get(error.code), error.message)
            return self.form_invalid(form)
        messages.success(self.request, self.success_text(change))
        return redirect(self.get_success_url())

    def success_text(self, change) -> str:
        parts = [gettext("Session “%(session)s” saved.") % {"session": self.instance}]
        if change.emailed:
            parts.append(
                ngettext(
                    "%(n)d booked member was emailed the new time.",
                    "%(n)d booked members were emailed the new time.",
                    len(change.emailed),
                )
                % {"n": len(change.emailed)}
            )
        if change.promoted:
            parts.append(
                ngettext(
                    "%(n)d member was booked from the waiting list.",
                    "%(n)d members were booked from the waiting list.",
                    len(change.promoted),
                )
                % {"n": len(change.promoted)}
            )
        return " ".join(parts)
