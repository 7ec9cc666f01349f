"""How fast is ``services.eligible_passes``? Prints median and p95 per call, and queries.

A member holds 1, 20 or 50 passes with 2,000 past redemptions between them; the
session to book belongs to a linked class (the pool lookup is included).

    .venv/bin/python bench/eligibility.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/eligibility.py
"""

import statistics
import sys
import time

from _django import setup, teardown

CALLS = 200
TOTAL_REDEMPTIONS = 2000


def main():
    connection = setup()
    from django.db import reset_queries
    from django.test.utils import CaptureQueriesContext

    from tests.services.history import member_with_history
    from wagtail_passes import services

    print(f"eligible_passes on {connection.vendor}, {CALLS} calls each")
    print(f"{'passes':>7} {'redemptions':>12} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
    for passes in (1, 20, 50):
        member, session = member_with_history(
            passes=passes, redemptions_per_pass=TOTAL_REDEMPTIONS // passes
        )
        with CaptureQueriesContext(connection) as ctx:
            result = services.eligible_passes(member, session)
        queries = len(ctx.captured_queries)  # read now: reset_queries() empties the log
        assert len(result) == passes
        timings = []
        for _ in range(CALLS):
            start = time.perf_counter()
            services.eligible_passes(member, session)
            timings.append((time.perf_counter() - start) * 1000)
            reset_queries()
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"{passes:>7} {TOTAL_REDEMPTIONS:>12} {queries:>8} "
            f"{statistics.median(timings):>10.2f} {p95:>8.2f}"
        )
    teardown(connection)


if __name__ == "__main__":
    sys.exit(main())
