"""What one member holds, for the front desk's member profile (``admin/desk/profile.py``):
read-only queries, each list one query whatever its length.

Every list of the profile is paged on its own (``?passes=2`` leaves the other lists where
they were). A page is one query: the rows of the page carry the total of their list,
counted by the database in the same statement (``COUNT(*) OVER ()``), so no second query
counts them. The bookings are one query for three lists (upcoming, past, and every
amount due for the "Amounts due" block): each row is numbered within its list by a window
function, and the query keeps the rows of the two pages asked for plus the amounts due.
The orders likewise bring the page asked for plus every order awaiting payment.

The number of queries therefore does not depend on what the member holds; the profile's
test pins it (issue 18).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from math import ceil

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber
from wagtail.models import ModelLogEntry

from ..models import (
    Booking,
    BookingStatus,
    MemberPass,
    Order,
    OrderLine,
    OrderState,
    Payment,
    PaymentState,
    Person,
    Registration,
    Session,
)

#: The highest page number read from a query string (more digits are page 1).
MAX_PAGE_DIGITS = 6

#: Waiting-list actions are logged on the session, with the member's id in their data.
WAITLIST_ACTIONS = ("wagtail_passes.waitlist.add", "wagtail_passes.waitlist.remove")


@dataclass
class PageOf:
    """One page of a list: its rows, and the list's length (None when the page lies past
    the end of the list, so nothing came back to count it)."""

    rows: list
    number: int
    per_page: int
    total: int | None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.total is not None and self.number * self.per_page < self.total

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int:
        return max(ceil((self.total or 0) / self.per_page), 1)

    @property
    def past_the_end(self) -> bool:
        return not self.rows and self.number > 1

    @property
    def is_paged(self) -> bool:
        """More than one page, or a page past the end: show the page links."""
        return self.has_previous or self.has_next


def page_number(value) -> int:
    """A page number from a query string: a positive whole number, else 1."""
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_PAGE_DIGITS:
        return max(int(text), 1)
    return 1


def _bounds(number: int, per_page: int) -> tuple[int, int]:
    """The first and last row numbers (from 1) of page ``number``."""
    first = (number - 1) * per_page + 1
    return first, first + per_page - 1


def _total_of(rows, attribute: str, number: int) -> int | None:
    if rows:
        return getattr(rows[0], attribute)
    return 0 if number == 1 else None


def one_page(queryset: QuerySet, number: int, per_page: int) -> PageOf:
    """Page ``number`` of ``queryset`` (ordered), with the list's total: one query."""
    start = (number - 1) * per_page
    rows = list(queryset.annotate(list_total=Window(Count("pk")))[start : start + per_page])
    return PageOf(rows, number, per_page, _total_of(rows, "list_total", number))


# ---- passes -------------------------------------------------------------------------


def member_passes(member) -> QuerySet:
    """The member's passes, newest first, with their renewal and the order that sold them
    (for "awaiting payment" and renewal words, no query per pass)."""
    return (
        MemberPass.objects.filter(member=member)
        .select_related("renewal__order", "order_line__order", "assigned_by", "person")
        .order_by("-purchased_at", "-pk")
    )


def refunded_passes(passes) -> set[int]:
    """The passes whose order was refunded in full (their order is loaded)."""
    return {
        p.pk
        for p in passes
        if p.order_line_id is not None and p.order_line.order.state == OrderState.REFUNDED
    }


# ---- bookings: upcoming, past, amounts due -------------------------------------------


@dataclass
class MemberBookings:
    upcoming: PageOf
    past: PageOf
    #: Every booking that owes an amount (no pass paid it), oldest session first; each
    #: carries ``pending_reference``, the order awaiting payment that holds it, or "".
    dues: list = field(default_factory=list)


def _is_due() -> Q:
    """Active, no pass paid, an amount owed (``services.dues.payable_dues``)."""
    return Q(amount_due__gt=0, member_pass__isnull=True) & ~Q(status=BookingStatus.CANCELLED)


def member_bookings(
    member, now: dt.datetime, *, upcoming_page: int, past_page: int, per_page: int
) -> MemberBookings:
    """The member's upcoming bookings (soonest first) and past or cancelled ones (latest
    first), one page of each, and every amount due: one query."""
    upcoming = Q(session__start__gt=now) & ~Q(status=BookingStatus.CANCELLED)
    soonest = [F("session__start").asc(), F("pk").asc()]
    latest = [F("session__start").desc(), F("pk").desc()]
    in_order = OrderLine.objects.filter(booking=OuterRef("pk"), order__state=OrderState.PENDING)
    up_first, up_last = _bounds(upcoming_page, per_page)
    past_first, past_last = _bounds(past_page, per_page)
    rows = list(
        Booking.objects.filter(member=member)
        .select_related("session__programme_class__programme", "member_pass", "person")
        .annotate(
            is_upcoming=Case(When(upcoming, then=Value(True)), default=Value(False)),
            upcoming_row=Window(RowNumber(), partition_by=[F("is_upcoming")], order_by=soonest),
            past_row=Window(RowNumber(), partition_by=[F("is_upcoming")], order_by=latest),
            list_total=Window(Count("pk"), partition_by=[F("is_upcoming")]),
            pending_reference=Subquery(in_order.values("order__reference")[:1]),
        )
        .filter(
            Q(is_upcoming=True, upcoming_row__gte=up_first, upcoming_row__lte=up_last)
            | Q(is_upcoming=False, past_row__gte=past_first, past_row__lte=past_last)
            | _is_due()
        )
        .order_by("session__start", "pk")
    )
    coming = [b for b in rows if b.is_upcoming]
    gone = [b for b in rows if not b.is_upcoming]
    upcoming_rows = [b for b in coming if up_first <= b.upcoming_row <= up_last]
    past_rows = [b for b in reversed(gone) if past_first <= b.past_row <= past_last]
    dues = [
        b
        for b in rows
        if b.amount_due > 0 and b.member_pass_id is None and b.status != BookingStatus.CANCELLED
    ]
    return MemberBookings(
        upcoming=PageOf(upcoming_rows, upcoming_page, per_page, _list_total(coming, upcoming_page)),
        past=PageOf(past_rows, past_page, per_page, _list_total(gone, past_page)),
        dues=dues,
    )


def _list_total(rows, number: int) -> int | None:
    """Any row of a list (on the page or an amount due) knows the list's total."""
    return _total_of(rows, "list_total", number)


# ---- orders ---------------------------------------------------------------------------


@dataclass
class MemberOrders:
    page: PageOf
    #: Every order of the member awaiting payment, oldest first.
    pending: list = field(default_factory=list)


def member_orders(member, *, page: int, per_page: int, pending: bool = True) -> MemberOrders:
    """The member's orders, newest first, one page, each with how its latest payment was
    made (``paid_method``, a ``PaymentMethod`` value staff recorded, else ``paid_provider``)
    and its first line's title and number of lines; plus every order awaiting payment:
    one query."""
    payments = Payment.objects.filter(order=OuterRef("pk"), state=PaymentState.SUCCEEDED).order_by(
        "-created_at", "-pk"
    )
    lines = OrderLine.objects.filter(order=OuterRef("pk"))
    line_count = lines.order_by().values("order").annotate(n=Count("pk")).values("n")
    newest = [F("created_at").desc(), F("pk").desc()]
    first, last = _bounds(page, per_page)
    keep = Q(row__gte=first, row__lte=last)
    if pending:
        keep |= Q(state=OrderState.PENDING)
    rows = list(
        Order.objects.filter(member=member)
        .annotate(
            row=Window(RowNumber(), order_by=newest),
            list_total=Window(Count("pk")),
            paid_method=Subquery(payments.values("method")[:1]),
            paid_provider=Subquery(payments.values("provider")[:1]),
            first_line=Subquery(lines.order_by("pk").values("title")[:1]),
            line_count=Subquery(line_count, output_field=IntegerField()),
        )
        .filter(keep)
        .order_by("-created_at", "-pk")
    )
    on_page = [order for order in rows if first <= order.row <= last]
    waiting = [order for order in reversed(rows) if order.state == OrderState.PENDING]
    return MemberOrders(
        page=PageOf(on_page, page, per_page, _list_total(rows, page)),
        pending=waiting if pending else [],
    )


# ---- registrations ----------------------------------------------------------------------


def member_registrations(member) -> QuerySet:
    """The member's registrations, newest first, with their programme."""
    return (
        Registration.objects.filter(member=member)
        .select_related("programme", "person")
        .order_by("-registered_at", "-pk")
    )


# ---- the audit history (S5) ---------------------------------------------------------------


def _ids_as_text(queryset) -> QuerySet:
    """The primary keys of ``queryset`` as text: how Wagtail's log stores object ids."""
    return queryset.order_by().annotate(id_text=Cast("pk", CharField())).values("id_text")


def _content_type(model):
    # As Wagtail's log records it (``ModelLogEntryManager.log_action``); cached per process.
    return ContentType.objects.get_for_model(model, for_concrete_model=False)


def member_history(
    member,
    *,
    passes: bool = True,
    bookings: bool = True,
    orders: bool = True,
    registrations: bool = True,
) -> QuerySet:
    """S5: the log entries ``audit.log_action`` wrote for the member's passes, bookings,
    orders and registrations, and the waiting-list entries staff added or removed (logged
    on the session, with the member's id), newest first: one query. Each kind only when
    asked (the viewer may see it)."""
    about = Q()
    if passes:
        mine = _ids_as_text(MemberPass.objects.filter(member=member))
        about |= Q(content_type=_content_type(MemberPass), object_id__in=mine)
    if bookings:
        mine = _ids_as_text(Booking.objects.filter(member=member))
        about |= Q(content_type=_content_type(Booking), object_id__in=mine)
        about |= Q(
            content_type=_content_type(Session),
            action__in=WAITLIST_ACTIONS,
            data__member=member.pk,
        )
        # F3: staff adding, changing and removing the household's people.
        people = _ids_as_text(Person.objects.filter(account=member))
        about |= Q(content_type=_content_type(Person), object_id__in=people)
    if orders:
        mine = _ids_as_text(Order.objects.filter(member=member))
        about |= Q(content_type=_content_type(Order), object_id__in=mine)
    if registrations:
        mine = _ids_as_text(Registration.objects.filter(member=member))
        about |= Q(content_type=_content_type(Registration), object_id__in=mine)
    if not about:
        return ModelLogEntry.objects.none()
    return ModelLogEntry.objects.filter(about).select_related("user").order_by("-timestamp", "-pk")


# ---- sessions to book them into --------------------------------------------------------------


#: "Book into a session" offers the sessions of the next this many days.
BOOKABLE_DAYS = 14
#: ... at most this many of them.
MAX_BOOKABLE = 200


def bookable_sessions(
    member, now: dt.datetime, *, days: int = BOOKABLE_DAYS, people: int = 1
) -> list[Session]:
    """The sessions of the next ``days`` days that are not cancelled and on which some of
    the member's household (``people`` of them, F3) is not booked yet, soonest first,
    each with ``taken`` (places booked) and ``household_booked`` (how many of the
    household are booked on it): one query. Whether one can really be booked is the
    booking service's decision."""
    active = ~Q(bookings__status=BookingStatus.CANCELLED)
    booked = (
        Booking.objects.active()
        .filter(session=OuterRef("pk"), member=member)
        .order_by()
        .values("session")
        .annotate(n=Count("person", distinct=True))
        .values("n")
    )
    return list(
        Session.objects.with_related()
        .filter(start__gt=now, start__lt=now + dt.timedelta(days=days), is_cancelled=False)
        .annotate(
            taken=Sum("bookings__attendees", filter=active),
            household_booked=Coalesce(Subquery(booked, output_field=IntegerField()), Value(0)),
        )
        .filter(household_booked__lt=max(people, 1))
        .order_by("start", "pk")[:MAX_BOOKABLE]
    )
