"""Bookings per second through ``services.book``, against a raw-SQL floor.

PostgreSQL only (row locks are the point):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/booking.py

Prints, for 8 concurrent clients: bookings/s on distinct sessions and on one contended
session; queries per ``book`` call; and the same work done as raw SQL through the
driver (lock the session row, count its bookings, insert the booking and the ledger
row, in one transaction) — the floor — with our time per booking as a ratio of it.
"""

import datetime as dt
import os
import sys
import time
from decimal import Decimal

from _django import setup, teardown

CLIENTS = 8
PER_CLIENT = 40
DEFERRED = "django_tasks.backends.dummy.DummyBackend"


def run_clients(work):
    """Run ``work(client_index)`` in CLIENTS forked processes started together, as a
    site's worker processes would; return the seconds from start to the last finish."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each child opens its own connection
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(CLIENTS + 1)
    failures = ctx.Queue()

    def child(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:
            failures.put(repr(exc))
        finally:
            connections.close_all()

    procs = [ctx.Process(target=child, args=(i,)) for i in range(CLIENTS)]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.perf_counter()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - start
    if not failures.empty():
        raise RuntimeError(failures.get())
    return elapsed


def make_world(n_sessions, capacity):
    from django.utils import timezone

    from wagtail_passes.models import Session
    from wagtail_passes.test.factories import ProgrammeClassFactory, UserFactory, member_pass

    klass = ProgrammeClassFactory(capacity=capacity)
    start = timezone.now() + dt.timedelta(days=2)
    sessions = Session.objects.bulk_create(
        Session(
            programme_class=klass,
            start=start + dt.timedelta(minutes=i),
            end=start + dt.timedelta(minutes=i + 60),
        )
        for i in range(n_sessions)
    )
    first = member_pass(UserFactory(), quantity=Decimal(1000), duration_days=0)
    passes = [first] + [
        member_pass(UserFactory(), product=first.product) for _ in range(CLIENTS * PER_CLIENT - 1)
    ]
    return sessions, passes


def bench_service(label, sessions_for, passes, slots):
    """Each client books ``slots`` (indexes into its share of passes and sessions)."""
    from wagtail_passes import services

    slots = list(slots)

    def work(i):
        for j in slots:
            mp = passes[i * PER_CLIENT + j]
            services.book(mp.member, sessions_for(i, j))

    elapsed = run_clients(work)
    total = CLIENTS * len(slots)
    print(f"{label:<44} {total / elapsed:>8.0f} bookings/s  {elapsed / total * 1000:>6.2f} ms each")
    return elapsed / total


def bench_raw_sql(sessions, passes):
    """The floor: the same locks and writes with hand-written SQL through psycopg."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    dsn = (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"user={settings['USER']} dbname={settings['NAME']}"
    )

    def work(i):
        with psycopg.connect(dsn) as conn:
            for j in range(PER_CLIENT):
                session_id = sessions[CLIENTS * PER_CLIENT + i * PER_CLIENT + j].pk
                mp = passes[i * PER_CLIENT + j]
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(
                        "SELECT id FROM wagtail_passes_session WHERE id = %s FOR UPDATE",
                        (session_id,),
                    )
                    cur.execute(
                        "SELECT count(*) FROM wagtail_passes_booking "
                        "WHERE session_id = %s AND status <> 'cancelled'",
                        (session_id,),
                    )
                    cur.execute(
                        "INSERT INTO wagtail_passes_booking (member_id, session_id, attendees,"
                        " status, created_at, member_pass_id, price, amount_due, amount_paid,"
                        " payment_method, currency)"
                        " VALUES (%s, %s, 1, 'booked', now(), %s, 12, 0, 0, '', 'EUR')"
                        " RETURNING id",
                        (mp.member_id, session_id, mp.pk),
                    )
                    (booking_id,) = cur.fetchone()
                    cur.execute(
                        "INSERT INTO wagtail_passes_ledgerentry (member_pass_id, kind, amount,"
                        " balance_after, session_id, attendees, days, booking_id, reason,"
                        " created_at)"
                        " VALUES (%s, 'redeem', -1, 0, %s, 1, 0, %s, '', now())",
                        (mp.pk, session_id, booking_id),
                    )

    elapsed = run_clients(work)
    total = CLIENTS * PER_CLIENT
    print(
        f"{'raw SQL floor, distinct sessions':<44} {total / elapsed:>8.0f} bookings/s  "
        f"{elapsed / total * 1000:>6.2f} ms each"
    )
    return elapsed / total


def queries_per_book(sessions, passes):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wagtail_passes import services

    mp = passes[-1]
    with CaptureQueriesContext(connection) as ctx:
        services.book(mp.member, sessions[-1])
    return len(ctx.captured_queries)


def main():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("bench/booking.py needs PostgreSQL: set DATABASE_URL=postgres://...")
        return 2
    connection = setup()
    total = CLIENTS * PER_CLIENT
    # distinct sessions for the service, others for the raw floor, one contended, one spare
    sessions, passes = make_world(2 * total + 2, capacity=10_000)
    contended = sessions[-2]

    from django.test import override_settings

    print(
        f"{CLIENTS} client processes x {PER_CLIENT} bookings on {connection.vendor}, "
        f"{os.cpu_count()} cores"
    )
    half = PER_CLIENT // 2
    inline = bench_service(
        "services.book, emails sent inline",
        lambda i, j: sessions[i * PER_CLIENT + j],
        passes,
        range(half),
    )
    # A production site sends emails from a task worker: enqueue only.
    with override_settings(TASKS={"default": {"BACKEND": DEFERRED}}):
        ours = bench_service(
            "services.book, emails deferred to a worker",
            lambda i, j: sessions[i * PER_CLIENT + j],
            passes,
            range(half, PER_CLIENT),
        )
    floor = bench_raw_sql(sessions, passes)
    print(f"{'ratio to the floor (emails inline)':<44} {inline / floor:>8.1f} x")
    print(f"{'ratio to the floor (emails deferred)':<44} {ours / floor:>8.1f} x")
    with override_settings(TASKS={"default": {"BACKEND": DEFERRED}}):
        bench_service(
            "services.book, one contended session (deferred)",
            lambda i, j: contended,
            passes,
            range(PER_CLIENT),
        )
    print(f"{'queries per book call':<44} {queries_per_book(sessions, passes):>8}")
    teardown(connection)
    return 0


if __name__ == "__main__":
    sys.exit(main())
