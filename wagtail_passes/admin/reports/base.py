"""What the app's reports share: Wagtail's own report view (listing, filters, search,
pagination, CSV and XLSX export through ``list_export``), a permission check by the
decisions of ``services.permissions``, and text cells that stay text in a spreadsheet."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.reports import ReportView

from ...services.exports import csv_safe


class PassesReportView(ReportView):
    """A report of the "Passes" menu. Subclasses say who may see it (``can_view``) and
    turn each page of results into rows (``rows``): plain objects whose attributes are
    both the table's cells and the spreadsheet's columns."""

    paginate_by = 50
    header_icon = "table"
    breadcrumbs_items = ReportView.breadcrumbs_items + [{"url": "", "label": _("Passes")}]
    custom_value_preprocess = {
        **ReportView.custom_value_preprocess,
        str: {ReportView.FORMAT_CSV: csv_safe},
    }

    @staticmethod
    def can_view(user) -> bool:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not self.can_view(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def rows(self, object_list) -> list:
        raise NotImplementedError

    def paginate_queryset(self, queryset, page_size):
        # The table is built from the page's objects: make them rows first.
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = self.rows(list(object_list))
        return paginator, page, page.object_list, is_paginated

    def decorate_paginated_queryset(self, object_list):
        # An export is not paginated: everything the filters select becomes rows here.
        return self.rows(list(object_list)) if self.is_export else object_list

    def get_heading(self, queryset, field):
        return str(self.export_headings.get(field, field))


class ReportMenuItem(MenuItem):
    """A menu item shown to whoever may see the report."""

    def __init__(self, label, url_name, can_view, icon_name="table", order=1000):
        super().__init__(label, reverse_lazy(url_name), icon_name=icon_name, order=order)
        self.can_view = can_view

    def is_shown(self, request):
        return self.can_view(request.user)
