"""Exports of what staff list: bookings and attendance, member passes, registrations, orders
and payments, as tables a CSV or XLSX writer turns into a file (``admin/desk/exports.py``).

Each ``*_table`` function takes a queryset that already carries the list's filters, search
and ordering, and returns a :class:`Table`: a translated header and a row generator. The rows
are read with ``.values()`` (the related names joined in the same SQL) or, where a row needs a
model's own rules (a pass's status today), as instances of one ``select_related`` query; in
both cases through ``.iterator(chunk_size=CHUNK_SIZE)``, so no query is made per row and
memory does not grow with the number of rows.

Cells are plain values: ``str``, ``int``, ``Decimal`` (an amount, in its currency's minor
unit, with the currency in a column of its own), ``date``, ``time``, an aware ``datetime``
(shown on the site's wall clock, V5) or ``None`` (empty). The writers format them; text that
a spreadsheet would run as a formula is neutralised by :func:`csv_safe` (CSV) or written as a
string cell (XLSX).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext

from ..conf import passes_settings
from ..models import (
    BookingStatus,
    OrderState,
    PassStatus,
    Payment,
    PaymentMethod,
    PaymentState,
    ProductKind,
)
from ..presentation import attending, local_today, pass_balance, person, provider_text
from ..rules.money import UnsupportedCurrency, quantize
from ..rules.types import MONEY, UNLIMITED
from .facts import status_today

#: Rows fetched from the database at a time.
CHUNK_SIZE = 2000

#: What a spreadsheet program would run as a formula when a cell starts with it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A text cell a spreadsheet shows as text: a member named "=HYPERLINK(...)" stays a name.

    The one function every CSV export of the app uses (the lists, the reports)."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@dataclass
class Table:
    """What an export holds: ``name`` (the file name's stem, e.g. "bookings"), ``title``
    (the XLSX sheet's name), the translated ``header`` and the ``rows`` (a one-shot
    iterable of lists of cells, read while the file is written)."""

    name: str
    title: str
    header: list[str]
    rows: Iterable[list]


#: Rows made at a time in the export's language (``in_language``).
LANGUAGE_BATCH = 500


def in_language(rows: Iterable[list]) -> Iterator[list]:
    """``rows`` produced in the language active now: a streamed response reads them after
    the view returned, when the admin's language may no longer be active. They are made a
    few hundred at a time with that language active."""
    language = translation.get_language()
    rows = iter(rows)
    while True:
        with translation.override(language):
            batch = list(islice(rows, LANGUAGE_BATCH))
        if not batch:
            return
        yield from batch


def chunks(iterable: Iterable, size: int = CHUNK_SIZE) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# ---- cells -----------------------------------------------------------------------------


def amount(value: Decimal | None, currency: str) -> Decimal | None:
    """An amount in its currency's minor unit (1200 JPY, 12.50 EUR)."""
    if value is None:
        return None
    try:
        return quantize(value, currency)
    except UnsupportedCurrency:  # no currency (a free session's booking)
        return value


def balance_number(member_pass) -> Decimal | None:
    """What is left as a number: entries, days, credits or money; none for unlimited."""
    if member_pass.kind == UNLIMITED:
        return None
    if member_pass.kind == MONEY:
        return amount(member_pass.balance, member_pass.currency)
    value = member_pass.balance
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def words(choices) -> dict[str, str]:
    """A ``TextChoices``' values in words, translated once for the whole export."""
    return {value: str(label) for value, label in choices.choices}


def provider_words() -> Callable[[str], str]:
    """A payment provider's name in words, looked up once per provider for the export."""
    return functools.cache(lambda provider: provider_text(provider) if provider else "")


# ---- members, read with .values() -----------------------------------------------------


def _user_fields() -> tuple[str, str, str, str]:
    """The user model's username, first name, last name and email field names ("" when the
    host site's user model lacks one)."""
    user_model = get_user_model()

    def field(name: str) -> str:
        try:
            user_model._meta.get_field(name)
        except FieldDoesNotExist:
            return ""
        return name

    return (
        user_model.USERNAME_FIELD,
        field("first_name"),
        field("last_name"),
        field(user_model.get_email_field_name()),
    )


class People:
    """The ``.values()`` names of the users a row names (``member``, ``sold_by``, ...) and
    each one in words, as ``presentation.person`` writes them: "Ann Lee (ann)"."""

    def __init__(self, *prefixes: str, email: str = "member"):
        self.prefixes = prefixes
        self.email_prefix = email
        self.username, self.first_name, self.last_name, self.email = _user_fields()

    def fields(self) -> list[str]:
        names = []
        for prefix in self.prefixes:
            names += [
                f"{prefix}__{field}"
                for field in (self.username, self.first_name, self.last_name)
                if field
            ]
        if self.email:
            names.append(f"{self.email_prefix}__{self.email}")
        return names

    def name(self, row: dict, prefix: str) -> str:
        username = row.get(f"{prefix}__{self.username}")
        if username is None:
            return ""
        parts = [row.get(f"{prefix}__{field}") or "" for field in (self.first_name, self.last_name)]
        full_name = " ".join(part for part in parts if part).strip()
        username = str(username)
        return f"{full_name} ({username})" if full_name and full_name != username else username

    def email_of(self, row: dict) -> str:
        return (row.get(f"{self.email_prefix}__{self.email}") or "") if self.email else ""


def attending_of(row: dict, people: People) -> str:
    """F2: who attends (a dependant's name), or the account holder ("member") themself."""
    if row.get("person__is_holder") is False and row.get("person__name"):
        return row["person__name"]
    return people.name(row, "member")


# ---- bookings and attendance (S3) ---------------------------------------------------------


def booking_table(bookings: QuerySet, name: str = "bookings") -> Table:
    """Bookings, one row each: the session (its id, local date and start, class, programme),
    the member, the places, the status in words, who marked attendance and when, what paid
    (a pass's title, an amount due, free) and the amounts with their currency."""
    people = People("member", "attendance_marked_by")
    status_words = words(BookingStatus)
    method_words = words(PaymentMethod)
    paid_words = {
        "due": gettext("Amount due"),
        "free": gettext("Free"),
        "paid": gettext("Paid"),
        "nothing": gettext("Nothing due"),
    }
    header = [
        gettext("Booking ID"),
        gettext("Session ID"),
        gettext("Date"),
        gettext("Start"),
        gettext("Class"),
        gettext("Programme"),
        gettext("Attending"),
        gettext("Member"),
        gettext("Email"),
        gettext("Attendees"),
        gettext("Status"),
        gettext("Attendance marked by"),
        gettext("Attendance marked at"),
        gettext("Paid with"),
        gettext("Amount due"),
        gettext("Amount paid"),
        gettext("Currency"),
        gettext("Payment method"),
        gettext("Booked at"),
    ]
    fields = [
        "pk",
        "session_id",
        "session__start",
        "session__programme_class__name",
        "session__programme_class__programme__name",
        "person__name",
        "person__is_holder",
        *people.fields(),
        "attendees",
        "status",
        "attendance_marked_at",
        "member_pass_id",
        "member_pass__title",
        "price",
        "amount_due",
        "amount_paid",
        "currency",
        "payment_method",
        "created_at",
    ]

    def paid_with(row) -> str:
        if row["member_pass_id"] is not None:
            return row["member_pass__title"]
        if row["amount_due"] > 0:
            return paid_words["due"]
        if row["price"] == 0:
            return paid_words["free"]
        if row["amount_paid"] > 0:
            return paid_words["paid"]
        return paid_words["nothing"]

    def rows():
        tz = passes_settings.tzinfo  # the site's wall clock (V5), looked up once
        for row in bookings.values(*fields).iterator(chunk_size=CHUNK_SIZE):
            currency = row["currency"]
            start = row["session__start"].astimezone(tz)
            yield [
                row["pk"],
                row["session_id"],
                start.date(),
                start.time().replace(second=0, microsecond=0),
                row["session__programme_class__name"],
                row["session__programme_class__programme__name"],
                attending_of(row, people),
                people.name(row, "member"),
                people.email_of(row),
                row["attendees"],
                status_words.get(row["status"], row["status"]),
                people.name(row, "attendance_marked_by"),
                row["attendance_marked_at"],
                paid_with(row),
                amount(row["amount_due"], currency),
                amount(row["amount_paid"], currency),
                currency,
                method_words.get(row["payment_method"], row["payment_method"]),
                row["created_at"],
            ]

    return Table(name=name, title=gettext("Bookings"), header=header, rows=in_language(rows()))


# ---- member passes (S1, S4) --------------------------------------------------------------


def member_pass_table(member_passes: QuerySet) -> Table:
    """Member passes, one row each: member, title, kind, status today (``rules.status``),
    what is left in words and as a number, the validity window, paid, price, renewing."""
    kind_words = words(ProductKind)
    status_words = words(PassStatus)
    header = [
        gettext("Pass ID"),
        gettext("Holder"),
        gettext("Member"),
        gettext("Email"),
        gettext("Pass"),
        gettext("Kind"),
        gettext("Status"),
        gettext("Left"),
        gettext("Balance"),
        gettext("Valid from"),
        gettext("Valid until"),
        gettext("Paid"),
        gettext("Price"),
        gettext("Currency"),
        gettext("Renewing"),
        gettext("Bought or assigned"),
    ]
    email_field = _user_fields()[3]

    def rows():
        today = local_today()
        passes = member_passes.select_related("member", "person").iterator(chunk_size=CHUNK_SIZE)
        for member_pass in passes:
            member = member_pass.member
            currency = member_pass.currency
            status = status_today(member_pass, today)
            yield [
                member_pass.pk,
                attending(member_pass),
                person(member),
                (getattr(member, email_field, "") or "") if email_field else "",
                member_pass.title,
                kind_words.get(member_pass.kind, member_pass.kind),
                status_words.get(status, status),
                pass_balance(member_pass),
                balance_number(member_pass),
                member_pass.valid_from,
                member_pass.valid_until,
                yes_no(member_pass.is_paid),
                amount(member_pass.price, currency),
                currency,
                yes_no(member_pass.auto_renew),
                member_pass.purchased_at,
            ]

    return Table(
        name="member-passes",
        title=gettext("Member passes"),
        header=header,
        rows=in_language(rows()),
    )


# ---- registrations (P10) ---------------------------------------------------------------


def registration_table(
    registrations: QuerySet, status_words: Callable[[list], dict[int, str]]
) -> Table:
    """Registrations, one row each: member, programme, when, the status in words (counted
    per chunk of rows by ``status_words``, as the list counts a page) and the withdrawal."""
    header = [
        gettext("Registration ID"),
        gettext("Attending"),
        gettext("Member"),
        gettext("Email"),
        gettext("Programme"),
        gettext("Registered at"),
        gettext("Status"),
        gettext("Withdrawn at"),
        gettext("Withdrawn by"),
        gettext("Reason for withdrawing"),
    ]
    email_field = _user_fields()[3]

    def rows():
        loaded = registrations.select_related("member", "person", "programme", "withdrawn_by")
        for chunk in chunks(loaded.iterator(chunk_size=CHUNK_SIZE)):
            statuses = status_words(chunk)
            for registration in chunk:
                member = registration.member
                yield [
                    registration.pk,
                    attending(registration),
                    person(member),
                    (getattr(member, email_field, "") or "") if email_field else "",
                    str(registration.programme),
                    registration.registered_at,
                    statuses[registration.pk],
                    registration.withdrawn_at,
                    person(registration.withdrawn_by) if registration.withdrawn_by_id else "",
                    registration.withdrawal_reason,
                ]

    return Table(
        name="registrations",
        title=gettext("Registrations"),
        header=header,
        rows=in_language(rows()),
    )


# ---- orders and payments (C2, C6) ------------------------------------------------------


def order_table(orders: QuerySet) -> Table:
    """Orders, one row each: reference, member, state in words, total and currency, when it
    was placed and paid, the payment method, and who sold it at the desk."""
    people = People("member", "sold_by")
    state_words = words(OrderState)
    header = [
        gettext("Reference"),
        gettext("Member"),
        gettext("Email"),
        gettext("State"),
        gettext("Total"),
        gettext("Currency"),
        gettext("Placed"),
        gettext("Paid at"),
        gettext("Payment method"),
        gettext("Sold at the desk by"),
    ]
    fields = [
        "reference",
        *people.fields(),
        "state",
        "total",
        "currency",
        "created_at",
        "paid_at",
        "provider",
    ]

    def rows():
        provider = provider_words()
        for row in orders.values(*fields).iterator(chunk_size=CHUNK_SIZE):
            yield [
                row["reference"],
                people.name(row, "member"),
                people.email_of(row),
                state_words.get(row["state"], row["state"]),
                amount(row["total"], row["currency"]),
                row["currency"],
                row["created_at"],
                row["paid_at"],
                provider(row["provider"]),
                people.name(row, "sold_by"),
            ]

    return Table(name="orders", title=gettext("Orders"), header=header, rows=in_language(rows()))


def payment_table(orders: QuerySet) -> Table:
    """The payments of ``orders`` (the orders list's filters and search), newest first: the
    order's reference and member, amount and currency, state, provider, how staff took it
    (cash, card terminal, ...), who recorded it and when."""
    people = People("order__member", "recorded_by", email="order__member")
    state_words = words(PaymentState)
    method_words = words(PaymentMethod)
    header = [
        gettext("Order reference"),
        gettext("Member"),
        gettext("Email"),
        gettext("Amount"),
        gettext("Currency"),
        gettext("State"),
        gettext("Provider"),
        gettext("Payment method"),
        gettext("Recorded by"),
        gettext("Recorded at"),
    ]
    fields = [
        "order__reference",
        *people.fields(),
        "amount",
        "currency",
        "state",
        "provider",
        "method",
        "created_at",
    ]
    payments = Payment.objects.filter(order__in=orders.order_by().values("pk")).order_by(
        "-created_at", "-pk"
    )

    def rows():
        provider = provider_words()
        for row in payments.values(*fields).iterator(chunk_size=CHUNK_SIZE):
            yield [
                row["order__reference"],
                people.name(row, "order__member"),
                people.email_of(row),
                amount(row["amount"], row["currency"]),
                row["currency"],
                state_words.get(row["state"], row["state"]),
                provider(row["provider"]),
                method_words.get(row["method"], row["method"]),
                people.name(row, "recorded_by"),
                row["created_at"],
            ]

    return Table(
        name="payments", title=gettext("Payments"), header=header, rows=in_language(rows())
    )
