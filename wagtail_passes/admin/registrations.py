"""Registrations: who registered for which programme, what they still owe, and the staff's
"Withdraw" (P9, P10).

Registrations are never created or edited by hand: members register through checkout
(``services.registrations.register``). The list and a registration's page show them, with
their status counted afresh (``services.registrations.registration_status``: complete,
awaiting payment, or the mandatory products still due); "Withdraw" calls
``services.registrations.withdraw_registration``.

Permissions: the list, a registration's page and its history need ``view_registration`` (or
``change_registration``); "Withdraw" needs ``change_registration``.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import quote, unquote
from django.shortcuts import get_object_or_404, redirect
from django.urls import re_path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail_modeladmin.views import InspectView, InstanceSpecificView, WMABaseView

from ..exceptions import CheckoutError
from ..models import (
    Order,
    Programme,
    Registration,
)
from ..presentation import EMPTY, attending, format_short_moment, person
from ..services.permissions import (
    can_manage_registrations,
    can_view_orders,
    can_view_registrations,
)
from ..services.registrations import (
    RegistrationStatus,
    registration_status,
    registration_statuses,
    withdraw_registration,
)
from .base import (
    NumericPkURLHelper,
    PassesButtonHelper,
    PassesIndexView,
    PassesModelAdmin,
    history_button,
)
from .desk.export_links import ExportLinksMixin
from .display import (
    ATTENDEE_SEARCH_FIELDS,
    AttendingFilter,
    ReadOnlyPermissionHelper,
    attendee_cell,
    column,
)
from .forms_passes import PassActionForm
from .order_display import money_text, state_text

# ---- who may do what ----------------------------------------------------------------


class RegistrationPermissionHelper(ReadOnlyPermissionHelper):
    """View (or change) to see; change to withdraw. Registrations are never created, edited
    or deleted through a generic form, superusers included."""

    can_view = staticmethod(can_view_registrations)

    def user_can_manage(self, user):
        return can_manage_registrations(user)


#: Links to a registration's page from other admin pages (an order's page).
registration_urls = NumericPkURLHelper(Registration)
order_urls = NumericPkURLHelper(Order)


# ---- a registration's status in words -------------------------------------------------


def status_text(*, withdrawn: bool, due_titles=(), awaiting: bool = False) -> str:
    """Withdrawn; the mandatory products still due; awaiting payment; or complete."""
    if withdrawn:
        return gettext("Withdrawn")
    if due_titles:
        return gettext("Due: %(products)s") % {"products": ", ".join(due_titles)}
    if awaiting:
        return gettext("Awaiting payment")
    return gettext("Complete")


def registration_status_text(
    registration: Registration, status: RegistrationStatus | None = None
) -> str:
    """``registration`` in words: "Withdrawn", or from ``status`` (``registration_status`` of
    its member and programme, counted here when not given)."""
    if registration.is_withdrawn:
        return status_text(withdrawn=True)
    if status is None:
        status = registration_status(registration.member, registration.programme)
    return status_text(
        withdrawn=False,
        due_titles=[product.title for product in status.due],
        awaiting=bool(status.awaiting_payment),
    )


def statuses_in_words(registrations) -> dict[int, str]:
    """The status of each registration of a list page in words, counted for the whole page
    at once by ``registration_statuses`` (its queries do not grow with the rows)."""
    registrations = list(registrations)
    counted = registration_statuses([r for r in registrations if not r.is_withdrawn])
    return {r.pk: registration_status_text(r, counted.get(r.pk)) for r in registrations}


# ---- list and inspect ------------------------------------------------------------------


class RegistrationIndexView(ExportLinksMixin, PassesIndexView):
    """The list; the status of the page's registrations is counted for the whole page at
    once (``statuses_in_words``), so the page's queries do not grow with its rows. "Export
    CSV" / "Export XLSX" download what it shows (``admin/desk/exports``)."""

    export_kinds = ("registrations",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = list(context["object_list"])
        words = statuses_in_words(page)
        for registration in page:
            registration.status_in_words = words[registration.pk]
        context["object_list"] = page
        return context


class RegistrationInspectView(InspectView):
    """One registration: its facts, its mandatory products (due, awaiting payment or
    held), the orders that pay for it and a link to its history. Nothing on it can be
    edited."""

    def __init__(self, model_admin, instance_pk):
        WMABaseView.__init__(self, model_admin)
        self.instance_pk = unquote(instance_pk)
        self.pk_quoted = quote(self.instance_pk)
        self.instance = get_object_or_404(
            Registration.objects.select_related("member", "programme", "withdrawn_by"),
            pk=self.instance_pk,
        )

    def get_page_title(self):
        return str(self.instance.programme)

    def get_page_subtitle(self):
        return person(self.instance.member)

    @cached_property
    def status(self) -> RegistrationStatus:
        registration = self.instance
        return registration_status(registration.member, registration.programme)

    def status_words(self) -> str:
        if self.instance.is_withdrawn:  # what the member holds no longer matters
            return registration_status_text(self.instance)
        return registration_status_text(self.instance, self.status)

    def get_fields_dict(self):
        registration = self.instance
        rows = [
            (_("For"), attending(registration)),  # F2: who; "Member" stays the payer
            (_("Member"), person(registration.member)),
            (_("Email"), registration.member.email or EMPTY),
            (_("Programme"), str(registration.programme)),
            (_("Registered at"), format_short_moment(registration.registered_at)),
            (_("Status"), self.status_words()),
        ]
        if registration.is_withdrawn:
            rows += [
                (_("Withdrawn at"), format_short_moment(registration.withdrawn_at)),
                (_("Withdrawn by"), person(registration.withdrawn_by)),
                (_("Reason for withdrawing"), registration.withdrawal_reason or EMPTY),
            ]
        return [{"label": label, "value": value} for label, value in rows]

    def product_rows(self):
        """The programme's mandatory products, and where the member stands with each."""
        if self.instance.is_withdrawn:
            return []
        show_links = can_view_orders(self.request.user)
        status = self.status
        rows = [
            {"title": product.title, "state": gettext("Due"), "order": EMPTY, "url": ""}
            for product in status.due
        ]
        for awaiting in status.awaiting_payment:
            rows.append(
                {
                    "title": awaiting.product.title,
                    "state": gettext("Awaiting payment"),
                    "order": awaiting.order.reference,
                    "url": (
                        order_urls.get_action_url("inspect", quote(awaiting.order.pk))
                        if show_links
                        else ""
                    ),
                }
            )
        rows += [
            {"title": product.title, "state": gettext("Held"), "order": EMPTY, "url": ""}
            for product in status.held
        ]
        return rows

    def order_rows(self):
        show_links = can_view_orders(self.request.user)
        return [
            {
                "reference": order.reference,
                "state": state_text(order),
                "total": money_text(order.total, order.currency),
                "placed": format_short_moment(order.created_at),
                "url": order_urls.get_action_url("inspect", quote(order.pk)) if show_links else "",
            }
            for order in self.instance.orders.order_by("-created_at", "-pk")
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            product_rows=self.product_rows(),
            order_rows=self.order_rows(),
            history_url=self.url_helper.get_action_url("history", self.pk_quoted),
            **kwargs,
        )


# ---- withdraw --------------------------------------------------------------------------

#: The longest reason kept (``withdraw_registration`` keeps 500 characters).
REASON_MAX_LENGTH = 500


class WithdrawRegistrationForm(PassActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the registration and in its history."),
    )


class WithdrawRegistrationView(InstanceSpecificView, FormView):
    """GET shows what withdrawing does; POST calls ``withdraw_registration``. Its refusal
    (already withdrawn, not allowed) is shown on the form and changes nothing; success
    returns to the registration's page with a message."""

    template_name = "wagtail_passes/admin/sessions/action_form.html"
    page_title = _("Withdraw registration")
    form_class = WithdrawRegistrationForm
    submit_label = _("Withdraw")
    intro = _(
        "The member is no longer registered for this programme: its mandatory products are "
        "no longer due, and the member may register again later. Their orders and member "
        "passes stay as they are: cancel or refund those on their own pages."
    )

    def __init__(self, model_admin, instance_pk):
        WMABaseView.__init__(self, model_admin)
        self.instance_pk = unquote(instance_pk)
        self.pk_quoted = quote(self.instance_pk)
        self.instance = get_object_or_404(
            Registration.objects.select_related("member", "programme"), pk=self.instance_pk
        )

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_manage(user)

    def get_meta_title(self):
        return f"{self.get_page_title()} – {self.instance.programme}"

    def get_page_subtitle(self):
        return f"{self.instance.programme} – {person(self.instance.member)}"

    @property
    def can_submit(self) -> bool:
        return not self.instance.is_withdrawn

    def details(self) -> list[str]:
        registration = self.instance
        lines = [
            gettext("Registered on %(when)s.")
            % {"when": format_short_moment(registration.registered_at)}
        ]
        if registration.is_withdrawn:
            lines.append(
                gettext("This registration was withdrawn on %(when)s.")
                % {"when": format_short_moment(registration.withdrawn_at)}
            )
        return lines

    @cached_property
    def return_url(self) -> str:
        helper, user = self.permission_helper, self.request.user
        if helper.user_can_inspect_obj(user, self.instance):
            return self.url_helper.get_action_url("inspect", self.pk_quoted)
        if helper.user_can_list(user):
            return self.index_url
        return reverse("wagtailadmin_home")

    def form_valid(self, form):
        try:
            registration = withdraw_registration(
                self.instance, self.request.user, reason=form.cleaned_data["reason"]
            )
        except CheckoutError as error:
            form.add_pass_error(error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("Registration of %(member)s for %(programme)s withdrawn.")
            % {"member": person(registration.member), "programme": registration.programme},
        )
        return redirect(self.return_url)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            intro=self.intro,
            details=self.details(),
            submit_label=self.submit_label,
            cancel_url=self.return_url,
            can_submit=self.can_submit,
            **kwargs,
        )


# ---- the panel --------------------------------------------------------------------------


class RegistrationButtonHelper(PassesButtonHelper):
    """Inspect per registration; on its page also "Withdraw" (while it is current, for
    whoever may withdraw) and "History"."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        exclude = exclude or []
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if "inspect" not in exclude:  # the list: inspect only
            return buttons
        if (
            "withdraw" not in exclude
            and not obj.is_withdrawn
            and self.permission_helper.user_can_manage(self.request.user)
        ):
            classnames = ["button-secondary", *(classnames_add or [])]
            buttons.append(
                {
                    "url": self.url_helper.get_action_url("withdraw", quote(obj.pk)),
                    "label": _("Withdraw"),
                    "classname": self.finalise_classname(classnames, classnames_exclude or []),
                    "title": _("End this registration: its mandatory products are no longer due"),
                }
            )
        buttons.append(history_button(self, obj, classnames_add, classnames_exclude))
        return buttons


class ProgrammeFilter(SimpleListFilter):
    """The programmes members registered for, by name."""

    title = _("programme")
    parameter_name = "programme"

    def lookups(self, request, model_admin):
        return (
            Programme.objects.filter(registrations__isnull=False)
            .distinct()
            .order_by("name", "pk")
            .values_list("pk", "name")
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not str(value).isdigit() or len(str(value)) > 18:
            return queryset.none()
        return queryset.filter(programme_id=int(value))


class CurrentFilter(SimpleListFilter):
    """Current (not withdrawn) or withdrawn registrations."""

    title = _("current or withdrawn")
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return (("no", _("Current")), ("yes", _("Withdrawn")))

    def queryset(self, request, queryset):
        value = self.value()
        if value == "no":
            return queryset.filter(withdrawn_at__isnull=True)
        if value == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset if value is None else queryset.none()


class RegistrationAdmin(PassesModelAdmin):
    model = Registration
    menu_label = _("Registrations")
    menu_icon = "form"
    permission_helper_class = RegistrationPermissionHelper
    button_helper_class = RegistrationButtonHelper
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationInspectView
    inspect_view_enabled = True
    inspect_template_name = "wagtail_passes/admin/registrations/inspect.html"
    index_template_name = "wagtail_passes/admin/registrations/index.html"

    # The member's email is on the registration's page.
    list_display = ("programme", "member_name", "registered", "status_words")
    list_filter = (ProgrammeFilter, CurrentFilter, AttendingFilter)
    list_select_related = ("member", "person", "programme")
    search_fields = (*ATTENDEE_SEARCH_FIELDS, "programme__name")
    ordering = ("-registered_at", "-pk")

    @column(_("member"), "member__last_name")
    def member_name(self, obj):
        return attendee_cell(obj)

    @column(_("email"), "member__email")
    def member_email(self, obj):
        return obj.member.email or EMPTY

    @column(_("registered at"), "registered_at", nowrap=True)
    def registered(self, obj):
        return format_short_moment(obj.registered_at)

    @column(_("status"))
    def status_words(self, obj):
        words = getattr(obj, "status_in_words", None)
        return registration_status_text(obj) if words is None else words

    def register_indexing(self):
        # Checkout writes registrations; Wagtail's reference index need not track them.
        pass

    # ---- withdraw ------------------------------------------------------------------------

    def withdraw_view(self, request, instance_pk):
        return WithdrawRegistrationView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def get_admin_urls_for_registration(self):
        helper = self.url_helper
        return super().get_admin_urls_for_registration() + (
            re_path(
                helper.get_action_url_pattern("withdraw"),
                self.withdraw_view,
                name=helper.get_action_url_name("withdraw"),
            ),
        )
