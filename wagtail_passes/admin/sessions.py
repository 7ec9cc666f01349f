"""Dated sessions, with their effective capacity and how many bookings they hold."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail_modeladmin.options import ModelAdmin

from ..models import Booking, Session
from .display import column, site_datetime, yes_no
from .filters import UpcomingDateFilter
from .forms import ClassChoiceAdminForm
from .views import ProtectedDeleteView


class SessionAdmin(ModelAdmin):
    model = Session
    menu_label = _("Sessions")
    menu_icon = "calendar"
    delete_view_class = ProtectedDeleteView
    list_display = (
        "start_time",
        "programme_class",
        "programme",
        "capacity_in_use",
        "active_bookings",
        "cancelled",
    )
    list_filter = (
        "programme_class__programme",
        "programme_class",
        ("start", UpcomingDateFilter),
        "is_cancelled",
    )
    search_fields = ("programme_class__name", "programme_class__programme__name")
    ordering = ("start",)

    edit_handler = ObjectList(
        [
            FieldPanel("programme_class"),
            FieldPanel("start"),
            FieldPanel("end"),
            FieldPanel("capacity"),
            FieldPanel("is_cancelled"),
        ],
        base_form_class=ClassChoiceAdminForm,
    )

    def get_queryset(self, request):
        # One query for the page: related rows joined, bookings counted in SQL. A
        # subquery rather than a join, so it runs for the rows of the page only and
        # the list's COUNT(*) leaves it out.
        active_bookings = (
            Booking.objects.active()
            .filter(session=OuterRef("pk"))
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("programme_class__programme")
            .annotate(active_booking_count=Coalesce(Subquery(active_bookings), 0))
        )

    @column(_("start"), "start")
    def start_time(self, obj):
        return site_datetime(obj.start)

    @column(_("programme"), "programme_class__programme__name")
    def programme(self, obj):
        return obj.programme_class.programme

    @column(_("capacity"))
    def capacity_in_use(self, obj):
        return obj.effective_capacity

    @column(_("active bookings"), "active_booking_count")
    def active_bookings(self, obj):
        return obj.active_booking_count

    @column(_("cancelled"), "is_cancelled")
    def cancelled(self, obj):
        return yes_no(obj.is_cancelled)
