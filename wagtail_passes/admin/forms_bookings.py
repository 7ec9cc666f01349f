"""The small forms behind the session register and the booking actions (S3, P6, P7, P8).

Like the member-pass forms they check the input only (a known member, a whole number
of places, one of the member's own passes); whether the booking, cancellation or
attendance is allowed is the services' decision. A refusal of the service
(:class:`~wagtail_passes.exceptions.BookingError`) lands next to the field it is
about through :meth:`PassActionForm.add_pass_error`.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import MemberPass, PaymentMethod
from ..presentation import local_today, pass_with_balance
from ..services.attendees import household
from ..services.charges import charge_words
from ..services.inputs import MAX_ATTENDEES
from .desk.household_display import ForField, for_choices, who_for
from .forms_passes import PassActionForm
from .member_chooser import MemberChoiceField, active_members


def pass_choice_label(member_pass) -> str:
    """A member pass as a choice: title, what is left, and whether it pays (R4)."""
    verdict = member_pass.verdict
    reason = _("pays for this booking") if verdict.ok else verdict.message
    return f"{pass_with_balance(member_pass)}: {reason}"


class BookMemberForm(PassActionForm):
    """Book a member on a session by hand (S3, P8: staff may book outside the window).

    Two steps without JavaScript: "Book" lets the services choose the pass (R1);
    "Choose the pass…" lists the member's passes with whether each pays and why not
    (R4), and a second "Book" uses the chosen one.
    """

    error_fields = {
        "already_booked": "member",
        "session_full": "attendees",
        "invalid_attendees": "attendees",
        "places_left": "attendees",
        "already_waiting": "member",
        "not_your_pass": "member_pass",
        "pass_unusable": "member_pass",
        "unknown_person": "person",
        "person_removed": "person",
    }

    member = MemberChoiceField(help_text=_("Search by name, username or email."))
    #: F3: who attends, once the member is known (their household's people).
    person = ForField(
        help_text=_(
            "Who attends: the member or one of their dependants. Choose the member, then "
            "“Choose the pass…” to see their household."
        )
    )

    attendees = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=MAX_ATTENDEES,
        initial=1,
        help_text=_("The member and the people they bring."),
    )
    member_pass = forms.IntegerField(
        label=_("Paid with"),
        required=False,
        min_value=1,
        max_value=10**18,
        widget=forms.RadioSelect,
        help_text=_("Leave on “Automatic” to use the pass the member would use first."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: The household of the member sent (holder first), to choose who attends.
        self.people = self.household_sent()
        if len(self.people) > 1:
            self.fields["person"].choices = for_choices(self.people, local_today())
        #: The member's passes with their verdicts, once the member is known.
        self.pass_options = None
        #: True once booking was refused because the session is full.
        self.offer_waitlist = False

    def offer_passes(self, evaluated_passes) -> None:
        """Show the member's passes (each carrying its ``verdict``) as the choices."""
        self.pass_options = list(evaluated_passes)
        choices = [("", _("Automatic: the pass the member would use first, else an amount due"))]
        choices += [(str(p.pk), pass_choice_label(p)) for p in self.pass_options]
        self.fields["member_pass"].widget.choices = choices

    def household_sent(self) -> list:
        """The household of the member the form carries (none before one is chosen)."""
        value = str(self.data.get(self.add_prefix("member"), "")).strip() if self.is_bound else ""
        if not value.isdigit() or len(value) > 18:
            return []
        member = active_members().filter(pk=value).first()
        return household(member) if member is not None else []

    @property
    def chooses_person(self) -> bool:
        return len(self.people) > 1

    def who(self):
        """Who attends (F3): the member themself, or the dependant chosen."""
        cleaned = self.cleaned_data
        return who_for(cleaned["member"], cleaned.get("person"))

    def clean(self):
        cleaned = super().clean()
        member, pass_id = cleaned.get("member"), cleaned.get("member_pass")
        cleaned["member_pass"] = None
        if member is not None and pass_id is not None:
            chosen = MemberPass.objects.filter(pk=pass_id, member=member).first()
            if chosen is None:
                self.add_error("member_pass", _("Choose one of this member's passes."))
            cleaned["member_pass"] = chosen
        return cleaned

    def add_pass_error(self, error) -> None:
        field = self.error_fields.get(error.code)
        if field is None and self.cleaned_data.get("member_pass") is not None:
            # The chosen pass cannot pay (expired, limit reached, ...): say so next to it.
            field = "member_pass"
        self.add_error(field, error.message)


class CancelBookingForm(PassActionForm):
    """P6: staff cancel a booking and choose whether the entry goes back to the pass."""

    return_entry = forms.BooleanField(
        label=_("Return the entry to the pass"),
        required=False,
        help_text=_(
            "Gives the entry, credit or money back to the pass that paid, as a ledger movement."
        ),
    )

    def __init__(self, *args, paid_by_pass: bool, in_time: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if paid_by_pass:
            # Back before the cutoff, kept after it (the service's default too).
            self.fields["return_entry"].initial = in_time
        else:
            del self.fields["return_entry"]


class AttendanceForm(PassActionForm):
    """S3: attended, no-show, or back to booked (to undo a mistake)."""

    ATTENDED, NO_SHOW, BOOKED = "attended", "no_show", "booked"
    #: the choice -> ``mark_attendance(attended=...)``
    VALUES = {ATTENDED: True, NO_SHOW: False, BOOKED: None}

    mark = forms.ChoiceField(
        label=_("Mark as"),
        choices=[
            (ATTENDED, _("Attended")),
            (NO_SHOW, _("No-show")),
            (BOOKED, _("Booked (not marked yet)")),
        ],
        widget=forms.RadioSelect,
        initial=ATTENDED,
    )


class ConfirmForm(PassActionForm):
    """No fields: the button (and the CSRF token) is the confirmation."""


#: How a member can pay at the desk ("online" is an order paid online, never chosen here).
DESK_METHODS = [(value, label) for value, label in PaymentMethod.choices if value != "online"]


class DeskPaymentForm(PassActionForm):
    """C6: the member paid the amount due at the desk."""

    error_fields = {"invalid_method": "method"}

    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=DESK_METHODS,
        widget=forms.RadioSelect,
        initial=PaymentMethod.CASH,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("A receipt number, for example. Kept in the history."),
    )


class ChargeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return charge_words(obj)


class _ChargeForm(PassActionForm):
    """L3: one of the booking's charges (``charges``: the ones the action applies to)."""

    error_fields = {"reason_required": "reason", "reason_too_long": "reason"}

    def __init__(self, *args, charges, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["charge"] = ChargeChoiceField(
            label=_("Charge"), queryset=charges, widget=forms.RadioSelect, empty_label=None
        )
        self.order_fields(["charge"])


class WaiveChargeForm(_ChargeForm):
    """L3: waive a fee, or give back the entry a charge kept; the member reads the reason."""

    reason = forms.CharField(
        label=_("Reason"), max_length=255, help_text=_("The member sees it with the charge.")
    )


class ChargeDeskPaymentForm(_ChargeForm):
    """C6 for a charge: the member paid it at the desk."""

    error_fields = {"invalid_method": "method"}

    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=DESK_METHODS,
        widget=forms.RadioSelect,
        initial=PaymentMethod.CASH,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class GiveBackEntryForm(PassActionForm):
    """L3: give back the entry a no-show or late cancellation kept."""

    error_fields = {"reason_required": "reason", "reason_too_long": "reason"}

    reason = forms.CharField(
        label=_("Reason"), max_length=255, help_text=_("The member sees it with the booking.")
    )
