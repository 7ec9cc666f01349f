"""The small forms behind the staff actions on orders ("Mark paid", "Cancel order",
"Refund").

They check the input only; whether the action is allowed is the services' decision, and
a refusal (:class:`~wagtail_passes.exceptions.CheckoutError`) is shown on the form.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_bookings import DESK_METHODS
from .forms_passes import PassActionForm

#: The longest note kept with a payment (``services.orders.mark_paid`` keeps 500).
NOTE_MAX_LENGTH = 500


class MarkPaidForm(PassActionForm):
    """C2, C6: staff record that the member paid: how (cash, card terminal, bank transfer,
    other) and a note; the service records who."""

    error_fields = {"invalid_method": "method"}

    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=DESK_METHODS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the member paid.")},
    )
    reference = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=_(
            "The transfer's reference or a receipt number, for example. Kept with the payment."
        ),
    )
    confirm = forms.BooleanField(
        label=_("The payment has arrived"),
        required=True,
        error_messages={"required": _("Tick this to confirm that the payment has arrived.")},
    )


class CancelOrderForm(PassActionForm):
    """C5: no fields; the button (and the CSRF token) is the confirmation."""


class RefundOrderForm(PassActionForm):
    """C4: which lines to refund, how much of each (blank: what is left), why, and a tick.

    One "refund" box and one amount per line with something left to refund; the amount is
    checked by the service (a decimal above zero in the currency's minor unit, at most
    what is left), so the form and the service never disagree."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Kept with the refund and in the order's history."),
    )
    confirm = forms.BooleanField(
        label=_("The money is given back to the member"),
        required=True,
        error_messages={"required": _("Tick this to confirm the refund.")},
    )

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = [row for row in rows if row.left.amount > 0]
        fields = {}
        for row in self.rows:
            pk = row.line.pk
            fields[f"line_{pk}"] = forms.BooleanField(
                label=_("Refund “%(title)s”") % {"title": row.line.title},
                required=False,
                initial=True,
                help_text=_("Paid %(paid)s; refunded so far %(refunded)s.")
                % {"paid": row.paid, "refunded": row.refunded},
            )
            fields[f"amount_{pk}"] = forms.CharField(
                label=_("Amount for “%(title)s”") % {"title": row.line.title},
                required=False,
                max_length=32,
                help_text=_("Leave empty to refund what is left: %(left)s.") % {"left": row.left},
            )
        # The lines first, then the reason and the tick.
        self.fields = {**fields, **self.fields}

    def add_pass_error(self, error) -> None:
        # An amount refused for one line is shown next to that line's amount.
        line = error.details.get("line")
        field = f"amount_{line}" if f"amount_{line}" in self.fields else None
        self.add_error(field, error.message)

    def clean(self):
        cleaned = super().clean()
        chosen = self.chosen()
        if self.rows and not chosen:
            raise forms.ValidationError(_("Choose at least one line to refund."))
        return cleaned

    def chosen(self) -> dict[int, str | None]:
        """Line id -> the amount typed (None: what is left), for the lines ticked."""
        data = getattr(self, "cleaned_data", {})
        return {
            row.line.pk: (data.get(f"amount_{row.line.pk}") or "").strip() or None
            for row in self.rows
            if data.get(f"line_{row.line.pk}")
        }
