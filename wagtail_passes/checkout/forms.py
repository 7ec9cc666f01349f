"""The checkout form: it checks only the shape of what the browser sends (a whole quantity
within bounds, a total that is a number); every rule is decided by ``services.orders``."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models.orders import MAX_LINE_QUANTITY


def _quantity_bounds() -> str:
    return gettext("Buy between 1 and %(max)d at a time.") % {"max": MAX_LINE_QUANTITY}


QUANTITY_BOUNDS = lazy(_quantity_bounds, str)()

#: The largest total a checkout form can carry (prices have 10 digits, 2 decimals).
TOTAL_DIGITS = 14


class CheckoutForm(forms.Form):
    """One product's checkout. ``needs_code`` adds the access code field (U6), ``terms``
    (the terms' text, "" when none) the required checkbox (A5), ``renew`` (how renewal
    works, "" when the product does not renew) the optional "Renew automatically" box (N1)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=200)  # checkout/once.py
    quantity = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        error_messages={
            "invalid": _("The quantity must be a whole number."),
            "min_value": QUANTITY_BOUNDS,
            "max_value": QUANTITY_BOUNDS,
            "required": _("The quantity is missing."),
        },
    )
    seen_total = forms.DecimalField(
        widget=forms.HiddenInput,
        max_digits=TOTAL_DIGITS,
        decimal_places=4,
        error_messages={
            "invalid": _("The total was not understood: check it and confirm again."),
            "max_digits": _("The total was not understood: check it and confirm again."),
            "max_decimal_places": _("The total was not understood: check it and confirm again."),
            "max_whole_digits": _("The total was not understood: check it and confirm again."),
            "required": _("The total is missing: check it and confirm again."),
        },
    )

    #: The session the member pressed Book on: booked with the pass once it exists.
    book_session = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)

    #: A4: optional; the service says whether the code is valid and what it takes off.
    discount_code = forms.CharField(
        label=_("Discount code"),
        max_length=100,
        required=False,
        help_text=_("If you have one: the total is shown with it before you confirm."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(
        self, *args, needs_code: bool = False, terms: str = "", methods=(), renew="", **kwargs
    ):
        # Ids in the app's namespace: a host form on the same page (a newsletter box with
        # Django's id_email, ...) must not share one (issue 19).
        kwargs.setdefault("auto_id", "wp-%s")
        super().__init__(*args, **kwargs)
        if renew:  # N1: the product allows auto-renewal; ``renew`` says how it works
            self.fields["auto_renew"] = forms.BooleanField(
                label=_("Renew automatically"), required=False, help_text=renew
            )
        if len(methods) > 1:  # (name, label) of each payment method on offer (C2)
            self.fields["method"] = forms.ChoiceField(
                label=_("How do you want to pay?"),
                choices=list(methods),
                initial=methods[0][0],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose how you want to pay."),
                    "invalid_choice": _("Choose how you want to pay."),
                },
            )
        if needs_code:
            # Not required here: the service says what is missing or wrong, in one wording.
            self.fields["access_code"] = forms.CharField(
                label=_("Access code"),
                max_length=100,
                required=False,
                help_text=_("This offer is private: enter the code you were given."),
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )
        if terms:
            self.fields["accept_terms"] = forms.BooleanField(
                label=_("I accept the terms above."),
                required=True,
                error_messages={"required": _("Accept the terms to buy this.")},
            )

    def messages(self) -> list[str]:
        """Every error as one list of sentences, in the fields' order (hidden ones too)."""
        found = list(self.non_field_errors())
        for name in self.fields:
            found.extend(self.errors.get(name, []))
        return list(dict.fromkeys(found))


class DuesCheckoutForm(CheckoutForm):
    """Paying amounts due (C6): the total seen and how to pay. The chosen bookings come as
    ``booking`` values and are checked by ``services.dues``; there is no quantity, discount
    code or terms."""

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, methods=methods, **kwargs)
        del self.fields["quantity"], self.fields["discount_code"], self.fields["book_session"]


class RegistrationForm(CheckoutForm):
    """Registering for a programme (P9): the add-ons ticked and the terms accepted, each a
    list of product ids from the choices offered; the service decides the rest. There is
    no quantity (one of each) and no access code (private offers are bought on their own
    page)."""

    def __init__(self, *args, add_ons=(), terms_of=(), methods=(), **kwargs):
        super().__init__(*args, methods=methods, **kwargs)
        del self.fields["quantity"], self.fields["book_session"]
        self.fields["add_on"] = forms.TypedMultipleChoiceField(
            label=_("Add-ons"),
            choices=[(product.pk, product.title) for product in add_ons],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": _("That add-on is not offered with this programme.")},
        )
        self.fields["accept_terms"] = forms.TypedMultipleChoiceField(
            label=_("Terms accepted"),
            choices=[(product.pk, product.title) for product in terms_of],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": _("Those terms are not part of this order.")},
        )
