"""Small helpers for list columns (dates and passes in words live in ``presentation``)."""

from __future__ import annotations

from django.template.defaultfilters import yesno
from django.utils.text import capfirst
from wagtail_modeladmin.helpers import PermissionHelper


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


class ReadOnlyPermissionHelper(PermissionHelper):
    """For records that change only through services (member passes, bookings): view
    permission to list and inspect; no generic create, edit or delete for anyone,
    superusers included. Subclasses name the decision that lets a user see them
    (``can_view``, from ``services.permissions``) and add those of their actions."""

    @staticmethod
    def can_view(user) -> bool:
        raise NotImplementedError

    def user_can_list(self, user):
        return self.can_view(user)

    def user_can_inspect_obj(self, user, obj):
        return self.inspect_view_enabled and self.can_view(user)

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False
