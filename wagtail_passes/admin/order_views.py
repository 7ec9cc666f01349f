"""Views of the "Orders" admin: the list (with CSV/XLSX export), an order's page (lines,
terms accepted, payments, refunds, the member passes it issued, the programme registration
it pays for) and the staff actions "Mark paid" (C2, C3), "Cancel order" (C5) and "Refund"
(C4).

Each action is a small form: GET shows it with what it will do, POST calls the service.
A refusal of the service comes back as a form error and changes nothing (the services
run in a transaction); success returns to the order's page with a message.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail_modeladmin.views import InspectView, InstanceSpecificView, WMABaseView

from ..exceptions import CheckoutError
from ..models import (
    MemberPass,
    Order,
    OrderState,
    PassStatus,
    PaymentIssue,
    PaymentMethod,
    PaymentProblem,
    PaymentState,
    RefundState,
)
from ..models.holds import hold_lapsed
from ..models.orders import PAID_STATES
from ..payments.refunds import stripe_payment
from ..presentation import EMPTY, format_short_moment, person, provider_text
from ..services import cancel_order, mark_paid, refund, refundable
from ..services.exports import csv_safe
from ..services.facts import status_today
from ..services.permissions import can_view_passes, can_view_registrations
from .attention import issue_rows
from .base import NumericPkURLHelper, PassesIndexView
from .desk.export_links import ExportLinksMixin
from .forms_orders import CancelOrderForm, MarkPaidForm, RefundOrderForm
from .once import OneTimeFormMixin
from .order_display import (
    may_cancel,
    may_mark_paid,
    may_refund,
    money_text,
    state_text,
)
from .registrations import registration_urls
from .return_to import safe_next_url

member_pass_urls = NumericPkURLHelper(MemberPass)

# ---- list and inspect ------------------------------------------------------------


class OrderIndexView(ExportLinksMixin, PassesIndexView):
    """The list, with "Export CSV" / "Export XLSX" of what it shows and of its orders'
    payments (``admin/desk/exports``). modeladmin's own ``?export=csv`` / ``?export=xlsx``
    still answer, with the columns of ``OrderAdmin.list_export``."""

    export_kinds = ("orders", "payments")

    custom_value_preprocess = {
        **PassesIndexView.custom_value_preprocess,
        str: {PassesIndexView.FORMAT_CSV: csv_safe},
    }

    def get_template_names(self):
        return ["wagtail_passes/admin/orders/index.html"]

    def to_row_dict(self, item):
        # modeladmin shows "-" for every falsy value; a free order's total is 0, not "-".
        row = super().to_row_dict(item)
        for field in ("total",):
            if field in row:
                row[field] = getattr(item, field)
        return row


class OrderInspectView(InspectView):
    """Everything about one order: lines, terms accepted, payments, member passes issued.
    Nothing on it can be edited; the services change an order."""

    def __init__(self, model_admin, instance_pk):
        WMABaseView.__init__(self, model_admin)
        self.instance_pk = unquote(instance_pk)
        self.pk_quoted = quote(self.instance_pk)
        self.instance = get_object_or_404(
            Order.objects.select_related(
                "member", "sold_by", "registration__programme", "discount_redemption__code"
            ),
            pk=self.instance_pk,
        )

    def get_page_title(self):
        return str(self.instance)

    def get_page_subtitle(self):
        return person(self.instance.member)

    def get_fields_dict(self):
        order = self.instance
        closed = EMPTY
        if order.closed_at:
            closed = format_short_moment(order.closed_at)
        rows = [
            (_("Reference"), order.reference),
            (_("Member"), person(order.member)),
            (_("Email"), order.member.email or EMPTY),
            (_("State"), state_text(order)),
            (_("Payment method"), provider_text(order.provider)),
            (_("Total"), money_text(order.total, order.currency)),
            (_("Placed"), format_short_moment(order.created_at)),
            (_("Held until"), self.held_until(order)),
            (_("Paid at"), format_short_moment(order.paid_at) if order.paid_at else EMPTY),
            (_("Cancelled or expired at"), closed),
        ]
        if order.sold_by_id:
            rows.insert(5, (_("Sold at the desk by"), person(order.sold_by)))
        if order.registration_id:
            rows.append((_("Registration"), self.registration_value(order.registration)))
        return [{"label": label, "value": value} for label, value in rows]

    @staticmethod
    def held_until(order) -> str:
        if order.expires_at:
            return format_short_moment(order.expires_at)
        if order.state == OrderState.PENDING:  # a desk sale owed: it never expires
            return gettext("Does not expire: the member owes it")
        return EMPTY

    def registration_value(self, registration):
        """The programme the order registers for, linked to the registration's page for
        whoever may see it."""
        if not can_view_registrations(self.request.user):
            return str(registration.programme)
        url = registration_urls.get_action_url("inspect", quote(registration.pk))
        return format_html('<a href="{}">{}</a>', url, registration.programme)

    def line_rows(self, lines):
        """Each line at its price before any discount, then the discount it got as a row of
        its own ("Discount SPRING10  − €5.00"); a desk sale's changed price says the list
        price and why."""
        order = self.instance
        rows = []
        for line in lines:
            changed = line.list_price is not None and line.list_price != line.unit_price
            rows.append(
                {
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price": money_text(line.unit_price, order.currency),
                    "total": money_text(line.total + line.discount, order.currency),
                    "booking_id": line.booking_id,
                    "refund_needed": line.refund_needed,
                    "price_change": (
                        gettext("Sold at %(price)s instead of the list price of %(list)s: %(why)s")
                        % {
                            "price": money_text(line.unit_price, order.currency),
                            "list": money_text(line.list_price, order.currency),
                            "why": line.price_reason or EMPTY,
                        }
                        if changed
                        else ""
                    ),
                }
            )
            if line.discount:
                rows.append(
                    {
                        "is_discount": True,
                        "title": self.discount_title(),
                        "total": "− " + money_text(line.discount, order.currency),
                    }
                )
        return rows

    def discount_title(self) -> str:
        try:
            code = self.instance.discount_redemption.code.code
        except ObjectDoesNotExist:
            return gettext("Discount")
        return gettext("Discount %(code)s") % {"code": code}

    def terms_rows(self, lines):
        return [
            {
                "title": line.title,
                "accepted_at": format_short_moment(acceptance.accepted_at),
                "digest": acceptance.terms_digest,
                "short_digest": acceptance.terms_digest[:12],
                "terms": acceptance.terms,
            }
            for line in lines
            for acceptance in line.terms_acceptances.all()
        ]

    def issue_rows(self):
        """The order's payments needing attention that are still open, at the top."""
        issues = (
            PaymentIssue.objects.open().filter(order=self.instance).order_by("created_at", "pk")
        )
        return issue_rows(issues, self.request.user, back=self.request.get_full_path())

    def payment_rows(self):
        return [
            {
                # How staff took it (cash, card terminal...), else the provider.
                "provider": (
                    PaymentMethod(payment.method).label
                    if payment.method
                    else provider_text(payment.provider)
                ),
                "provider_id": payment.provider_id or EMPTY,
                "amount": money_text(payment.amount, payment.currency),
                "state": PaymentState(payment.state).label,
                "problem": PaymentProblem(payment.problem).label if payment.problem else EMPTY,
                "recorded_at": format_short_moment(payment.created_at),
                "recorded_by": person(payment.recorded_by),
                "note": (payment.raw or {}).get("note") or EMPTY,
            }
            for payment in self.instance.payments.select_related("recorded_by")
        ]

    def refund_rows(self):
        return [
            {
                "line": refund.line.title if refund.line else EMPTY,
                "provider": provider_text(refund.provider),
                "provider_id": refund.provider_id or EMPTY,
                "amount": money_text(refund.amount, refund.currency),
                "state": RefundState(refund.state).label,
                "recorded_at": format_short_moment(refund.created_at),
                "recorded_by": person(refund.recorded_by),
                "reason": refund.reason or EMPTY,
            }
            for refund in self.instance.refunds.select_related("line", "recorded_by")
        ]

    def pass_rows(self):
        show_links = can_view_passes(self.request.user)
        passes = MemberPass.objects.filter(order_line__order=self.instance).order_by("pk")
        return [
            {
                "title": member_pass.title,
                "status": PassStatus(status_today(member_pass)).label,
                "url": (
                    member_pass_urls.get_action_url("inspect", quote(member_pass.pk))
                    if show_links
                    else ""
                ),
            }
            for member_pass in passes
        ]

    def get_context_data(self, **kwargs):
        lines = list(self.instance.lines.prefetch_related("terms_acceptances"))
        return super().get_context_data(
            issue_rows=self.issue_rows(),
            line_rows=self.line_rows(lines),
            order_total=money_text(self.instance.total, self.instance.currency),
            terms_rows=self.terms_rows(lines),
            payment_rows=self.payment_rows(),
            refund_rows=self.refund_rows(),
            pass_rows=self.pass_rows(),
            history_url=self.url_helper.get_action_url("history", self.pk_quoted),
            **kwargs,
        )


# ---- staff actions ---------------------------------------------------------------


class OrderActionView(OneTimeFormMixin, InstanceSpecificView, FormView):
    """GET shows the form and what it will do; a valid POST calls :meth:`perform`. A
    ``CheckoutError`` becomes a form error; success returns to the order's page. Each
    form moves money, so it carries a one-time token (``admin/once.py``): sent twice, it
    acts once."""

    template_name = "wagtail_passes/admin/sessions/action_form.html"
    intro = ""
    submit_label = _("Confirm")

    def __init__(self, model_admin, instance_pk):
        WMABaseView.__init__(self, model_admin)
        self.instance_pk = unquote(instance_pk)
        self.pk_quoted = quote(self.instance_pk)
        self.instance = get_object_or_404(
            Order.objects.select_related("member"), pk=self.instance_pk
        )

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_manage(user)

    def get_meta_title(self):
        return f"{self.get_page_title()} – {self.instance.reference}"

    def get_page_subtitle(self):
        return f"{self.instance} – {person(self.instance.member)}"

    @property
    def can_submit(self) -> bool:
        raise NotImplementedError

    def details(self) -> list[str]:
        order = self.instance
        return [
            gettext("%(state)s; total %(total)s; payment method: %(provider)s.")
            % {
                "state": state_text(order),
                "total": money_text(order.total, order.currency),
                "provider": provider_text(order.provider),
            }
        ]

    def perform(self, form):
        raise NotImplementedError

    def success_message(self, result) -> str:
        raise NotImplementedError

    @cached_property
    def return_url(self) -> str:
        if next_url := safe_next_url(self.request):  # sent here from a report (S2)
            return next_url
        helper, user = self.permission_helper, self.request.user
        if helper.user_can_inspect_obj(user, self.instance):
            return self.url_helper.get_action_url("inspect", self.pk_quoted)
        if helper.user_can_list(user):
            return self.index_url
        return reverse("wagtailadmin_home")

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except CheckoutError as error:
            form.add_pass_error(error)
            return self.form_invalid(form)
        if result is not None:
            messages.success(self.request, self.success_message(result))
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


class MarkPaidView(OrderActionView):
    """C2/C3/C6: the member paid (cash, card terminal, bank transfer...); the order is paid
    and its member passes are issued (or become paid), once. The payment records how and
    who took it. A second POST (a double click, another tab) changes nothing and says so.
    Offered to the front desk (``sell_at_desk``) as well as to order managers."""

    page_title = _("Mark paid")
    form_class = MarkPaidForm
    done_already = _("This payment was recorded already; nothing changed.")
    submit_label = _("Mark paid")
    intro = _(
        "Record that the member paid this order: how they paid, and a note such as the "
        "transfer's reference or a receipt number. You are recorded as who took the "
        "payment. The member passes are issued (or become paid) at once and the member "
        "is emailed."
    )

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_mark_paid(user)

    @property
    def can_submit(self):
        return may_mark_paid(self.instance)

    def details(self):
        order = self.instance
        lines = super().details()
        if order.state in PAID_STATES:
            lines.append(self.already_paid_text(order))
        elif order.state == OrderState.CANCELLED:
            lines.append(gettext("A cancelled order cannot be marked paid."))
        elif hold_lapsed(order, timezone.now()):
            lines.append(
                gettext(
                    "Its hold ran out: it is fulfilled if its stock and its discount code's "
                    "use can still be taken; if not, you are told and nothing changes."
                )
            )
        return lines

    @staticmethod
    def already_paid_text(order) -> str:
        return gettext("This order was already paid on %(when)s; nothing changed.") % {
            "when": format_short_moment(order.paid_at)
        }

    def perform(self, form):
        # The service decides under the order's row lock: of two clicks at once exactly one
        # marks it paid, and the other learns (``fulfilled_now``) that it already was.
        data = form.cleaned_data
        order = mark_paid(
            self.instance, self.request.user, method=data["method"], reference=data["reference"]
        )
        if not order.fulfilled_now:
            messages.warning(self.request, self.already_paid_text(order))
            return None
        return order

    def success_message(self, result):
        # "now paid", not "issued": a desk sale's or a P4 order's passes existed already.
        paid = MemberPass.objects.filter(order_line__order=result).count()
        return ngettext(
            "%(order)s marked paid; %(member)s now holds %(count)d paid member pass from it.",
            "%(order)s marked paid; %(member)s now holds %(count)d paid member passes from it.",
            paid,
        ) % {"order": result, "count": paid, "member": person(result.member)}


class CancelOrderView(OrderActionView):
    """C5: staff cancel an unpaid order; its stock is released and the member emailed."""

    page_title = _("Cancel order")
    form_class = CancelOrderForm
    done_already = _("This order was cancelled already; nothing changed.")
    submit_label = _("Cancel order")
    intro = _(
        "The order can no longer be paid, what it held of the products' stock is released "
        "and the member is emailed. Only an order awaiting payment can be cancelled."
    )

    @property
    def can_submit(self):
        return may_cancel(self.instance)

    def perform(self, form):
        return cancel_order(self.instance, self.request.user)

    def success_message(self, result):
        return gettext("%(order)s of %(member)s cancelled.") % {
            "order": result,
            "member": person(result.member),
        }


class RefundOrderView(OrderActionView):
    """C4: staff refund a paid order, whole or some of its lines; a refused amount comes
    back next to its line and nothing changes."""

    page_title = _("Refund")
    form_class = RefundOrderForm
    done_already = _("This refund was recorded already; nothing changed.")
    submit_label = _("Refund")
    intro = _(
        "Give money back to the member: a card payment through Stripe is refunded to the "
        "card; otherwise record what you gave back by bank transfer or in cash. Each "
        "line can be refunded at most what was paid for it. When a line is refunded in "
        "full, what is left on its member passes is cancelled and its stock is released; "
        "a line refunded in part keeps its passes. The member is emailed."
    )

    @property
    def can_submit(self):
        return may_refund(self.instance)

    @cached_property
    def rows(self):
        return refundable(self.instance)

    def get_form_kwargs(self):
        # An order that cannot be refunded gets no line fields: a POST reaches the service,
        # whose refusal is the form's error.
        rows = self.rows if may_refund(self.instance) else ()
        return {**super().get_form_kwargs(), "rows": rows}

    def details(self):
        order = self.instance
        lines = super().details()
        if order.state == OrderState.REFUNDED:
            lines.append(gettext("This order is refunded in full."))
        elif not may_refund(order):
            lines.append(gettext("Only a paid order can be refunded."))
        for row in self.rows if order.state in PAID_STATES else ():
            lines.append(
                gettext("%(title)s: paid %(paid)s, refunded %(refunded)s, left %(left)s.")
                % {
                    "title": row.line.title,
                    "paid": row.paid,
                    "refunded": row.refunded,
                    "left": row.left,
                }
            )
        if self.through_stripe:
            lines.append(
                gettext(
                    "This order was paid by card through Stripe: the refund is made through "
                    "Stripe, to the member's card, and then recorded here. A refund made in "
                    "Stripe's dashboard is recorded on its own when Stripe reports it."
                )
            )
        elif order.provider not in ("manual", "free"):
            lines.append(
                gettext(
                    "This records a refund you made yourself; a refund made at the payment "
                    "provider is recorded on its own when the provider reports it."
                )
            )
        return lines

    @cached_property
    def through_stripe(self) -> bool:
        return stripe_payment(self.instance) is not None

    def perform(self, form):
        chosen = form.chosen()
        result = refund(
            self.instance,
            self.request.user,
            lines=list(chosen),
            amounts=chosen,
            reason=form.cleaned_data["reason"],
            # The form's one-time token: decided again under the order's lock, so the same
            # form sent twice refunds once even where the token's claim cannot see both.
            request_key=self.sent_token,
        )
        if result.repeated:
            messages.warning(self.request, self.done_already)
            return None
        # Asked of the provider once the request committed (already, outside a request-wide
        # transaction): read what it answered.
        result = result.refreshed()
        refused = [row for row in result.refunds if row.state == RefundState.FAILED]
        if refused:
            raise CheckoutError(
                gettext("%(provider)s did not refund: %(error)s Nothing was refunded.")
                % {
                    "provider": provider_text(refused[0].provider),
                    "error": refused[0].raw.get("refused") or refused[0].raw.get("status", ""),
                },
                code="provider_error",
            )
        return result

    def success_message(self, result):
        facts = {
            "amount": result.amount,
            "order": result.order,
            "member": person(result.order.member),
        }
        states = {refund.state for refund in result.refunds}
        if RefundState.REQUESTED in states:
            message = (
                gettext(
                    "%(amount)s refund requested for %(order)s of %(member)s: the payment "
                    "provider could not be asked yet; it is asked again shortly, and the "
                    "order's page shows when it is done."
                )
                % facts
            )
        elif RefundState.PENDING in states:
            message = (
                gettext(
                    "%(amount)s refund requested for %(order)s of %(member)s: Stripe is still "
                    "processing it; the order's page shows when it succeeds or fails."
                )
                % facts
            )
        else:
            message = gettext("%(amount)s refunded for %(order)s of %(member)s.") % facts
        if result.cancelled_passes:
            message += " " + gettext("Member passes cancelled: %(passes)s.") % {
                "passes": ", ".join(
                    f"{member_pass.title} (#{member_pass.pk})"
                    for member_pass in result.cancelled_passes
                )
            }
        else:
            message += " " + gettext("No member pass was cancelled.")
        return message
