"""The page editor form of product pages.

It imports no wagtail_passes models, so the models module can name it as its
``base_form_class``. No rules live here: ``ProductMixin.clean()`` decides what is valid,
and every error it raises names a field shown in the editor.
"""

from __future__ import annotations

from django.apps import apps
from wagtail.admin.forms import WagtailAdminPageForm


def product_page_models() -> list[type]:
    """Every page type that sells a product: ours, and any a host site builds on the mixin."""
    from ..models import ProductMixin

    return [model for model in apps.get_models() if issubclass(model, ProductMixin)]


def _class_label(programme_class) -> str:
    # Class names are only unique within a programme, so say which one.
    return f"{programme_class.programme} – {programme_class}"


class ProductPageForm(WagtailAdminPageForm):
    """Offers only the kinds the page type sells (a pass page cannot sell credits), and only
    products as the product a buyer must hold (U5)."""

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
            required.queryset = required.queryset.type(*product_page_models())
