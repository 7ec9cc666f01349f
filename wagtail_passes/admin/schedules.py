"""Weekly schedules, and the action that turns one into dated sessions."""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList

from ..models import Schedule
from ..presentation import EMPTY, format_short_day, format_time_of_day, format_weekday_names
from ..services.permissions import can_generate_sessions
from .base import PassesButtonHelper, PassesModelAdmin
from .display import column
from .forms import ClassChoiceAdminForm
from .views import GenerateSessionsView, ProtectedDeleteView


class ScheduleButtonHelper(PassesButtonHelper):
    """Adds a "Generate sessions" button for users who may change the schedule."""

    def generate_button(self, pk, classnames_add=None, classnames_exclude=None):
        classnames = ["button-secondary", *(classnames_add or [])]
        return {
            "url": self.url_helper.get_action_url("generate", quote(pk)),
            "label": _("Generate sessions"),
            "classname": self.finalise_classname(classnames, classnames_exclude or []),
            "title": _("Create this schedule's sessions up to the scheduling horizon"),
        }

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if "generate" not in (exclude or []) and can_generate_sessions(self.request.user):
            pk = getattr(obj, self.opts.pk.attname)
            buttons.append(self.generate_button(pk, classnames_add, classnames_exclude))
        return buttons


class ScheduleAdmin(PassesModelAdmin):
    model = Schedule
    menu_label = _("Schedules")
    menu_icon = "date"
    delete_view_class = ProtectedDeleteView
    button_helper_class = ScheduleButtonHelper
    list_display = (
        "programme_class",
        "days",
        "at",
        "duration_minutes",
        "first_day",
        "last_day",
    )
    list_filter = ("programme_class__programme",)
    list_select_related = ("programme_class__programme",)
    search_fields = ("programme_class__name", "programme_class__programme__name")

    edit_handler = ObjectList(
        [
            FieldPanel("programme_class"),
            FieldPanel("weekdays"),
            FieldPanel("start_time"),
            FieldPanel("duration_minutes"),
            FieldPanel("starts_on"),
            FieldPanel("ends_on"),
            FieldPanel("capacity"),
        ],
        base_form_class=ClassChoiceAdminForm,
    )

    @column(_("days of the week"))
    def days(self, obj):
        return format_weekday_names(obj.weekdays)

    @column(_("start time"), "start_time", nowrap=True)
    def at(self, obj):
        return format_time_of_day(obj.start_time)

    @column(_("from"), "starts_on", nowrap=True)
    def first_day(self, obj):
        return format_short_day(obj.starts_on)

    @column(_("until"), "ends_on", nowrap=True)
    def last_day(self, obj):
        return format_short_day(obj.ends_on) if obj.ends_on else EMPTY

    def generate_view(self, request, instance_pk):
        view = GenerateSessionsView.as_view(model_admin=self, instance_pk=instance_pk)
        return view(request)

    def get_admin_urls_for_registration(self):
        return super().get_admin_urls_for_registration() + (
            re_path(
                self.url_helper.get_action_url_pattern("generate"),
                self.generate_view,
                name=self.url_helper.get_action_url_name("generate"),
            ),
        )
