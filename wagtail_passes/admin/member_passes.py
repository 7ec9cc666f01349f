"""Member passes: who holds what, how much is left, and the staff tools (S1, S4).

Member passes are never created or edited through a generic form: the ledger is the
only way a balance changes (R3). The list and the inspect page show them; "Assign a
pass" (K6), "Put on hold" (V7), "Adjust balance" (R3/S4), "Extend", "Cancel pass" and
"Stop renewal" (S4, N2) call the services.

Permissions: the list and inspect page need ``view_memberpass``; assigning needs
``add_memberpass``; holding, adjusting, extending, cancelling and stopping a renewal need
``change_memberpass``.
"""

from __future__ import annotations

from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import quote
from django.urls import re_path
from django.utils.translation import gettext_lazy as _

from ..models import MemberPass, PassStatus
from ..presentation import pass_balance, pass_valid_until
from ..services.facts import status_today
from ..services.passes import (
    adjust_refusal,
    cancel_pass_refusal,
    extend_refusal,
    hold_refusal,
)
from ..services.permissions import can_assign_passes, can_manage_passes, can_view_passes
from .base import PassesButtonHelper, PassesModelAdmin, history_button
from .desk.export_links import ExportLinksMixin
from .display import (
    ATTENDEE_SEARCH_FIELDS,
    AttendingFilter,
    ReadOnlyPermissionHelper,
    attendee_cell,
    column,
    yes_no,
)
from .pass_actions import (
    AdjustPassView,
    AssignPassView,
    CancelPassView,
    ExtendPassView,
    HoldPassView,
    MemberPassIndexView,
    MemberPassInspectView,
    StopRenewalView,
)


class MemberPassPermissionHelper(ReadOnlyPermissionHelper):
    """View to see; add to assign; change to hold and adjust. No generic create, edit or
    delete for anyone, superusers included."""

    can_view = staticmethod(can_view_passes)

    def user_can_assign(self, user):
        return can_assign_passes(user)

    def user_can_hold_obj(self, user, obj):
        return can_manage_passes(user)

    def user_can_adjust_obj(self, user, obj):
        return can_manage_passes(user)

    def user_can_change_obj(self, user, obj):
        """Extend and cancel."""
        return can_manage_passes(user)


class MemberPassButtonHelper(PassesButtonHelper):
    """Inspect per pass and "Assign a pass" on the list; on the pass's page also its staff
    tools, each offered only when its service would not refuse it (S4), and "History"."""

    def _button(self, url, label, title, classnames_add=None, classnames_exclude=None):
        classnames = ["button-secondary", *(classnames_add or [])]
        return {
            "url": url,
            "label": label,
            "classname": self.finalise_classname(classnames, classnames_exclude or []),
            "title": title,
        }

    def assign_button(self):
        return {
            "url": self.url_helper.get_action_url("assign"),
            "label": _("Assign a pass"),
            "icon": "plus",
            "classname": self.finalise_classname(self.add_button_classnames),
            "title": _("Give a pass or credit pack to a member by hand"),
        }

    #: The staff tools on one pass: (action, label, title, refusal), each offered while its
    #: service's refusal (``services.passes``) says None.
    TOOLS = (
        (
            "hold",
            _("Put on hold"),
            _("Stop this pass for a period and move its expiry out"),
            hold_refusal,
        ),
        (
            "adjust",
            _("Adjust balance"),
            _("Add to or take from this pass's balance, with a reason"),
            adjust_refusal,
        ),
        ("extend", _("Extend"), _("Move the last valid day out"), extend_refusal),
        (
            "cancel",
            _("Cancel pass"),
            _("Cancel it and write off what is left"),
            cancel_pass_refusal,
        ),
    )

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        exclude = exclude or []
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if "inspect" not in exclude:  # the list: inspect only; the tools are on the pass's page
            return buttons
        buttons.append(history_button(self, obj, classnames_add, classnames_exclude))
        if not self.permission_helper.user_can_change_obj(self.request.user, obj):
            return buttons
        pk = quote(getattr(obj, self.opts.pk.attname))
        for action, label, title, refusal in self.TOOLS:
            if action not in exclude and refusal(obj) is None:
                url = self.url_helper.get_action_url(action, pk)
                buttons.append(self._button(url, label, title, classnames_add, classnames_exclude))
        if obj.auto_renew and "stop_renewal" not in exclude:  # N1, N2, S4
            url = self.url_helper.get_action_url("stop_renewal", pk)
            title = _("Stop this pass renewing, whatever the member's commitment")
            buttons.append(
                self._button(url, _("Stop renewal"), title, classnames_add, classnames_exclude)
            )
        return buttons


class ProductFilter(SimpleListFilter):
    """The products that have member passes, by their page title."""

    title = _("product")
    parameter_name = "product"

    def lookups(self, request, model_admin):
        return (
            MemberPass.objects.filter(product__isnull=False)
            .order_by("product__title", "product_id")
            .values_list("product_id", "product__title")
            .distinct()
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not str(value).isdigit():
            return queryset.none()
        return queryset.filter(product_id=int(value))


class MemberPassListView(ExportLinksMixin, MemberPassIndexView):
    """The list, with "Export CSV" / "Export XLSX" of what it shows (``admin/desk/exports``)."""

    export_kinds = ("member-passes",)


class MemberPassAdmin(PassesModelAdmin):
    model = MemberPass
    menu_label = _("Member passes")
    menu_icon = "tag"
    permission_helper_class = MemberPassPermissionHelper
    button_helper_class = MemberPassButtonHelper
    index_view_class = MemberPassListView
    inspect_view_class = MemberPassInspectView
    inspect_view_enabled = True
    index_template_name = "wagtail_passes/admin/member_passes/index.html"
    inspect_template_name = "wagtail_passes/admin/member_passes/inspect.html"

    # The kind, price and rules are on the pass's page.
    list_display = ("title", "member_name", "left", "valid_until_day", "status_now", "paid")
    list_filter = (ProductFilter, "status", "is_paid", AttendingFilter)
    list_select_related = ("member", "person")
    search_fields = (*ATTENDEE_SEARCH_FIELDS, "title")
    ordering = ("-purchased_at", "-pk")

    @column(_("holder"), "member__last_name")
    def member_name(self, obj):
        return attendee_cell(obj)

    @column(_("left"), nowrap=True)
    def left(self, obj):
        return pass_balance(obj)

    @column(_("valid until"), "valid_until", nowrap=True)
    def valid_until_day(self, obj):
        return pass_valid_until(obj, short=True)

    @column(_("paid"), "is_paid")
    def paid(self, obj):
        return yes_no(obj.is_paid)

    @column(_("status"), "status")
    def status_now(self, obj):
        return PassStatus(status_today(obj)).label

    def register_indexing(self):
        # modeladmin would add member passes to Wagtail's reference index, which writes
        # index rows whenever the services issue a pass; they stay out of it.
        pass

    # ---- the staff actions --------------------------------------------------------

    def assign_view(self, request):
        return AssignPassView.as_view(model_admin=self)(request)

    def hold_view(self, request, instance_pk):
        return HoldPassView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def adjust_view(self, request, instance_pk):
        return AdjustPassView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def extend_view(self, request, instance_pk):
        return ExtendPassView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def cancel_view(self, request, instance_pk):
        return CancelPassView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def stop_renewal_view(self, request, instance_pk):
        return StopRenewalView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def get_admin_urls_for_registration(self):
        helper = self.url_helper
        views = {
            "hold": self.hold_view,
            "adjust": self.adjust_view,
            "extend": self.extend_view,
            "cancel": self.cancel_view,
            "stop_renewal": self.stop_renewal_view,
        }
        return (
            super().get_admin_urls_for_registration()
            + (
                re_path(
                    rf"^{helper.base_url_path}/assign/$",
                    self.assign_view,
                    name=helper.get_action_url_name("assign"),
                ),
            )
            + tuple(
                re_path(
                    helper.get_action_url_pattern(action),
                    view,
                    name=helper.get_action_url_name(action),
                )
                for action, view in views.items()
            )
        )
