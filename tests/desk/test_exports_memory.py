"""Exports stream: 50,000 bookings go out as CSV with a bounded peak of memory (issue 18,
item 4). The rows are made in one ``INSERT ... SELECT`` (100 members on 500 sessions), so
the test stays within seconds on SQLite; ``bench/exports.py`` prints the same figures for CSV and
XLSX, with the process's RSS."""

import datetime as dt
import time
import tracemalloc

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.households import holders
from wagtail_passes.models import Booking, BookingStatus, Person, Session
from wagtail_passes.test.factories import ProgrammeClassFactory

pytestmark = pytest.mark.django_db

ROWS = 50_000
MEMBERS = 100
LIMIT = 100 * 1024 * 1024
PREFIX = "export-member-"


def make_bookings(members: int = MEMBERS, sessions: int = ROWS // MEMBERS) -> None:
    """``members`` members each booked on each of ``sessions`` sessions: the members and
    sessions with ``bulk_create``, the bookings with one ``INSERT ... SELECT`` (every member
    on every session), as fast as the database makes rows; a third attended, a third were
    no-shows."""
    user_model = get_user_model()
    user_model.objects.bulk_create(
        user_model(
            username=f"{PREFIX}{i}",
            first_name=f"First{i}",
            last_name=f"Last{i}",
            email=f"{PREFIX}{i}@example.com",
        )
        for i in range(members)
    )
    klass = ProgrammeClassFactory(name="Flow")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=30)
    Session.objects.bulk_create(
        Session(
            programme_class=klass,
            start=start + dt.timedelta(hours=i),
            end=start + dt.timedelta(hours=i, minutes=60),
        )
        for i in range(sessions)
    )
    holders(user_model.objects.filter(username__startswith=PREFIX))
    quote = connection.ops.quote_name
    columns = {
        "member_id": "u." + quote(user_model._meta.pk.column),
        "person_id": "p.id",
        "session_id": "s.id",
        "attendees": "1",
        "status": "%s",
        "created_at": "%s",
        "price": "12.00",
        "amount_due": "12.00",
        "currency": "'EUR'",
        "amount_paid": "0",
        "payment_method": "''",
    }
    sql = (
        f"INSERT INTO {quote(Booking._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"SELECT {', '.join(columns.values())} "
        f"FROM {quote(user_model._meta.db_table)} u CROSS JOIN {quote(Session._meta.db_table)} s "
        f"JOIN {quote(Person._meta.db_table)} p "
        f"ON p.account_id = u.{quote(user_model._meta.pk.column)} AND p.is_holder "
        f"WHERE s.programme_class_id = %s AND u.{quote(user_model.USERNAME_FIELD)} LIKE %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [BookingStatus.BOOKED, timezone.now(), klass.pk, f"{PREFIX}%"])
    booked = Booking.objects.filter(session__programme_class=klass)
    booked.filter(member__username__regex=r"[0369]$").update(status=BookingStatus.ATTENDED)
    booked.filter(member__username__regex=r"[147]$").update(status=BookingStatus.NO_SHOW)


def test_50000_bookings_stream_as_csv_with_peak_memory_under_100_mb(client, superuser):
    cpu = time.process_time()
    make_bookings()
    assert Booking.objects.count() == ROWS
    client.force_login(superuser)
    url = reverse("wagtail_passes_desk:export", args=["bookings"])

    tracemalloc.start()
    try:
        response = client.get(url, {"format": "csv"})
        assert response.status_code == 200
        assert response.streaming
        lines = size = 0
        for piece in response.streaming_content:
            lines += piece.count(b"\n")
            size += len(piece)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == 1 + ROWS
    cpu = time.process_time() - cpu
    print(f"\n{ROWS} bookings, {size / 1e6:.1f} MB of CSV", end=", ")
    print(f"peak {peak / 1e6:.1f} MB traced, {cpu:.1f} s CPU")
    assert peak < LIMIT
    # Less than the file itself: nothing holds the rows.
    assert peak < size
