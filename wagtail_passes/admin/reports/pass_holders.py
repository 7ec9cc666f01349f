"""S1 Pass holders: who holds which product, what is left, until when, whether it
renews and how far its commitment has come; filter by product, status and "expiring
soon"; search by member name or email; download as CSV or XLSX.

Needs ``view_memberpass`` (``can_view_passes``), as the member passes list does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import django_filters
from django.contrib.admin.utils import quote
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn

from ...models import MemberPass, PassStatus
from ...presentation import (
    EMPTY,
    attending,
    local_today,
    pass_balance,
    pass_valid_until,
    person,
)
from ...rules.standing import renewal
from ...services.facts import status_today
from ...services.pass_holders import pass_holders, products_held
from ...services.permissions import can_view_passes, can_view_reports
from ...services.renewals import commitment_progress_for
from ..base import NumericPkURLHelper
from ..display import CELL, NOWRAP_CELL, attendee_cell
from .base import PassesReportView
from .commitment import commitment_text

member_pass_urls = NumericPkURLHelper(MemberPass)

#: "expiring" filter value -> days from today (today included)
EXPIRING_WITHIN = {"7": 7, "30": 30}


def can_view_pass_holders(user) -> bool:
    return can_view_reports(user) and can_view_passes(user)


class PassHoldersFilterSet(WagtailFilterSet):
    product = django_filters.ChoiceFilter(
        label=_("Product"),
        empty_label=_("All products"),
        choices=lambda: [(str(pk), title) for pk, title in products_held()],
        method="ignore",
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        empty_label=_("Any status"),
        choices=PassStatus.choices,
        method="ignore",
    )
    expiring = django_filters.ChoiceFilter(
        label=_("Expiring"),
        empty_label=_("Any time"),
        choices=[("7", _("In the next 7 days")), ("30", _("In the next 30 days"))],
        method="ignore",
    )

    class Meta:
        model = MemberPass
        fields = []

    def ignore(self, queryset, name, value):
        # The view builds the query from the cleaned values (services.pass_holders).
        return queryset


@dataclass
class PassHolderRow:
    pk: int
    holder: str  # F2: who holds it (a dependant's name, or the member)
    member: str
    email: str
    product: str
    left: str
    valid_until: date | None
    expiry: str
    status: str
    renewing: str
    commitment: str
    url: str
    member_link: str = ""  # the table's: the member's name, linked to their profile


def renewing_text(member_pass) -> str:
    return renewal(member_pass.auto_renew, member_pass.renew_when)


class PassHoldersReportView(PassesReportView):
    page_title = _("Pass holders")
    header_icon = "tag"
    index_url_name = "wagtail_passes_reports:pass_holders"
    index_results_url_name = "wagtail_passes_reports:pass_holders_results"
    filterset_class = PassHoldersFilterSet
    is_searchable = True
    verbose_name_plural = _("member passes")
    export_filename = "pass-holders"
    # The email is in the export and on the member's profile.
    columns = [
        TitleColumn("product", label=_("Product"), get_url=lambda row: row.url, classname=CELL),
        Column("member_link", label=_("Holder"), classname=CELL),
        Column("left", label=_("Left"), classname=NOWRAP_CELL),
        Column("expiry", label=_("Valid until"), classname=NOWRAP_CELL),
        Column("status", label=_("Status"), classname=CELL),
        Column("renewing", label=_("Renewal"), classname=CELL),
        Column("commitment", label=_("Commitment"), classname=CELL),
    ]
    list_export = [
        "holder",
        "member",
        "email",
        "product",
        "left",
        "valid_until",
        "expiry",
        "status",
        "renewing",
        "commitment",
    ]
    export_headings = {
        "holder": _("Holder"),
        "member": _("Member"),
        "email": _("Email"),
        "product": _("Product"),
        "left": _("Left"),
        "valid_until": _("Last valid day"),
        "expiry": _("Valid until"),
        "status": _("Status"),
        "renewing": _("Renewal"),
        "commitment": _("Commitment"),
    }

    can_view = staticmethod(can_view_pass_holders)

    def get_filtered_queryset(self):
        data = {}
        if self.filters is not None:
            self.filters.is_valid()  # invalid values are left out of cleaned_data
            data = getattr(self.filters.form, "cleaned_data", {})
        product = data.get("product")
        return pass_holders(
            product_id=int(product) if product else None,
            status=data.get("status") or None,
            expiring_within_days=EXPIRING_WITHIN.get(data.get("expiring") or ""),
            search=self.search_query,
            today=self.today,
        )

    @cached_property
    def today(self) -> date:
        return local_today()

    def rows(self, passes) -> list[PassHolderRow]:
        progress = commitment_progress_for(passes)
        return [
            PassHolderRow(
                pk=member_pass.pk,
                holder=attending(member_pass),
                member=person(member_pass.member),
                email=member_pass.member.email or EMPTY,
                product=member_pass.title,
                left=pass_balance(member_pass),
                valid_until=member_pass.valid_until,
                expiry=pass_valid_until(member_pass, short=True),
                status=str(PassStatus(status_today(member_pass, self.today)).label),
                renewing=renewing_text(member_pass),
                commitment=commitment_text(progress.get(member_pass.pk)),
                url=member_pass_urls.get_action_url("inspect", quote(member_pass.pk)),
                member_link=attendee_cell(member_pass),
            )
            for member_pass in passes
        ]
