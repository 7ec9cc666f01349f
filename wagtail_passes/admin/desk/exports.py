"""Exports of everything staff list, as CSV or XLSX (issue 18, item 4).

``/admin/passes-desk/export/<kind>/?format=csv|xlsx&<the list's query string>`` downloads
what a list shows, every page of it: ``bookings``, ``member-passes``, ``registrations``,
``orders``, and ``payments`` (the payments of the orders the orders list shows).
``/admin/passes-desk/export/session/<id>/?format=...`` downloads one session's bookings and
attendance, from its register (S3).

The list's rows are the list's own: its modeladmin index view parses the query string
(filters, search, ordering) exactly as it does for the page, so an export equals what the
list shows. Whoever may see the list may export it (its permission helper decides); others
are refused as the list refuses them. A filter the list cannot apply, or a format other than
``csv`` and ``xlsx``, is a 400 with a message, never a 500.

CSV is streamed (``StreamingHttpResponse``), UTF-8 with a byte order mark so spreadsheet
programs read accents right; XLSX is written by openpyxl in write-only mode to a temporary
file, then sent from it (``FileResponse``). Neither holds the rows in memory: rows are read
from the database a chunk at a time (``services.exports``).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from django import VERSION as DJANGO_VERSION
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldError, PermissionDenied, ValidationError
from django.db import DataError
from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import re_path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.http import require_safe
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ...conf import passes_settings
from ...models import Booking, Session
from ...presentation import local, local_today
from ...services import exports
from ...services.exports import Table, csv_safe
from ..booking_display import booking_permissions
from ..bookings import BookingAdmin
from ..member_passes import MemberPassAdmin
from ..orders import OrderAdmin
from ..registrations import RegistrationAdmin, statuses_in_words
from .export_links import FORMATS, NOT_FILTERS

# ---- the list's rows --------------------------------------------------------------------


def list_queryset(model_admin, request):
    """The rows the list of ``model_admin`` shows for ``request``'s query string, every page:
    its own index view's ``get_queryset`` (filters, search, ordering), set up as its
    ``dispatch`` sets it up. Raises ``IncorrectLookupParameters`` for filters it cannot apply."""
    view = model_admin.index_view_class(model_admin=model_admin)
    view.setup(request)
    view.list_display = model_admin.get_list_display(request)
    view.list_filter = model_admin.get_list_filter(request)
    view.search_fields = model_admin.get_search_fields(request)
    view.items_per_page = model_admin.list_per_page
    view.select_related = model_admin.list_select_related
    view.search_handler = model_admin.get_search_handler(request, view.search_fields)
    view.export = None
    params = request.GET.copy() if DJANGO_VERSION >= (5, 0) else request.GET.dict()
    for name in NOT_FILTERS:
        params.pop(name, None)
    view.params = params
    view.query = request.GET.get(view.SEARCH_VAR, "")
    return view.get_queryset(request)


@dataclass(frozen=True)
class ListExport:
    """An export of a list: its model admin (whose list permission and filters apply) and
    how its filtered queryset becomes a table."""

    model_admin: type
    table: object  # queryset -> Table

    def build(self, request) -> Table:
        return self.table(list_queryset(self.model_admin(), request))


EXPORTS = {
    "bookings": ListExport(BookingAdmin, exports.booking_table),
    "member-passes": ListExport(MemberPassAdmin, exports.member_pass_table),
    "registrations": ListExport(
        RegistrationAdmin, lambda qs: exports.registration_table(qs, statuses_in_words)
    ),
    "orders": ListExport(OrderAdmin, exports.order_table),
    "payments": ListExport(OrderAdmin, exports.payment_table),
}


# ---- writers ----------------------------------------------------------------------------


class Echo:
    """A file-like object whose ``write`` returns what it was given: ``csv.writer`` then
    hands back each formatted line instead of storing it."""

    def write(self, value):
        return value


#: Lines of CSV sent in one piece of the streamed response.
LINES_PER_PIECE = 500


def csv_formatters(tz: dt.tzinfo) -> dict:
    """Cell type -> its CSV text: dates and times in ISO 8601, on the wall clock of ``tz``
    (the site's, V5), amounts as plain decimals, text safe from formula injection."""
    return {
        type(None): lambda value: "",
        str: csv_safe,
        int: str,
        Decimal: lambda value: format(value, "f"),
        dt.datetime: lambda value: (
            value.astimezone(tz).replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")
        ),
        dt.date: dt.date.isoformat,
        dt.time: lambda value: value.isoformat(timespec="minutes"),
    }


def csv_text(value, formatters: dict) -> str:
    """One cell as CSV text (``csv_formatters``); other types as ``str`` gives them."""
    formatter = formatters.get(type(value))
    return formatter(value) if formatter else csv_safe(str(value))


def csv_lines(table: Table):
    """The file, a few hundred lines at a time: a byte order mark, the header, the rows."""
    writer = csv.writer(Echo())
    formatters = csv_formatters(passes_settings.tzinfo)
    yield "\ufeff" + writer.writerow(table.header)
    piece = []
    for row in table.rows:
        piece.append(writer.writerow([csv_text(value, formatters) for value in row]))
        if len(piece) >= LINES_PER_PIECE:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)


def csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv")
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Characters a sheet's name may not hold.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class SheetRows:
    """Rows of cells for a write-only sheet: amounts and counts as numbers, dates and times as
    such (times on the site's wall clock, V5), text always as text — never a formula — and
    without the control characters the format forbids.

    A cell that needs a number format or a forced type is one ``WriteOnlyCell`` per column
    and kind, given a new value each row: the sheet writes a row as soon as it is appended,
    so a cell object can serve every row (making and styling one per cell would cost ten
    times the rest)."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.cells = {}
        self.tz = passes_settings.tzinfo

    def cell(self, column: int, number_format: str | None):
        key = (column, number_format)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = WriteOnlyCell(self.sheet)
            if number_format:
                cell.number_format = number_format
        return cell

    def row(self, values) -> list:
        return [self.value(column, value) for column, value in enumerate(values)]

    def value(self, column: int, value):
        if value is None or isinstance(value, int | float):
            return value
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if not value.startswith("="):
                return value
            cell = self.cell(column, None)
            cell.value = value
            cell.data_type = "s"  # "=1+2" stays text
            return cell
        if isinstance(value, Decimal):
            places = max(0, -value.as_tuple().exponent)
            cell = self.cell(column, "0." + "0" * places if places else "0")
        elif isinstance(value, dt.datetime):
            cell = self.cell(column, "yyyy-mm-dd hh:mm")
            value = value.astimezone(self.tz).replace(tzinfo=None, second=0, microsecond=0)
        elif isinstance(value, dt.date):
            cell = self.cell(column, "yyyy-mm-dd")
        elif isinstance(value, dt.time):
            cell = self.cell(column, "hh:mm")
        else:
            return self.value(column, str(value))
        cell.value = value
        return cell


def write_xlsx(table: Table, file) -> None:
    """Write ``table`` as a workbook into ``file``. Memory stays bounded whatever the number
    of rows: a write-only workbook writes each appended row to its own temporary file at once
    (strings inline, no shared-string table), and ``save`` zips that file into ``file``."""
    workbook = Workbook(write_only=True)
    title = SHEET_NAME_FORBIDDEN.sub(" ", table.title)[:31] or "Sheet"
    sheet = workbook.create_sheet(title=title)
    rows = SheetRows(sheet)
    sheet.append(rows.row(table.header))
    for row in table.rows:
        sheet.append(rows.row(row))
    workbook.save(file)


def xlsx_response(table: Table, filename: str) -> FileResponse:
    # The workbook goes to a temporary file on disk, not to memory; FileResponse sends it
    # in blocks and closes (so deletes) it when the response is closed.
    file = tempfile.TemporaryFile()
    write_xlsx(table, file)
    file.seek(0)
    return FileResponse(
        file, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )


WRITERS = {"csv": csv_response, "xlsx": xlsx_response}


# ---- the views --------------------------------------------------------------------------


def bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


#: What a query string can make a filter raise before or at its first row.
FILTER_ERRORS = (
    IncorrectLookupParameters,
    FieldError,
    ValidationError,
    ValueError,
    TypeError,
    OverflowError,
    DataError,
)


def respond(request, build, filename: str):
    """Check the format, build the table (``build()`` may refuse), read its first row so
    that a filter the database refuses is a 400 before anything is sent, then write."""
    fmt = request.GET.get("format", "")
    if fmt not in FORMATS:
        return bad_request(
            gettext("Choose the file format: format=csv or format=xlsx (not “%(format)s”).")
            % {"format": fmt[:20]}
        )
    try:
        table = build()
        rows = iter(table.rows)
        first = next(rows, None)
    except FILTER_ERRORS:
        return bad_request(
            gettext(
                "This link's filters cannot be applied; go back to the list, choose the "
                "filters again and export from there."
            )
        )
    table.rows = rows if first is None else chain([first], rows)
    return WRITERS[fmt](table, filename)


@require_safe
def export_list(request, kind: str):
    """A list's rows, with its filters and search, as CSV or XLSX."""
    export = EXPORTS.get(kind)
    if export is None:
        raise Http404
    # Refused before anything else, as the list refuses.
    if not export.model_admin().permission_helper.user_can_list(request.user):
        raise PermissionDenied
    filename = f"{kind}-{local_today().isoformat()}"
    return respond(request, lambda: export.build(request), filename)


@require_safe
def export_session(request, session_pk: str):
    """One session's bookings and attendance (S3), in the register's order, cancelled
    bookings included (their status says so)."""
    if not booking_permissions.user_can_list(request.user):
        raise PermissionDenied
    session = get_object_or_404(Session, pk=int(session_pk))
    start = local(session.start)
    filename = f"attendance-{start:%Y-%m-%d-%H%M}-session-{session.pk}"

    def build():
        bookings = Booking.objects.filter(session=session).order_by("created_at", "pk")
        return exports.booking_table(bookings, name="attendance")

    return respond(request, build, filename)


urlpatterns = [
    re_path(
        r"^export/session/(?P<session_pk>[0-9]{1,18})/$",
        export_session,
        name="export_session",
    ),
    re_path(r"^export/(?P<kind>[a-z-]{1,30})/$", export_list, name="export"),
]
