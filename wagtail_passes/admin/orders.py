"""Orders: what members bought, how they pay, and the staff's "Mark paid", "Cancel
order" and "Refund" (C2, C3, C4, C5).

Orders are never created, edited or deleted by hand: checkout places them and the
services pay, cancel and expire them. The list (with CSV/XLSX export) and an order's page
show them; the actions call ``services.mark_paid``, ``services.cancel_order`` and
``services.refund_order``.

Permissions: the list, the order's page and its history need ``view_order`` (or
``change_order``); "Mark paid" needs ``sell_at_desk`` (or ``change_order``); "Cancel
order" and "Refund" need ``change_order``.
"""

from __future__ import annotations

from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import quote
from django.urls import re_path
from django.utils.translation import gettext_lazy as _

from ..models import Order
from ..presentation import PROVIDERS, format_short_moment, person, provider_text
from ..services.permissions import can_manage_orders, can_sell_at_desk
from .base import PassesButtonHelper, PassesModelAdmin, history_button
from .display import column, member_cell
from .filters import PastDateFilter
from .order_display import (
    OrderPermissionHelper,
    cancel_offered,
    held_or_paid_text,
    may_mark_paid,
    may_refund,
    money_text,
    state_text,
)
from .order_views import (
    CancelOrderView,
    MarkPaidView,
    OrderIndexView,
    OrderInspectView,
    RefundOrderView,
)


class OrderButtonHelper(PassesButtonHelper):
    """Inspect per order; on the order's page also "Mark paid" (for the front desk too),
    "Cancel order" and "Refund" (each while its service would not refuse it) and "History"."""

    #: (action, label, title, offered(order, user)): each offered to whoever may use it, while
    #: its service would not refuse it. "Mark paid" is the front desk's too (C2).
    TOOLS = (
        (
            "mark_paid",
            _("Mark paid"),
            _("The payment arrived: issue the member passes"),
            lambda order, user: can_sell_at_desk(user) and may_mark_paid(order),
        ),
        (
            "cancel",
            _("Cancel order"),
            _("Cancel it and release the stock it holds"),
            lambda order, user: can_manage_orders(user) and cancel_offered(order, user),
        ),
        (
            "refund",
            _("Refund"),
            _("Give back what was paid, whole or in part"),
            lambda order, user: can_manage_orders(user) and may_refund(order),
        ),
    )

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        exclude = exclude or []
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if "inspect" not in exclude:  # the list: inspect only
            return buttons
        pk = quote(obj.pk)
        classnames = ["button-secondary", *(classnames_add or [])]
        for action, label, title, offered in self.TOOLS:
            if action not in exclude and offered(obj, self.request.user):
                buttons.append(
                    {
                        "url": self.url_helper.get_action_url(action, pk),
                        "label": label,
                        "classname": self.finalise_classname(classnames, classnames_exclude or []),
                        "title": title,
                    }
                )
        buttons.append(history_button(self, obj, classnames_add, classnames_exclude))
        return buttons


class ProviderFilter(SimpleListFilter):
    """The payment methods, in words (codes nobody configured are listed as they are)."""

    title = _("payment method")
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        used = Order.objects.order_by().values_list("provider", flat=True).distinct()
        codes = dict.fromkeys([*PROVIDERS, *used])
        return [(code, provider_text(code)) for code in codes if code]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(provider=value)


class PlacedFilter(PastDateFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("placed")


class OrderAdmin(PassesModelAdmin):
    model = Order
    menu_label = _("Orders")
    menu_icon = "doc-full"
    permission_helper_class = OrderPermissionHelper
    button_helper_class = OrderButtonHelper
    index_view_class = OrderIndexView
    inspect_view_class = OrderInspectView
    inspect_view_enabled = True
    inspect_template_name = "wagtail_passes/admin/orders/inspect.html"

    # The payment method and when it was paid (or until when it is held) are on the
    # order's page, and in the export.
    list_display = ("reference", "member_profile", "placed", "state_words", "total_money")
    list_filter = ("state", ProviderFilter, ("created_at", PlacedFilter))
    list_select_related = ("member",)
    search_fields = (
        "reference",
        "member__username",
        "member__first_name",
        "member__last_name",
        "member__email",
    )
    ordering = ("-created_at", "-pk")

    list_export = (
        "reference",
        "member_name",
        "member_email",
        "placed",
        "state_words",
        "provider_words",
        "total",
        "currency",
        "held_or_paid",
    )
    export_filename = "orders"

    @column(_("member"), "member__last_name")
    def member_profile(self, obj):
        return member_cell(obj.member)

    @column(_("member"), "member__last_name")
    def member_name(self, obj):  # the export's
        return person(obj.member)

    @column(_("email"), "member__email")
    def member_email(self, obj):
        return obj.member.email

    @column(_("placed"), "created_at", nowrap=True)
    def placed(self, obj):
        return format_short_moment(obj.created_at)

    @column(_("state"), "state")
    def state_words(self, obj):
        return state_text(obj)

    @column(_("payment method"), "provider")
    def provider_words(self, obj):
        return provider_text(obj.provider)

    @column(_("total"), "total", nowrap=True)
    def total_money(self, obj):
        return money_text(obj.total, obj.currency)

    @column(_("held until / paid"))
    def held_or_paid(self, obj):
        return held_or_paid_text(obj)

    def register_indexing(self):
        # The services write orders; Wagtail's reference index need not track them.
        pass

    # ---- the staff actions on one order -----------------------------------------------

    def mark_paid_view(self, request, instance_pk):
        return MarkPaidView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def cancel_view(self, request, instance_pk):
        return CancelOrderView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def refund_view(self, request, instance_pk):
        return RefundOrderView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def get_admin_urls_for_registration(self):
        helper = self.url_helper
        views = {
            "mark_paid": self.mark_paid_view,
            "cancel": self.cancel_view,
            "refund": self.refund_view,
        }
        return super().get_admin_urls_for_registration() + tuple(
            re_path(
                helper.get_action_url_pattern(action), view, name=helper.get_action_url_name(action)
            )
            for action, view in views.items()
        )
