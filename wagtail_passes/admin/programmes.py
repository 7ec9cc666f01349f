"""Programmes: details, attendance settings (SPEC P1-P8), classes, link pools and products (P9)."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)

from ..models import Programme
from .base import PassesModelAdmin
from .display import column, yes_no
from .forms import ProgrammeAdminForm, ProgrammeClassFormSet
from .programme_products import ProgrammeProductsInlinePanel
from .views import ProtectedDeleteView


class ClassesInlinePanel(InlinePanel):
    """An InlinePanel whose formset offers each class only its programme's own pools."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = ProgrammeClassFormSet
        return options


class ProgrammeAdmin(PassesModelAdmin):
    model = Programme
    menu_label = _("Programmes")
    menu_icon = "folder-open-inverse"
    delete_view_class = ProtectedDeleteView
    list_display = (
        "name",
        "currency",
        "default_price",
        "requires_valid_pass",
        "redeems_if_unpaid",
        "class_count",
    )
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("name"),
                    FieldPanel("slug"),
                    FieldPanel("description"),
                    FieldPanel("currency"),
                    FieldPanel("default_unit_price"),
                ],
                heading=_("Details"),
            ),
            ObjectList(
                [
                    FieldPanel("require_valid_pass"),
                    FieldPanel("redeem_if_unpaid"),
                    FieldPanel("booking_opens_days_before"),
                    FieldPanel("booking_closes_minutes_before"),
                    FieldPanel("cancellation_cutoff_hours"),
                    FieldPanel("checkin_opens_minutes"),
                    FieldPanel("default_capacity"),
                    # L1, L2: what a late cancellation or a no-show costs.
                    MultiFieldPanel(
                        [
                            FieldPanel("late_cancel_policy"),
                            FieldPanel("late_cancel_fee"),
                            FieldPanel("no_show_policy"),
                            FieldPanel("no_show_fee"),
                            FieldPanel("no_show_grace"),
                            FieldPanel("no_show_grace_period"),
                        ],
                        heading=_("Attendance policies"),
                    ),
                ],
                heading=_("Attendance settings"),
            ),
            ObjectList(
                [
                    InlinePanel(
                        "link_pools",
                        panels=[FieldPanel("name")],
                        heading=_("Link pools"),
                        label=_("link pool"),
                    ),
                    ClassesInlinePanel(
                        "classes",
                        panels=[
                            FieldPanel("name"),
                            FieldPanel("unit_price"),
                            FieldPanel("capacity"),
                            FieldPanel("credit_cost"),
                            FieldPanel("location"),
                            FieldPanel("instructor"),
                            FieldPanel(
                                "link_pool",
                                help_text=_(
                                    "Only this programme's pools. A pool added just now can be "
                                    "chosen once the programme is saved."
                                ),
                            ),
                        ],
                        heading=_("Classes"),
                        label=_("class"),
                    ),
                    ProgrammeProductsInlinePanel("products"),
                ],
                heading=_("Classes & linking"),
            ),
        ],
        base_form_class=ProgrammeAdminForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(number_of_classes=Count("classes"))

    @column(_("default unit price"), "default_unit_price", nowrap=True)
    def default_price(self, obj):
        return str(obj.default_price)

    @column(_("require a valid pass"), "require_valid_pass")
    def requires_valid_pass(self, obj):
        return yes_no(obj.require_valid_pass)

    @column(_("redeem if unpaid"), "redeem_if_unpaid")
    def redeems_if_unpaid(self, obj):
        return yes_no(obj.redeem_if_unpaid)

    @column(_("classes"), "number_of_classes")
    def class_count(self, obj):
        return obj.number_of_classes
