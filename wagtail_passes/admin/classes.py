"""Classes of programmes, with the price and capacity that actually apply (P1, P7)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList

from ..models import ProgrammeClass
from .base import PassesModelAdmin
from .display import column
from .forms import ProgrammeClassAdminForm
from .views import ProtectedDeleteView


class ProgrammeClassAdmin(PassesModelAdmin):
    model = ProgrammeClass
    menu_label = _("Classes")
    menu_icon = "list-ul"
    delete_view_class = ProtectedDeleteView
    list_display = ("name", "programme", "effective_price", "capacity_in_use", "link_pool")
    list_filter = ("programme",)
    list_select_related = ("programme", "link_pool")
    search_fields = ("name", "programme__name", "location", "instructor")

    edit_handler = ObjectList(
        [
            FieldPanel("programme"),
            FieldPanel("name"),
            FieldPanel("description"),
            FieldPanel("unit_price"),
            FieldPanel("capacity"),
            FieldPanel("credit_cost"),
            FieldPanel("location"),
            FieldPanel("instructor"),
            FieldPanel("link_pool"),
        ],
        base_form_class=ProgrammeClassAdminForm,
    )

    @column(_("unit price"), nowrap=True)
    def effective_price(self, obj):
        return str(obj.effective_unit_price)

    @column(_("capacity"))
    def capacity_in_use(self, obj):
        return obj.effective_capacity
