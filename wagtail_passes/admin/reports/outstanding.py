"""S2 Outstanding payments: amounts due for sessions that have started, fees due (L1-L3:
late cancellation and no-show charges, with their reason, "Paid at the desk" and "Waive"),
and orders awaiting payment (overdue ones marked), with the member, what it is for, the amount
and its age; totals per currency at the top; filter by programme, kind and age;
download as CSV or XLSX. "Paid at the desk" (an amount due) and "Mark paid" (an order)
lead to the existing staff actions, which come back here.

Who sees what: amounts due need ``view_booking`` (``can_view_bookings``), orders
``view_order`` (``can_view_orders``); the report is open to anyone with either and lists
only what they may see. "Paid at the desk" follows ``change_booking``; "Mark paid" is
offered to whoever may take a payment at the desk (``sell_at_desk``, or ``change_order``).
An unpaid desk sale is an order awaiting payment that never expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import django_filters
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column

from ...models import Booking, Programme, Renewal
from ...presentation import (
    EMPTY,
    attending,
    format_session_time,
    is_dependant,
    person,
)
from ...services.outstanding import CHARGE, DUE, outstanding, totals_by_currency
from ...services.permissions import (
    can_manage_bookings,
    can_sell_at_desk,
    can_view_bookings,
    can_view_orders,
    can_view_reports,
)
from ...services.renewals import commitment_progress_for
from ..base import BUTTON_CLASS
from ..display import CELL, NOWRAP_CELL, attendee_cell, member_cell, with_payer
from ..order_display import may_mark_paid
from ..return_to import NEXT
from .base import PassesReportView
from .commitment import commitment_text

#: "kind" filter values
KIND_DUE, KIND_ORDER, KIND_OVERDUE = "due", "order", "overdue"
#: "age" filter value -> at least this many days old
MIN_AGE = {"7": 7, "30": 30, "90": 90}


def can_view_outstanding(user) -> bool:
    return can_view_reports(user) and (can_view_bookings(user) or can_view_orders(user))


class OutstandingFilterSet(WagtailFilterSet):
    programme = django_filters.ChoiceFilter(
        label=_("Programme"),
        empty_label=_("All programmes"),
        choices=lambda: [
            (str(pk), name)
            for pk, name in Programme.objects.order_by("name").values_list("pk", "name")
        ],
        method="ignore",
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"),
        empty_label=_("Everything owed"),
        choices=[
            (KIND_DUE, _("Amounts due")),
            (KIND_ORDER, _("Orders awaiting payment")),
            (KIND_OVERDUE, _("Overdue orders")),
        ],
        method="ignore",
    )
    age = django_filters.ChoiceFilter(
        label=_("Age"),
        empty_label=_("Any age"),
        choices=[
            ("7", _("7 days or older")),
            ("30", _("30 days or older")),
            ("90", _("90 days or older")),
        ],
        method="ignore",
    )

    class Meta:
        model = Booking
        fields = []

    def ignore(self, queryset, name, value):
        # The view reads the cleaned values (services.outstanding builds the list).
        return queryset


@dataclass
class OutstandingRow:
    attending: str  # F2: who attends (an amount due) or whom the order is for
    member: str
    email: str
    kind: str
    what: str
    programme: str
    amount: str
    amount_value: Decimal
    currency: str
    since: date
    age_days: int
    age: str
    actions: str
    commitment: str = ""  # N2, for a renewal order: "3 of 12 payments made, 9 to go"
    member_link: str = ""  # the table's: the member's name, linked to their profile


class OutstandingReportView(PassesReportView):
    page_title = _("Outstanding payments")
    header_icon = "warning"
    index_url_name = "wagtail_passes_reports:outstanding"
    index_results_url_name = "wagtail_passes_reports:outstanding_results"
    results_template_name = "wagtail_passes/admin/reports/outstanding_results.html"
    filterset_class = OutstandingFilterSet
    verbose_name_plural = _("outstanding payments")
    export_filename = "outstanding-payments"
    columns = [
        Column("member_link", label=_("Attending"), classname=CELL),
        Column("kind", label=_("Kind"), classname=CELL),
        Column("what", label=_("For"), classname=CELL),
        Column("amount", label=_("Amount"), classname=NOWRAP_CELL),
        Column("age", label=_("Age"), classname=NOWRAP_CELL),
        Column("commitment", label=_("Commitment"), classname=CELL),
        Column("actions", label=_("Actions"), classname=CELL),
    ]
    list_export = [
        "attending",
        "member",
        "email",
        "kind",
        "what",
        "programme",
        "amount_value",
        "currency",
        "since",
        "age_days",
        "commitment",
    ]
    export_headings = {
        "attending": _("Attending"),
        "member": _("Member"),
        "email": _("Email"),
        "kind": _("Kind"),
        "what": _("For"),
        "programme": _("Programme"),
        "amount_value": _("Amount"),
        "currency": _("Currency"),
        "since": _("Owed since"),
        "age_days": _("Age (days)"),
        "commitment": _("Commitment"),
    }
    custom_value_preprocess = {
        **PassesReportView.custom_value_preprocess,
        # A number in the spreadsheet, not text; "12.50" in a CSV.
        Decimal: {PassesReportView.FORMAT_XLSX: None, PassesReportView.FORMAT_CSV: str},
    }

    can_view = staticmethod(can_view_outstanding)

    @cached_property
    def filter_values(self) -> dict:
        if self.filters is None:
            return {}
        self.filters.is_valid()  # invalid values are left out of cleaned_data
        return getattr(self.filters.form, "cleaned_data", {})

    def get_filtered_queryset(self):
        user, data = self.request.user, self.filter_values
        kind = data.get("kind") or ""
        programme = data.get("programme")
        return outstanding(
            dues=can_view_bookings(user) and kind in ("", KIND_DUE),
            orders=can_view_orders(user) and kind in ("", KIND_ORDER, KIND_OVERDUE),
            overdue_only=kind == KIND_OVERDUE,
            programme_id=int(programme) if programme else None,
            min_age_days=MIN_AGE.get(data.get("age") or ""),
        )

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["totals"] = [str(total) for total in totals_by_currency(self.object_list)]
        return context

    @cached_property
    def return_query(self) -> str:
        """``next=<this report, as filtered>`` for the action links."""
        params = self.request.GET.copy()
        for key in ("export", "_w_filter_fragment"):
            params.pop(key, None)
        here = reverse(self.index_url_name)
        if params:
            here = f"{here}?{params.urlencode()}"
        return urlencode({NEXT: here})

    def actions(self, item) -> str:
        user = self.request.user
        links = []
        if item.kind == CHARGE and can_manage_bookings(user):
            pk = quote(item.booking.pk)
            query = f"charge={item.charge.pk}&{self.return_query}"
            for action, label in (
                ("charge_payment", gettext("Paid at the desk")),
                ("waive_charge", gettext("Waive")),
            ):
                url = reverse(f"wagtail_passes_booking_modeladmin_{action}", args=[pk])
                links.append((f"{url}?{query}", label))
        if item.kind == DUE and can_manage_bookings(user):
            url = reverse(
                "wagtail_passes_booking_modeladmin_desk_payment", args=[quote(item.booking.pk)]
            )
            links.append((f"{url}?{self.return_query}", gettext("Paid at the desk")))
        if item.order is not None and can_sell_at_desk(user) and may_mark_paid(item.order):
            url = reverse("wagtail_passes_order_modeladmin_mark_paid", args=[quote(item.order.pk)])
            links.append((f"{url}?{self.return_query}", gettext("Mark paid")))
        return format_html_join(
            " ",
            '<a class="button button-small button-secondary {}" href="{}">{}</a>',
            [(BUTTON_CLASS, url, label) for url, label in links],
        )

    def what(self, item) -> tuple[str, str]:
        """What the amount is for, and the programme (as far as it is known)."""
        if item.kind == DUE:
            session = item.booking.session
            return format_session_time(session), str(session.programme_class.programme)
        if item.kind == CHARGE:  # L1-L3: the fee's reason, and its session
            session = item.booking.session
            text = f"{item.charge.reason}: {format_session_time(session)}"
            return text, str(session.programme_class.programme)
        titles = ", ".join(line.title for line in item.order.lines.all())
        if item.order.sold_by_id:
            text = gettext("Order %(reference)s, sold at the desk") % {
                "reference": item.order.reference
            }
        else:
            text = gettext("Order %(reference)s") % {"reference": item.order.reference}
        return (f"{text}: {titles}" if titles else text), ""

    @staticmethod
    def people_of(item) -> list[str]:
        """F2: the dependants an order's lines are for (their persons read with the lines);
        none when every line is for the account holder."""
        names = [line.person.name for line in item.order.lines.all() if is_dependant(line.person)]
        return list(dict.fromkeys(names))

    def attending_of(self, item) -> tuple[str, str]:
        """Who, in words for the export and as the table's cell (the payer linked)."""
        if item.kind in (DUE, CHARGE):  # an amount or a fee owed for a booking
            return attending(item.booking), attendee_cell(item.booking)
        names = self.people_of(item)
        if not names:
            return person(item.member), member_cell(item.member)
        return ", ".join(names), with_payer(", ".join(names), item.member)

    def kind_text(self, item) -> str:
        if item.kind == DUE:
            return gettext("Amount due")
        if item.kind == CHARGE:
            return gettext("Fee due")
        if item.overdue:
            return gettext("Order, overdue")
        return gettext("Order awaiting payment")

    @staticmethod
    def renewed_pass(item):
        """The pass a renewal order renews (its ``Renewal`` is loaded with the order)."""
        if item.order is None:
            return None
        try:
            return item.order.renewal.member_pass
        except Renewal.DoesNotExist:
            return None

    def rows(self, items) -> list[OutstandingRow]:
        renewed = [self.renewed_pass(item) for item in items]
        # N2: the commitments of the renewal orders' passes, two queries for the whole page.
        progress = commitment_progress_for([p for p in renewed if p is not None])
        rows = []
        for item, renewed_pass in zip(items, renewed, strict=True):
            what, programme = self.what(item)
            commitment = commitment_text(progress.get(renewed_pass.pk)) if renewed_pass else EMPTY
            who, who_cell = self.attending_of(item)
            rows.append(
                OutstandingRow(
                    attending=who,
                    member=person(item.member),
                    email=item.member.email or EMPTY,
                    kind=self.kind_text(item),
                    what=what,
                    programme=programme or EMPTY,
                    amount=str(item.amount),
                    amount_value=item.amount.amount,
                    currency=item.amount.currency,
                    since=item.since,
                    age_days=item.age_days,
                    age=ngettext("%(n)d day", "%(n)d days", item.age_days) % {"n": item.age_days},
                    actions=self.actions(item) if not self.is_export else "",
                    commitment=commitment,
                    member_link=who_cell,
                )
            )
        return rows
