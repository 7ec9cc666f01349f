"""What members owe (S2): amounts due for sessions that have started, charges still due
(L1-L3: late cancellation and no-show fees, with their reason), and orders awaiting
payment.

Each debt is counted once. An amount due that the member has put in an order awaiting
payment (C6, ``services.dues``) is listed under that order, not on its own: marking the
order paid pays it, and the totals would otherwise count it twice. An amount due for a
session that has not started yet is not outstanding: the member may still cancel.

An order is *overdue* once its hold has ended (``expires_at`` passed, the expiry job
has not run yet) or it was placed more than ``BANK_TRANSFER_HOLD_DAYS`` days ago.
An unpaid desk sale (``services.desk_sales``: ``Order.sold_by`` set, no hold) is an order
awaiting payment like any other, listed until it is paid or cancelled; it never expires.
Ages are whole days in the site's time zone (V5): since the session's day for an amount
due, since the day the order was placed for an order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, Sum, When
from django.utils import timezone

from ..conf import passes_settings
from ..models import AttendanceCharge, Booking, Order, OrderLine, OrderState
from ..presentation import local_day
from ..rules.money import Money
from .dues import booking_currency

DUE = "due"
ORDER = "order"
CHARGE = "charge"  # L1-L3: a late cancellation or no-show fee still due


@dataclass(frozen=True)
class Owed:
    """One line of the outstanding payments report."""

    kind: str  # DUE, CHARGE or ORDER
    member: object
    amount: Money
    since: dt.date  # the session's day, or the day the order was placed
    age_days: int
    overdue: bool
    booking: Booking | None = None
    order: Order | None = None
    charge: AttendanceCharge | None = None


def _in_pending_order() -> Exists:
    return Exists(OrderLine.objects.filter(booking=OuterRef("pk"), order__state=OrderState.PENDING))


def unpaid_started_bookings(now: dt.datetime, programme_id: int | None = None):
    """Bookings no pass paid for, owing an amount, whose session has started, and not
    in an order awaiting payment."""
    bookings = (
        Booking.objects.unpaid()
        .filter(member_pass__isnull=True, session__start__lte=now)
        .exclude(_in_pending_order())
        .select_related("member", "person", "session__programme_class__programme")
    )
    if programme_id is not None:
        bookings = bookings.filter(session__programme_class__programme_id=programme_id)
    return bookings.order_by("session__start", "pk")


def due_charges(programme_id: int | None = None):
    """Charges still due (L1-L3) not in an order awaiting payment, with their reason, member
    and session. A charge is owed from the moment it is made (the session has started, or
    was cancelled late)."""
    in_order = Exists(
        OrderLine.objects.filter(charge=OuterRef("pk"), order__state=OrderState.PENDING)
    )
    charges = (
        AttendanceCharge.objects.due()
        .exclude(in_order)
        .select_related(
            "booking__member", "booking__person", "booking__session__programme_class__programme"
        )
    )
    if programme_id is not None:
        charges = charges.filter(booking__session__programme_class__programme_id=programme_id)
    return charges.order_by("booking__session__start", "pk")


def pending_orders(programme_id: int | None = None):
    """Orders awaiting payment, with their lines. With a programme: the orders that
    register for it, pay amounts due of its sessions or book one of them."""
    orders = (
        Order.objects.filter(state=OrderState.PENDING)
        .select_related("member", "sold_by", "renewal__member_pass")
        .prefetch_related(
            # F2: each line's person (who a pass bought is for), read with the lines.
            Prefetch("lines", queryset=OrderLine.objects.select_related("person").order_by("pk"))
        )
    )
    if programme_id is not None:
        about = OrderLine.objects.filter(
            order=OuterRef("pk"), booking__session__programme_class__programme_id=programme_id
        )
        orders = orders.filter(
            Q(registration__programme_id=programme_id)
            | Q(book_session__programme_class__programme_id=programme_id)
            | Q(Exists(about))
        )
    return orders.order_by("created_at", "pk")


def is_overdue(order: Order, now: dt.datetime) -> bool:
    if order.expires_at is not None and order.expires_at < now:
        return True
    return order.created_at < now - dt.timedelta(days=passes_settings.BANK_TRANSFER_HOLD_DAYS)


def outstanding(
    *,
    now: dt.datetime | None = None,
    dues: bool = True,
    orders: bool = True,
    overdue_only: bool = False,
    programme_id: int | None = None,
    min_age_days: int | None = None,
) -> list[Owed]:
    """S2: what is owed, oldest first (two queries for the amounts due and the orders,
    one for the orders' lines). ``overdue_only`` keeps overdue orders only."""
    now = now or timezone.now()
    today = local_day(now)
    owed: list[Owed] = []
    if dues and not overdue_only:
        for booking in unpaid_started_bookings(now, programme_id):
            since = local_day(booking.session.start)
            owed.append(
                Owed(
                    kind=DUE,
                    member=booking.member,
                    amount=Money(booking.amount_due, booking_currency(booking)),
                    since=since,
                    age_days=(today - since).days,
                    overdue=False,
                    booking=booking,
                )
            )
        for charge in due_charges(programme_id):
            since = local_day(charge.booking.session.start)
            owed.append(
                Owed(
                    kind=CHARGE,
                    member=charge.booking.member,
                    amount=charge.money,
                    since=since,
                    age_days=(today - since).days,
                    overdue=False,
                    booking=charge.booking,
                    charge=charge,
                )
            )
    if orders:
        for order in pending_orders(programme_id):
            overdue = is_overdue(order, now)
            if overdue_only and not overdue:
                continue
            since = local_day(order.created_at)
            owed.append(
                Owed(
                    kind=ORDER,
                    member=order.member,
                    amount=Money(order.total, order.currency),
                    since=since,
                    age_days=(today - since).days,
                    overdue=overdue,
                    order=order,
                )
            )
    if min_age_days is not None:
        owed = [item for item in owed if item.age_days >= min_age_days]
    owed.sort(key=lambda item: (item.since, item.kind, item.member.pk))
    return owed


def totals_by_currency(owed) -> list[Money]:
    """The sum of ``owed`` in each currency, by currency code."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for item in owed:
        sums[item.amount.currency] += item.amount.amount
    return [Money(amount, currency) for currency, amount in sorted(sums.items())]


def outstanding_totals(
    *, now: dt.datetime | None = None, dues: bool = True, orders: bool = True
) -> list[Money]:
    """The totals of :func:`outstanding` per currency, summed by the database (three
    queries whatever the number of debts): for the admin home panel."""
    now = now or timezone.now()
    sums: dict[str, Decimal] = defaultdict(Decimal)
    if dues:
        currency = Case(
            When(currency="", then=F("session__programme_class__programme__currency")),
            default=F("currency"),
        )
        rows = (
            unpaid_started_bookings(now)
            .order_by()
            .annotate(owed_currency=currency)
            .values("owed_currency")
            .annotate(total=Sum("amount_due"))
            .values_list("owed_currency", "total")
        )
        for code, total in rows:
            sums[code] += total
        charges = (
            due_charges().order_by().values("currency").annotate(total=Sum("amount"))
        ).values_list("currency", "total")
        for code, total in charges:
            sums[code] += total
    if orders:
        rows = (
            Order.objects.filter(state=OrderState.PENDING)
            .order_by()
            .values("currency")
            .annotate(total=Sum("total"))
            .values_list("currency", "total")
        )
        for code, total in rows:
            sums[code] += total
    return [Money(amount, code) for code, amount in sorted(sums.items()) if amount]
