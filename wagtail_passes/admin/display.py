"""Small helpers that turn values into list-column text."""

from __future__ import annotations

from django.template.defaultfilters import yesno
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from wagtail_modeladmin.helpers import PermissionHelper

from ..conf import passes_settings


def column(description, order_field=None):
    """Label a ModelAdmin method as a list column (and make it sortable if it maps to a field)."""

    def decorate(method):
        method.short_description = description
        if order_field:
            method.admin_order_field = order_field
        return method

    return decorate


def yes_no(value: bool) -> str:
    return capfirst(yesno(value))


def site_datetime(value) -> str:
    """A datetime in the site's time zone (SPEC V5), whatever the editor's own zone is."""
    return date_format(localtime(value, passes_settings.tzinfo), "D j M Y, H:i")


def weekday_names(weekdays) -> str:
    return ", ".join(str(WEEKDAYS_ABBR[day]) for day in weekdays)


class ReadOnlyPermissionHelper(PermissionHelper):
    """For records that change only through services (member passes, bookings): view
    permission to list and inspect; no generic create, edit or delete for anyone,
    superusers included. Subclasses add the permissions of their actions."""

    def _has(self, user, action) -> bool:
        return self.user_has_specific_permission(user, self.get_perm_codename(action))

    def user_can_list(self, user):
        return self._has(user, "view")

    def user_can_inspect_obj(self, user, obj):
        return self.inspect_view_enabled and self._has(user, "view")

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False
