"""The small forms behind the staff actions on member passes (K6, V7, R3, S4).

They check the input only (a known member, a live product, real dates, a decimal
amount); whether the action is allowed is the services' decision. A refusal of the
service (:class:`~wagtail_passes.exceptions.PassError`) is shown on the form with
:meth:`PassActionForm.add_pass_error`, next to the field it is about.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput
from wagtail.models import get_page_models

from ..models import MemberPass, ProductKind, ProductMixin
from ..rules.money import has_valid_precision


class PassActionForm(forms.Form):
    """A form whose service refusals land next to the field they are about."""

    #: ``PassError.code`` -> field name; other codes become non-field errors.
    error_fields: dict[str, str] = {}

    def add_pass_error(self, error) -> None:
        self.add_error(self.error_fields.get(error.code), error.message)


def product_pages():
    """Live pages of every page type that sells passes (PassPage, CreditPackPage and a
    host site's own subclasses of ProductMixin), in the site's page model."""
    page_model = MemberPass._meta.get_field("product").related_model
    product_models = [model for model in get_page_models() if issubclass(model, ProductMixin)]
    return page_model.objects.live().type(*product_models).order_by("title", "pk")


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({capfirst(obj.specific_class._meta.verbose_name)})"


class AssignPassForm(PassActionForm):
    """K6: give a product to a member by hand."""

    error_fields = {"not_a_product": "product"}

    member = forms.CharField(
        label=_("Member"),
        max_length=254,
        help_text=_("The member's username or email address."),
    )
    product = ProductChoiceField(
        label=_("Product"),
        queryset=None,
        empty_label=_("Choose a pass or credit pack"),
        help_text=_("Any live pass or credit pack, also one that is no longer on sale."),
    )
    paid = forms.BooleanField(
        label=_("Counts as paid"),
        required=False,
        initial=True,
        help_text=_("Untick when the member still has to pay for it."),
    )
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the pass's ledger with your name."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = product_pages()

    def clean_member(self):
        value = self.cleaned_data["member"].strip()
        user_model = get_user_model()
        users = user_model._default_manager.filter(is_active=True)
        found = list(users.filter(**{user_model.USERNAME_FIELD: value})[:1])
        if not found:
            email_lookup = f"{user_model.get_email_field_name()}__iexact"
            found = list(users.filter(**{email_lookup: value})[:2])
        if not found:
            raise forms.ValidationError(
                _("No active member has the username or email address “%(value)s”."),
                code="unknown_member",
                params={"value": value},
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several members use this email address; enter the username instead."),
                code="ambiguous_member",
            )
        return found[0]


class HoldPassForm(PassActionForm):
    """V7: put a member pass on hold for some days."""

    error_fields = {"invalid_hold": "ends_on", "hold_overlaps": "starts_on"}

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
