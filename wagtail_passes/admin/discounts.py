"""Discount codes (A4): staff create, edit and delete them; checkout applies them.

The list shows how often each code is used now — a fresh count of the orders holding it
(paid, or awaiting payment with its hold still running), never a stored counter. A code some
order used cannot be deleted (untick "active" instead): its uses stay with the orders.

Permissions are the model's own: ``wagtail_passes.add_discountcode``,
``change_discountcode``, ``delete_discountcode`` and ``view_discountcode``.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList

from ..bounds import ModelBoundsFormMixin
from ..models import DiscountCode, DiscountCodeProduct, normalise_code
from ..models.products import ProductChooserPanel
from ..presentation import EMPTY, format_short_day, local_day
from ..products.registry import product_pages
from .base import PassesModelAdmin
from .display import column, yes_no
from .views import ProtectedDeleteView


class DiscountCodeAdminForm(ModelBoundsFormMixin, WagtailAdminModelForm):
    """Codes are compared without case and surrounding spaces: store them so."""

    def clean_code(self):
        return normalise_code(self.cleaned_data.get("code"))


class DiscountProductFormSet(BaseChildFormSet):
    """Offers only product pages; a product chosen twice is said plainly."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get("product")
        if field is not None:
            field.queryset = product_pages()

    def get_unique_error_message(self, unique_check):
        if set(unique_check) == {"code", "product"}:
            return _("Each product can be chosen once.")
        return super().get_unique_error_message(unique_check)


class DiscountProductsInlinePanel(InlinePanel):
    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = DiscountProductFormSet
        return options


class DiscountCodeAdmin(PassesModelAdmin):
    model = DiscountCode
    menu_label = _("Discount codes")
    menu_icon = "tag"
    delete_view_class = ProtectedDeleteView
    list_display = (
        "code",
        "kind_and_value",
        "product_list",
        "uses_and_limit",
        "starts",
        "ends",
        "active",
    )
    list_filter = ("is_active", "kind")
    search_fields = ("code",)
    ordering = ("code",)

    edit_handler = ObjectList(
        [
            FieldPanel("code"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("value"), FieldPanel("currency")]),
            FieldPanel("max_uses"),
            FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
            FieldPanel("is_active"),
            DiscountProductsInlinePanel(
                "product_links",
                panels=[ProductChooserPanel("product")],
                heading=_("Products"),
                label=_("product"),
                help_text=_("The products the code applies to. None chosen: every product."),
            ),
        ],
        base_form_class=DiscountCodeAdminForm,
    )

    def get_queryset(self, request):
        # Uses as the checkout counts them (``DiscountCode.uses``), one subquery for the list.
        return DiscountCode.with_uses(super().get_queryset(request)).prefetch_related(
            Prefetch(
                "product_links",
                queryset=DiscountCodeProduct.objects.select_related("product").order_by(
                    "product__title"
                ),
            )
        )

    @column(_("discount"), "value")
    def kind_and_value(self, obj):
        return obj.describe_value

    @column(_("products"))
    def product_list(self, obj):
        titles = [link.product.title for link in obj.product_links.all()]
        return ", ".join(titles) if titles else _("All products")

    @column(_("uses / limit"), "current_uses", nowrap=True)
    def uses_and_limit(self, obj):
        limit = obj.max_uses if obj.max_uses is not None else "∞"
        return f"{obj.current_uses} / {limit}"

    # The days only: the times are on the code's form.
    @column(_("valid from"), "valid_from", nowrap=True)
    def starts(self, obj):
        return format_short_day(local_day(obj.valid_from)) if obj.valid_from else EMPTY

    @column(_("valid until"), "valid_until", nowrap=True)
    def ends(self, obj):
        return format_short_day(local_day(obj.valid_until)) if obj.valid_until else EMPTY

    @column(_("active"), "is_active")
    def active(self, obj):
        return yes_no(obj.is_active)
