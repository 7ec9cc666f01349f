"""The programme's products inline (P9): passes and credit packs attached as mandatory or
optional. One row per product, so a product is one or the other, never both.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms.formsets import TOTAL_FORM_COUNT
from django.utils.translation import gettext_lazy as _
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.panels import FieldPanel, InlinePanel

from ..models.products import ProductChooserPanel
from ..products.registry import product_pages


class ProgrammeProductFormSet(BaseChildFormSet):
    """Offers only product pages, and says "already attached" instead of failing on the
    database's one-row-per-product constraint.

    A submission without this inline at all (a form posted by an older template or a script)
    leaves the programme's products untouched instead of failing or deleting them.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.left_out = self.is_bound and self.add_prefix(TOTAL_FORM_COUNT) not in self.data
        if self.left_out:
            self.is_bound = False

    def is_valid(self):
        return True if self.left_out else super().is_valid()

    def save(self, commit=True):
        return [] if self.left_out else super().save(commit=commit)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get("product")
        if field is not None:
            field.queryset = product_pages()

    def get_unique_error_message(self, unique_check):
        if set(unique_check) == {"programme", "product"}:
            return _("A product can be attached to a programme only once: mandatory or optional.")
        return super().get_unique_error_message(unique_check)

    def get_form_error(self):
        return _("This product is already attached to the programme.")

    def clean(self):
        super().clean()
        self._refuse_swapped_products()

    def _refuse_swapped_products(self):
        # Rows are saved one by one, so two saved rows trading their products would meet the
        # database constraint half-way. Ask for the role to be changed instead.
        kept = [
            form
            for form in self.initial_forms
            if form not in self.deleted_forms and form.instance.pk is not None
        ]
        held = {form.instance.pk: form.initial.get("product") for form in kept}
        for form in kept:
            product = form.cleaned_data.get("product")
            if product is None or product.pk == form.initial.get("product"):
                continue
            if product.pk in {pk for row, pk in held.items() if row != form.instance.pk}:
                form.add_error(
                    "product",
                    _(
                        "Another row held this product when the form was opened: change the "
                        "roles instead of swapping products, or remove a row and save first."
                    ),
                )
        if any(form.errors for form in kept):
            raise ValidationError(_("Please correct the products."))


class ProgrammeProductsInlinePanel(InlinePanel):
    def __init__(self, relation_name="products", **kwargs):
        kwargs.setdefault(
            "panels",
            [
                ProductChooserPanel("product"),
                FieldPanel("role"),
            ],
        )
        kwargs.setdefault("heading", _("Products"))
        kwargs.setdefault("label", _("product"))
        kwargs.setdefault(
            "help_text",
            _(
                "Mandatory products must be bought when registering for the programme; "
                "optional ones are offered as add-ons."
            ),
        )
        super().__init__(relation_name, **kwargs)

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = ProgrammeProductFormSet
        return options
