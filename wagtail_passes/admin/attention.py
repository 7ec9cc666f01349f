"""Payments needing attention: money that did not simply do what it should (more than an
order needed, less, in another currency, for an order that could not take it, a refund
refused, failed, not confirmed or to be made by hand), as the services recorded it
(``PaymentIssue``, ``services.staff_alerts``).

The list shows the open ones first thing (a filter shows the resolved ones, or all, and
one kind), each with its order (linked to the order's page), the member, the problem in
words, the amount and what happened. Its row offers "Resolve" (a short note of what was
done, ``services.staff_alerts.resolve_issue``) and the order's "Refund" while the order
can be refunded. Issues are never created, edited or deleted by hand.

Permissions: the list needs ``view_order`` (or ``change_order``); "Resolve" and "Refund"
need ``change_order``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import quote, unquote
from django.shortcuts import get_object_or_404, redirect
from django.urls import re_path
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail_modeladmin.views import InstanceSpecificView, WMABaseView

from ..exceptions import CheckoutError
from ..models import Order, PaymentIssue
from ..presentation import EMPTY, format_short_moment, person
from ..services.permissions import can_manage_orders, can_view_orders
from ..services.staff_alerts import RESOLUTION_MAX_LENGTH, resolve_issue
from .base import NumericPkURLHelper, PassesButtonHelper, PassesModelAdmin
from .display import ReadOnlyPermissionHelper, column, member_cell
from .forms_passes import PassActionForm
from .order_display import may_refund
from .return_to import safe_next_url

order_urls = NumericPkURLHelper(Order)
issue_urls = NumericPkURLHelper(PaymentIssue)


class IssuePermissionHelper(ReadOnlyPermissionHelper):
    """Whoever may see orders sees the list; whoever may manage them resolves."""

    can_view = staticmethod(can_view_orders)

    def user_can_manage(self, user):
        return can_manage_orders(user)


# ---- in words --------------------------------------------------------------------------


def issue_amount_text(issue: PaymentIssue) -> str:
    money = issue.amount_money
    return str(money) if money is not None else EMPTY


def issue_state_text(issue: PaymentIssue) -> str:
    """ "Open", or when, by whom and how it was resolved."""
    if issue.is_open:
        return gettext("Open")
    words = gettext("Resolved on %(when)s") % {"when": format_short_moment(issue.resolved_at)}
    if issue.resolved_by_id:
        words += " " + gettext("by %(who)s") % {"who": person(issue.resolved_by)}
    if issue.resolution:
        words += ": " + issue.resolution
    return words


def resolve_url(issue: PaymentIssue, back: str = "") -> str:
    url = issue_urls.get_action_url("resolve", quote(issue.pk))
    return f"{url}?{urlencode({'next': back})}" if back else url


def issue_rows(issues, user, back: str = "") -> list[dict]:
    """The issues as rows for a page (an order's page), with their "Resolve" link for
    whoever may resolve them; ``back`` is where resolving returns."""
    can_resolve = can_manage_orders(user)
    return [
        {
            "noticed": format_short_moment(issue.created_at),
            "problem": issue.get_kind_display(),
            "amount": issue_amount_text(issue),
            "message": issue.message,
            "resolve_url": resolve_url(issue, back) if can_resolve and issue.is_open else "",
        }
        for issue in issues
    ]


# ---- resolving ---------------------------------------------------------------------------


class ResolveIssueForm(PassActionForm):
    error_fields = {"note_required": "note", "note_too_long": "note"}

    note = forms.CharField(
        label=_("What was done"),
        max_length=RESOLUTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what was done about it, in a few words.")},
        help_text=_(
            "For example: refunded by bank transfer on 3 May; checked in Stripe, the refund "
            "arrived. Kept with the issue and in the order's history."
        ),
    )


class ResolveIssueView(InstanceSpecificView, FormView):
    """GET shows the problem; POST closes it with the note (``resolve_issue``). Its
    refusal (resolved already, not allowed) is shown on the form and changes nothing."""

    template_name = "wagtail_passes/admin/sessions/action_form.html"
    page_title = _("Resolve")
    form_class = ResolveIssueForm
    submit_label = _("Resolve")
    intro = _(
        "Close this problem once the money is where it should be: refunded by hand, "
        "confirmed with the payment provider, or agreed with the member. Nothing else "
        "changes: refund the order from its own page if money must go back."
    )

    def __init__(self, model_admin, instance_pk):
        WMABaseView.__init__(self, model_admin)
        self.instance_pk = unquote(instance_pk)
        self.pk_quoted = quote(self.instance_pk)
        self.instance = get_object_or_404(
            PaymentIssue.objects.select_related("order__member", "resolved_by"),
            pk=self.instance_pk,
        )

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_manage(user)

    def get_meta_title(self):
        return f"{self.get_page_title()} – {self.instance.order.reference}"

    def get_page_subtitle(self):
        return f"{self.instance.order} – {person(self.instance.order.member)}"

    @property
    def can_submit(self) -> bool:
        return self.instance.is_open

    def details(self) -> list[str]:
        issue = self.instance
        lines = [
            gettext("%(problem)s, noticed on %(when)s; amount: %(amount)s.")
            % {
                "problem": issue.get_kind_display(),
                "when": format_short_moment(issue.created_at),
                "amount": issue_amount_text(issue),
            },
            issue.message,
        ]
        if not issue.is_open:
            lines.append(issue_state_text(issue))
        return lines

    @cached_property
    def return_url(self) -> str:
        return safe_next_url(self.request) or self.index_url

    def form_valid(self, form):
        try:
            issue = resolve_issue(self.instance, self.request.user, form.cleaned_data["note"])
        except CheckoutError as error:
            form.add_pass_error(error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("%(order)s: “%(problem)s” resolved.")
            % {"order": issue.order, "problem": issue.get_kind_display()},
        )
        return redirect(self.return_url)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            intro=self.intro,
            details=self.details(),
            submit_label=self.submit_label,
            cancel_url=self.return_url,
            next_url=safe_next_url(self.request),
            can_submit=self.can_submit,
            **kwargs,
        )


# ---- the list ----------------------------------------------------------------------------


class IssueButtonHelper(PassesButtonHelper):
    """Per row: "Resolve" while open, and the order's "Refund" while it can be refunded,
    for whoever may manage orders."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        if not self.permission_helper.user_can_manage(self.request.user):
            return []
        classnames = self.finalise_classname(
            ["button-secondary", *(classnames_add or [])], classnames_exclude or []
        )
        buttons = []
        if obj.is_open:
            buttons.append(
                {
                    "url": resolve_url(obj),
                    "label": _("Resolve"),
                    "classname": classnames,
                    "title": _("Close it with a note of what was done"),
                }
            )
        if may_refund(obj.order):
            buttons.append(
                {
                    "url": order_urls.get_action_url("refund", quote(obj.order_id)),
                    "label": _("Refund"),
                    "classname": classnames,
                    "title": _("Give back what the order was paid, whole or in part"),
                }
            )
        return buttons


class StateFilter(SimpleListFilter):
    """Open issues unless asked otherwise: the list is a to-do list."""

    title = _("state")
    parameter_name = "state"
    DEFAULT = "open"

    def lookups(self, request, model_admin):
        return (("open", _("Open")), ("resolved", _("Resolved")), ("all", _("All")))

    def choices(self, changelist):
        # No "All" of Django's own: no choice means open.
        chosen = self.value() or self.DEFAULT
        for value, title in self.lookup_choices:
            yield {
                "selected": chosen == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.DEFAULT
        if value == "open":
            return queryset.filter(resolved_at__isnull=True)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset if value == "all" else queryset.none()


class PaymentIssueAdmin(PassesModelAdmin):
    model = PaymentIssue
    menu_label = _("Payments needing attention")
    menu_icon = "warning"
    permission_helper_class = IssuePermissionHelper
    button_helper_class = IssueButtonHelper

    list_display = (
        "noticed",
        "order_link",
        "member_name",
        "problem",
        "amount_words",
        "message",
        "state_words",
    )
    list_filter = (StateFilter, "kind")
    list_select_related = ("order__member", "resolved_by")
    search_fields = (
        "order__reference",
        "order__member__username",
        "order__member__first_name",
        "order__member__last_name",
        "order__member__email",
    )
    ordering = ("-created_at", "-pk")

    @column(_("noticed"), "created_at", nowrap=True)
    def noticed(self, obj):
        return format_short_moment(obj.created_at)

    @column(_("order"), "order__reference")
    def order_link(self, obj):
        url = order_urls.get_action_url("inspect", quote(obj.order_id))
        return format_html('<a href="{}">{}</a>', url, obj.order.reference)

    @column(_("member"), "order__member__last_name")
    def member_name(self, obj):
        return member_cell(obj.order.member)

    @column(_("problem"), "kind")
    def problem(self, obj):
        return obj.get_kind_display()

    @column(_("amount"), "amount", nowrap=True)
    def amount_words(self, obj):
        return issue_amount_text(obj)

    @column(_("state"), "resolved_at")
    def state_words(self, obj):
        return issue_state_text(obj)

    def register_indexing(self):
        pass  # the services write issues; Wagtail's reference index need not track them

    def resolve_view(self, request, instance_pk):
        return ResolveIssueView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def get_admin_urls_for_registration(self):
        helper = self.url_helper
        return super().get_admin_urls_for_registration() + (
            re_path(
                helper.get_action_url_pattern("resolve"),
                self.resolve_view,
                name=helper.get_action_url_name("resolve"),
            ),
        )
