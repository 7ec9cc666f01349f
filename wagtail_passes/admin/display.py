"""Small helpers for list columns (dates and passes in words live in ``presentation``)."""

from __future__ import annotations

from django.contrib.admin import SimpleListFilter
from django.template.defaultfilters import yesno
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import PermissionHelper

from ..presentation import is_dependant, person, short_person
from .base import CELL_CLASS
from .desk.links import member_link

#: The class of a cell whose words stay on one line: dates, times, amounts, balances.
NOWRAP = "passes-admin-nowrap"
#: A report's cells (``wagtail.admin.ui.tables.Column(classname=...)``): text, and text
#: that stays on one line.
CELL = CELL_CLASS
NOWRAP_CELL = f"{CELL_CLASS} {NOWRAP}"


def column(description, order_field=None, nowrap=False):
    """Label a ModelAdmin method as a list column (and make it sortable if it maps to a
    field). ``nowrap``: a date, time or amount, kept on one line."""

    def decorate(method):
        method.short_description = description
        if order_field:
            method.admin_order_field = order_field
        method.cell_classes = (NOWRAP,) if nowrap else ()
        return method

    return decorate


def member_cell(member) -> str:
    """The member's name as a link to their profile at the front desk."""
    if member is None:
        return ""
    return member_link(member, person(member))


def attendee_cell(obj) -> str:
    """F2: who attends a booking, holds a pass or is registered (``obj.person``, loaded
    with the row) and, for a dependant, the account holder who pays, linked to their
    profile."""
    someone = obj.person if obj.person_id else None
    if not is_dependant(someone):
        return member_cell(obj.member)
    return with_payer(someone.name, obj.member)


def with_payer(who: str, member) -> str:
    """ "Leo", and below it "paid by Maya Lind", the payer linked to their profile."""
    payer = member_link(member, short_person(member))
    return format_html(
        '{}<br><span class="w-help-text">{}</span>', who, format_html(gettext("paid by {}"), payer)
    )


#: The ``search_fields`` that find a row by its account holder or by who attends (F2).
ATTENDEE_SEARCH_FIELDS = (
    "member__username",
    "member__first_name",
    "member__last_name",
    "member__email",
    "person__name",
)


class AttendingFilter(SimpleListFilter):
    """F2: rows of account holders themselves, or of their dependants."""

    title = _("attending")
    parameter_name = "attending"

    def lookups(self, request, model_admin):
        return (("holder", _("Account holders")), ("dependant", _("Dependants")))

    def queryset(self, request, queryset):
        if self.value() == "holder":
            return queryset.filter(person__is_holder=True)
        if self.value() == "dependant":
            return queryset.filter(person__is_holder=False)
        return queryset


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
