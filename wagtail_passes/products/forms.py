"""The page editor form of product pages.

It imports no wagtail_passes models, so the models module can name it as its
``base_form_class``. No rules live here: ``ProductMixin.clean()`` and the model fields'
validators decide what is valid, and every error names a field shown in the editor.
"""

from __future__ import annotations

from decimal import Decimal

from wagtail.admin.forms import WagtailAdminPageForm

from ..bounds import MAX_COUNTED_QUANTITY, ModelBoundsFormMixin, YearRangeValidator
from ..products.registry import product_models
from ..rules.money import SUPPORTED_CURRENCIES, has_valid_precision, quantize


def _class_label(programme_class) -> str:
    # Class names are only unique within a programme, so say which one.
    return f"{programme_class.programme} – {programme_class}"


class ProductPageForm(ModelBoundsFormMixin, WagtailAdminPageForm):
    """Offers only the kinds the page type sells (a pass page cannot sell credits), and only
    products as the product a buyer must hold (U5). Number fields check the model's bounds
    themselves; counts and amounts are shown as staff typed them ("20", not "20.00")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = getattr(self._meta.model, "allowed_kinds", ())
        kind = self.fields.get("kind")
        if kind is not None and allowed:
            kind.choices = [(value, label) for value, label in kind.choices if value in allowed]
        classes = self.fields.get("classes")
        if classes is not None:
            classes.queryset = classes.queryset.select_related("programme")
            classes.label_from_instance = _class_label
        required = self.fields.get("required_product")
        if required is not None:
            required.queryset = required.queryset.type(*product_models())
        self._count_whole_numbers(allowed)
        self._show_stored_numbers_plainly()
        # Wagtail's publishing schedule takes any year; 9999-12-31 23:59 typed by an editor
        # west of UTC is year 10000 in UTC and crashes the save. Hold it to our years too.
        for name in ("go_live_at", "expire_at"):
            if name in self.fields:
                self.fields[name].validators.append(YearRangeValidator())

    def _count_whole_numbers(self, allowed):
        # A page type that only sells counts (a pass page: entries, days or unlimited) lets the
        # browser step in whole numbers; clean() refuses fractions whatever the browser sends.
        from ..models.products import COUNTED_KINDS, ProductKind

        quantity = self.fields.get("quantity")
        if (
            quantity is not None
            and allowed
            and set(allowed) <= {*COUNTED_KINDS, ProductKind.UNLIMITED}
        ):
            quantity.widget.attrs.update(step="1", min="1", max=str(MAX_COUNTED_QUANTITY))

    def _show_stored_numbers_plainly(self):
        # The columns keep two decimals, so a stored 20 credits would read "20.00" in the
        # input, and 1500 yen "1500.00". Show counts as whole numbers and amounts with the
        # currency's own decimals; a value that does not fit is shown as stored.
        from ..models.products import COUNTED_KINDS, ProductKind

        instance = self.instance
        currency = getattr(instance, "currency", None)
        kind = getattr(instance, "kind", None)
        for name in ("quantity", "price", "pro_rata_minimum_price"):
            value = self.initial.get(name)
            if name not in self.fields or not isinstance(value, Decimal) or not value.is_finite():
                continue
            is_amount = name != "quantity" or kind == ProductKind.MONEY
            if name == "quantity" and kind in COUNTED_KINDS:
                if value == value.to_integral_value():
                    self.initial[name] = int(value)
            elif is_amount and currency in SUPPORTED_CURRENCIES:
                if has_valid_precision(value, currency):
                    self.initial[name] = quantize(value, currency)
