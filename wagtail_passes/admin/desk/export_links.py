"""Links to the exports (``admin/desk/exports.py``) from the lists and the register.

A list's links carry its current query string (filters, search, ordering), so the file
holds what the list shows; the page number is left out (an export holds every page).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

#: Query string parameters of a list that do not select rows: its page, its error flag,
#: modeladmin's own export switch, and the export's format.
NOT_FILTERS = ("p", "e", "export", "format")

FORMATS = ("csv", "xlsx")

#: kind -> (label of the CSV link, label of the XLSX link, what the file holds)
LABELS = {
    "bookings": (
        _("Export CSV"),
        _("Export XLSX"),
        _("Download the bookings this list shows, every page of it"),
    ),
    "member-passes": (
        _("Export CSV"),
        _("Export XLSX"),
        _("Download the member passes this list shows, every page of it"),
    ),
    "registrations": (
        _("Export CSV"),
        _("Export XLSX"),
        _("Download the registrations this list shows, every page of it"),
    ),
    "orders": (
        _("Export CSV"),
        _("Export XLSX"),
        _("Download the orders this list shows, every page of it"),
    ),
    "payments": (
        _("Export payments CSV"),
        _("Export payments XLSX"),
        _("Download the payments of the orders this list shows"),
    ),
}


def export_url(kind: str, fmt: str, params=None) -> str:
    """The export of ``kind`` as ``fmt`` with the list's query ``params`` (a QueryDict)."""
    pairs = []
    if params is not None:
        pairs = [
            (key, value)
            for key, values in params.lists()
            if key not in NOT_FILTERS
            for value in values
        ]
    pairs.append(("format", fmt))
    return f"{reverse('wagtail_passes_desk:export', args=[kind])}?{urlencode(pairs)}"


def export_links(request, *kinds: str) -> list[dict]:
    """The "Export CSV" / "Export XLSX" links of a list, for ``export_buttons.html``."""
    links = []
    for kind in kinds:
        csv_label, xlsx_label, title = LABELS[kind]
        for fmt, label in zip(FORMATS, (csv_label, xlsx_label), strict=True):
            links.append(
                {"url": export_url(kind, fmt, request.GET), "label": label, "title": title}
            )
    return links


def session_export_buttons(session_pk: int) -> list[dict]:
    """The register's "Export CSV" / "Export XLSX" of one session's bookings (S3)."""
    title = _("Download this session's bookings and attendance")
    return [
        {
            "action": f"export_{fmt}",
            "url": reverse("wagtail_passes_desk:export_session", args=[session_pk])
            + f"?format={fmt}",
            "label": label,
            "title": title,
        }
        for fmt, label in (("csv", _("Export CSV")), ("xlsx", _("Export XLSX")))
    ]


class ExportLinksMixin:
    """For a modeladmin ``IndexView``: ``export_links`` in the context, for the kinds named
    in ``export_kinds``."""

    export_kinds: tuple[str, ...] = ()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("export_links", export_links(self.request, *self.export_kinds))
        return super().get_context_data(**kwargs)
