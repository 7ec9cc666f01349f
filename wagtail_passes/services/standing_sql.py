"""The few statements every booking request runs, written as SQL once.

The ORM spends about 1.5 ms of CPU compiling a query with subqueries, more than the
database takes to answer it, and a burst of bookings (a class opening at 07:00) is bound
by the web processes' CPU (``bench/web.py``, docs/concepts/concurrency.md). These
statements are short and portable (PostgreSQL and SQLite); table and column names come
from the models, the values are parameters. The hypothesis state machine of
tests/services/test_stateful.py asserts what they answer against the ORM's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import BooleanField, IntegerField
from django.db.models.expressions import RawSQL

from ..models import (
    Booking,
    BookingStatus,
    LedgerEntry,
    LedgerKind,
    MemberPass,
    Person,
    Session,
    WaitlistEntry,
    WaitlistStatus,
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


@cache
def _sql() -> dict[str, str]:
    """The statements' text, built on first use (the models must be loaded)."""
    booking, waiting, ledger = _table(Booking), _table(WaitlistEntry), _table(LedgerEntry)
    b_session, b_member = _column(Booking, "session"), _column(Booking, "person")
    b_status, b_attendees = _column(Booking, "status"), _column(Booking, "attendees")
    w_session, w_member = _column(WaitlistEntry, "session"), _column(WaitlistEntry, "person")
    w_status = _column(WaitlistEntry, "status")
    l_pass, l_session = _column(LedgerEntry, "member_pass"), _column(LedgerEntry, "session")
    l_kind, l_booking = _column(LedgerEntry, "kind"), _column(LedgerEntry, "booking")
    l_reverses = _column(LedgerEntry, "reverses")
    pk = connection.ops.quote_name("id")
    session_id = f"{_table(Session)}.{pk}"
    pass_id = f"{_table(MemberPass)}.{pk}"
    taken = (
        f"SELECT COALESCE(SUM(b.{b_attendees}), 0) FROM {booking} b"
        f" WHERE b.{b_session} = {{session}} AND b.{b_status} <> %s"
    )
    mine = (
        f"SELECT b.{pk} FROM {booking} b WHERE b.{b_session} = {{session}}"
        f" AND b.{b_member} = {{person}} AND b.{b_status} <> %s"
    )
    waits = (
        f"EXISTS (SELECT 1 FROM {waiting} w WHERE w.{w_session} = {{session}}"
        f" AND w.{w_member} = {{person}} AND w.{w_status} = %s)"
    )
    holder = (
        f"(SELECT p.{pk} FROM {_table(Person)} p WHERE p.{_column(Person, 'account')} = %s"
        f" AND p.{_column(Person, 'is_holder')} = %s)"
    )
    by_token = (
        f"SELECT b.{pk} FROM {booking} b WHERE b.{b_session} = %s"
        f" AND b.{b_member} = %s AND b.{_column(Booking, 'token')} = %s"
    )
    return {
        "taken": taken.format(session=session_id),
        # The standing of a person (its id), or of a user themself (their holder person).
        "mine": mine.format(session=session_id, person="%s"),
        "waits": waits.format(session=session_id, person="%s"),
        "mine_holder": mine.format(session=session_id, person=holder),
        "waits_holder": waits.format(session=session_id, person=holder),
        "occupancy": (
            f"SELECT ({taken.format(session='%s')}), ({mine.format(session='%s', person='%s')}),"
            f" {waits.format(session='%s', person='%s')}, ({by_token})"
        ),
        # A redemption of the pass for the session that nothing returned, by a booking
        # still active (or by none).
        "redeemed_here": (
            f"EXISTS (SELECT 1 FROM {ledger} l LEFT JOIN {booking} b ON b.{pk} = l.{l_booking}"
            f" WHERE l.{l_pass} = {pass_id} AND l.{l_session} = %s AND l.{l_kind} = %s"
            f" AND NOT EXISTS (SELECT 1 FROM {ledger} r WHERE r.{l_reverses} = l.{pk})"
            f" AND (b.{b_status} IS NULL OR b.{b_status} <> %s))"
        ),
    }


@dataclass(frozen=True)
class Occupancy:
    """The session as a booking must judge it, read under the session's lock."""

    taken: int  # places held by active bookings
    booking_id: int | None  # the person's active booking (P2)
    waiting: bool  # the person is on the session's waiting list (P7)
    token_booking_id: int | None  # the booking this form's token already made, if any


def occupancy(session_id: int, person_id: int, token: str | None = None) -> Occupancy:
    """Places taken on the session, and the attending person's own booking, waiting entry
    and earlier use of this form's ``token``: one statement.

    It must run as a statement of its own once the session's lock is granted: under READ
    COMMITTED each statement sees what committed before it started, so a count folded into
    the locking query itself could miss the booking its lock holder just committed.
    """
    cancelled = BookingStatus.CANCELLED.value
    params = [
        *(session_id, cancelled),
        *(session_id, person_id, cancelled),
        *(session_id, person_id, WaitlistStatus.WAITING.value),
        *(session_id, person_id, token or ""),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_sql()["occupancy"], params)
        taken, booking_id, waiting, token_booking_id = cursor.fetchone()
    return Occupancy(int(taken), booking_id, bool(waiting), token_booking_id if token else None)


def with_member_standing(sessions, who):
    """``sessions`` (a Session queryset) with, in the same statement, ``places_taken``, the
    active booking (``my_booking_id``) of ``who`` (a Person, or a user meaning the user
    themself) and whether they wait (``am_waiting``)."""
    sql, cancelled = _sql(), BookingStatus.CANCELLED.value
    if isinstance(who, Person):
        mine, waits, person = sql["mine"], sql["waits"], [who.pk]
    else:
        mine, waits, person = sql["mine_holder"], sql["waits_holder"], [who.pk, True]
    return sessions.annotate(
        places_taken=RawSQL(sql["taken"], [cancelled], output_field=IntegerField()),
        my_booking_id=RawSQL(mine, [*person, cancelled], output_field=IntegerField()),
        am_waiting=RawSQL(
            waits, [*person, WaitlistStatus.WAITING.value], output_field=BooleanField()
        ),
    )


def with_redeemed_here(passes, session_id: int):
    """``passes`` (a MemberPass queryset) with ``redeemed_here``: whether the pass pays for
    the session through an active booking ("already used for this session")."""
    return passes.annotate(
        redeemed_here=RawSQL(
            _sql()["redeemed_here"],
            [session_id, LedgerKind.REDEEM.value, BookingStatus.CANCELLED.value],
            output_field=BooleanField(),
        )
    )
