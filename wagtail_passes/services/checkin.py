"""Today's check-in at the front desk (S3): the sheet of a day and "Check in all".

The sheet is the day's sessions (the site's local day, V5; cancelled sessions left out),
earliest first, each with its active bookings: who, how many places, their attendance,
what paid, and what the member still owes in all. It is read in a fixed number of
queries whatever the number of sessions and attendees:

1. the day's sessions with their class and programme;
2. their active bookings with the member and the pass that paid;
3. what those members owe in amounts due (summed by the database, per member and
   currency);
4. what they owe in orders awaiting payment (likewise).

"Owes in all" counts each debt once, as the outstanding payments report does
(``services.outstanding``): every active booking no pass paid for that still owes an
amount (of a session that has started or one still ahead: the member is here, the desk
can take it), except one already in an order awaiting payment, which counts under that
order; plus every order awaiting payment.

When attendance can be marked is ``services.attendance.attendance_marks_open``'s rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, F, Prefetch, Sum, When
from django.utils import timezone

from .. import signals
from ..conf import passes_settings
from ..exceptions import BookingError
from ..models import Booking, BookingStatus, Order, OrderState, Session
from ..rules.money import Money
from . import lock_waits
from .attendance import (
    ATTENDED,
    attendance_marks_open,
    checkin_opens_at,
    mark_refusal,
    set_attendance,
)
from .locking import lock_session
from .outstanding import _in_pending_order as in_pending_order
from .permissions import MANAGE_BOOKINGS, require_staff


@dataclass
class CheckinRow:
    """One booking on the sheet."""

    booking: Booking
    #: the marks it can change to now (``attendance_marks_open``)
    marks: tuple[str, ...]
    #: what the member still owes in all, one amount per currency (none: nothing)
    owes: tuple[Money, ...] = ()

    @property
    def member(self):
        return self.booking.member

    @property
    def owes_anything(self) -> bool:
        return any(amount.amount > 0 for amount in self.owes)


@dataclass
class CheckinSession:
    """One session on the sheet, with its bookings in the order they were made."""

    session: Session
    rows: list[CheckinRow] = field(default_factory=list)
    #: the marks its booked bookings can take now
    marks: tuple[str, ...] = ()

    @property
    def opens_at(self) -> dt.datetime:
        return checkin_opens_at(self.session)

    @property
    def checkin_open(self) -> bool:
        return ATTENDED in self.marks

    @property
    def capacity(self) -> int:
        return self.session.effective_capacity

    @property
    def booked(self) -> int:
        """Places booked (every active booking's attendees)."""
        return sum(row.booking.attendees for row in self.rows)

    @property
    def attended(self) -> int:
        """Places checked in."""
        return sum(row.booking.attendees for row in self.rows if row.booking.status == ATTENDED)

    @property
    def waiting_to_check_in(self) -> int:
        """Bookings not marked yet: what "Check in all" would check in."""
        return sum(1 for row in self.rows if row.booking.status == BookingStatus.BOOKED)


@dataclass
class CheckinSheet:
    day: dt.date
    sessions: list[CheckinSession]


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of ``day`` and of the next, on the site's wall clock (a day is
    23 or 25 hours long across a DST change)."""
    tz = passes_settings.tzinfo
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def day_sessions(day: dt.date):
    """The sessions of the site's ``day`` that are not cancelled, earliest first."""
    start, end = day_bounds(day)
    return (
        Session.objects.with_related()
        .filter(start__gte=start, start__lt=end, is_cancelled=False)
        .order_by("start", "pk")
    )


def sheet_bookings():
    """The active bookings a sheet shows, with what the row needs, in booking order."""
    return (
        Booking.objects.active()
        .select_related("member", "member_pass", "person")
        .order_by("created_at", "pk")
    )


def member_owes(members, now=None) -> dict[int, tuple[Money, ...]]:
    """Member id → what the member owes in all, one amount per currency, by currency
    code (members owing nothing are left out). ``members`` is a queryset of member ids (a
    subquery) or a list of them. Two queries, whatever the number of members or debts."""
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    currency = Case(
        When(currency="", then=F("session__programme_class__programme__currency")),
        default=F("currency"),
    )
    dues = (
        Booking.objects.unpaid()
        .filter(member__in=members, member_pass__isnull=True)
        .exclude(in_pending_order())
        .order_by()
        .annotate(owed_currency=currency)
        .values("member_id", "owed_currency")
        .annotate(total=Sum("amount_due"))
        .values_list("member_id", "owed_currency", "total")
    )
    orders = (
        Order.objects.filter(state=OrderState.PENDING, member__in=members)
        .order_by()
        .values("member_id", "currency")
        .annotate(total=Sum("total"))
        .values_list("member_id", "currency", "total")
    )
    for rows in (dues, orders):
        for member_id, code, total in rows:
            sums[member_id][code] += total
    return {
        member_id: tuple(
            Money(amount, code) for code, amount in sorted(by_currency.items()) if amount
        )
        for member_id, by_currency in sums.items()
        if any(by_currency.values())
    }


def build_session(session: Session, bookings, owes, now) -> CheckinSession:
    """One session of the sheet from its (loaded) bookings."""
    rows = []
    for booking in bookings:
        booking.session = session  # loaded once, with its class and programme
        rows.append(
            CheckinRow(
                booking=booking,
                marks=attendance_marks_open(booking, now),
                owes=owes.get(booking.member_id, ()),
            )
        )
    return CheckinSession(session=session, rows=rows, marks=attendance_marks_open(session, now))


def checkin_sheet(day: dt.date, now=None) -> CheckinSheet:
    """The check-in sheet of the site's ``day`` (four queries; see the module)."""
    now = now or timezone.now()
    sessions = list(
        day_sessions(day).prefetch_related(
            Prefetch("bookings", queryset=sheet_bookings(), to_attr="sheet_bookings")
        )
    )
    start, end = day_bounds(day)
    members = (
        Booking.objects.active()
        .filter(session__start__gte=start, session__start__lt=end, session__is_cancelled=False)
        .values("member_id")
    )
    owes = member_owes(members, now) if any(s.sheet_bookings for s in sessions) else {}
    return CheckinSheet(
        day=day,
        sessions=[build_session(s, s.sheet_bookings, owes, now) for s in sessions],
    )


def session_sheet(session: Session, now=None) -> CheckinSession:
    """One session as the sheet shows it (after a mark, for the screen to redraw it)."""
    now = now or timezone.now()
    bookings = list(sheet_bookings().filter(session=session))
    members = sorted({booking.member_id for booking in bookings})
    return build_session(session, bookings, member_owes(members, now) if members else {}, now)


def check_in_all(session: Session, by) -> list[Booking]:
    """S3: mark every booked (not yet marked) booking of ``session`` attended, in one
    transaction: the session is locked, then its bookings by primary key (the locks of
    ``mark_attendance``). Each is audited (S5) and signalled on commit.

    Refused, with nothing written, before check-in opens (``checkin_not_open``), for a
    cancelled session (``session_cancelled``), and for anyone but staff who may manage
    bookings (``not_allowed``). Returns the bookings checked in (none when everyone was
    marked already).
    """
    require_staff(by, MANAGE_BOOKINGS, BookingError)
    with lock_waits.atomic():
        session = lock_session(session)
        now = timezone.now()
        if ATTENDED not in attendance_marks_open(session, now):
            raise mark_refusal(session, ATTENDED)
        bookings = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(session=session, status=BookingStatus.BOOKED)
            .select_related("member", "person")
            .order_by("pk")
        )
        for booking in bookings:
            booking.session = session
            set_attendance(booking, ATTENDED, by, now)
    for booking in bookings:
        signals.send_on_commit(signals.attendance_marked, Booking, booking=booking, by=by)
    return bookings
