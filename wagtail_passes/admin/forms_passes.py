"""The small forms behind the staff actions on member passes (K6, V7, R3, S4).

They check the input only (a known member, a live product, real dates, a decimal
amount); whether the action is allowed is the services' decision. A refusal of the
service (:class:`~wagtail_passes.exceptions.PassError`) is shown on the form with
:meth:`PassActionForm.add_pass_error`, next to the field it is about.
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput

from ..models import MemberPass, ProductKind
from ..products.registry import product_pages
from ..rules.money import has_valid_precision
from ..services.passes import MAX_EXTENSION_DAYS
from .member_chooser import MemberChoiceField


class PassActionForm(forms.Form):
    """A form whose service refusals land next to the field they are about."""

    #: ``PassError.code`` -> field name; other codes become non-field errors.
    error_fields: dict[str, str] = {}

    def add_pass_error(self, error) -> None:
        self.add_error(self.error_fields.get(error.code), error.message)


def live_product_pages():
    """Live pages of every product page type (``products.registry``), by title."""
    return product_pages().live().order_by("title", "pk")


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({capfirst(obj.specific_class._meta.verbose_name)})"


class AssignPassForm(PassActionForm):
    """K6: give a product to a member by hand, free of charge (complimentary). A pass the
    member pays for is sold at the desk instead."""

    error_fields = {"not_a_product": "product"}

    member = MemberChoiceField(help_text=_("Search by name, username or email."))
    product = ProductChoiceField(
        label=_("Product"),
        queryset=None,
        empty_label=_("Choose a pass or credit pack"),
        help_text=_("Any live pass or credit pack, also one that is no longer on sale."),
    )
    reason = forms.CharField(
        label=_("Why it is given free"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A prize or a trial, for example. Kept in the pass's ledger with your name."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = live_product_pages()


class HoldPassForm(PassActionForm):
    """V7: put a member pass on hold for some days."""

    error_fields = {
        "invalid_hold": "ends_on",
        "hold_overlaps": "starts_on",
        "hold_before_issue": "starts_on",
        "hold_too_far_ahead": "starts_on",
        "hold_has_bookings": "starts_on",
    }

    starts_on = forms.DateField(label=_("From"), widget=AdminDateInput)
    ends_on = forms.DateField(
        label=_("Until"),
        widget=AdminDateInput,
        help_text=_("The last day of the hold; its days are added to the expiry."),
    )
    reason = forms.CharField(
        label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AdjustPassForm(PassActionForm):
    """R3/S4: add to or take from the balance, always with a reason."""

    error_fields = {
        "reason_required": "reason",
        "invalid_amount": "amount",
        "negative_balance": "amount",
        "insufficient_balance": "amount",
        "too_large": "amount",
    }

    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Positive to add, negative (e.g. -2) to take away."),
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why you adjust this pass.")},
        help_text=_("Kept in the pass's ledger with your name."),
    )

    def __init__(self, *args, member_pass: MemberPass, **kwargs):
        super().__init__(*args, **kwargs)
        self.member_pass = member_pass
        if member_pass.kind == ProductKind.MONEY:
            self.fields["amount"].help_text = _(
                "In %(currency)s. Positive to add, negative (e.g. -5.00) to take away."
            ) % {"currency": member_pass.currency}

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        member_pass = self.member_pass
        if member_pass.kind == ProductKind.MONEY and not has_valid_precision(
            amount, member_pass.currency
        ):
            raise forms.ValidationError(
                _("%(currency)s has no fractional units; enter a whole amount."),
                code="invalid_amount",
                params={"currency": member_pass.currency},
            )
        return amount


class ExtendPassForm(PassActionForm):
    """S4: move the end of a pass's validity out by some days."""

    error_fields = {"invalid_days": "days"}

    days = forms.IntegerField(
        label=_("Extend by (days)"),
        min_value=1,
        max_value=MAX_EXTENSION_DAYS,
        help_text=_("Days added to the last valid day."),
    )
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the pass's ledger with your name."),
    )


class CancelPassForm(PassActionForm):
    """S4: cancel a pass; what is left is written off."""

    error_fields = {"reason_required": "reason", "pass_has_bookings": None}

    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why you cancel this pass.")},
        help_text=_("Kept in the pass's ledger with your name."),
    )


class StopRenewalForm(PassActionForm):
    """S4, N2: stop a pass renewing, also before the member's commitment is met."""

    error_fields = {"reason_required": "reason", "reason_too_long": "reason"}

    reason = forms.CharField(
        label=_("Why"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Say why the renewal is stopped."),
            "max_length": _("Keep the reason under 1000 characters."),
        },
        help_text=_("Kept in the pass's history with your name."),
    )
