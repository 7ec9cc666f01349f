"""Staff reports (S1 pass holders, S2 outstanding payments) and the admin home panel.

Built on Wagtail's own report view (``wagtail.admin.views.reports.ReportView``), which
brings the listing, filters, search, pagination and CSV/XLSX export; see
docs/decisions.md. ``wagtail_hooks.py`` registers the URLs and the home panel; the
"Passes" menu group lists the reports.
"""

from django.utils.translation import gettext_lazy as _

from .base import ReportMenuItem
from .outstanding import can_view_outstanding
from .pass_holders import can_view_pass_holders


def report_menu_items(order: int) -> list[ReportMenuItem]:
    """The reports' items of the "Passes" menu, numbered from ``order``."""
    return [
        ReportMenuItem(
            _("Pass holders"),
            "wagtail_passes_reports:pass_holders",
            can_view_pass_holders,
            icon_name="tag",
            order=order,
        ),
        ReportMenuItem(
            _("Outstanding payments"),
            "wagtail_passes_reports:outstanding",
            can_view_outstanding,
            icon_name="warning",
            order=order + 1,
        ),
    ]
