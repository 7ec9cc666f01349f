"""Exports of 50,000 bookings as CSV and XLSX: rows, seconds, peak memory.

    .venv/bin/python bench/exports.py                # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/exports.py

The bookings are made with ``bulk_create`` (100 members on 500 sessions). Each export is
requested through the admin URL as staff would (``/admin/passes-desk/export/bookings/``) and
its response read to the end, as a browser downloading it would, without keeping it.
Printed per format: the rows, the seconds, the peak of memory Python allocated while the
response was made and read (``tracemalloc``, a run of its own since tracing slows Python
down), and how much the process's maximum resident set grew from before the first export
(``ru_maxrss``, a high-water mark that also counts the C libraries: sqlite, the zip
writer; the CSV line's growth includes a warm-up CSV export).
"""

import os
import resource
import sys
import time
import tracemalloc

from _django import setup, teardown

ROWS = int(os.environ.get("BENCH_ROWS", "50000"))
MEMBERS = 100


def make_bookings():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from tests.desk.test_exports_memory import make_bookings as make

    make(MEMBERS, ROWS // MEMBERS)


def max_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


def download(client, fmt) -> tuple[int, int]:
    """Request the export and read it to the end; (lines or rows, bytes)."""
    from django.urls import reverse

    response = client.get(reverse("wagtail_passes_desk:export", args=["bookings"]), {"format": fmt})
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for piece in response.streaming_content:
        size += len(piece)
        lines += piece.count(b"\n")
    response.close()
    return lines - 1 if fmt == "csv" else ROWS, size


def main():
    connection = setup()
    try:
        from django.contrib.auth import get_user_model
        from django.test import Client

        started = time.perf_counter()
        make_bookings()
        print(
            f"{ROWS:,} bookings made in {time.perf_counter() - started:.1f} s ({connection.vendor})"
        )
        admin = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
        client = Client()
        client.force_login(admin)
        rss_baseline = max_rss_mb()  # the bookings made, nothing exported yet
        download(client, "csv")  # warm up: imports, templates, the first queries

        columns = ("format", "rows", "MB", "seconds", "traced peak", "RSS growth")
        print("{:<6} {:>8} {:>6} {:>8} {:>12} {:>11}".format(*columns))
        for fmt in ("csv", "xlsx"):
            started = time.perf_counter()
            rows, size = download(client, fmt)
            seconds = time.perf_counter() - started
            # The high-water mark: how far the exports so far took the process above it.
            rss_growth = max_rss_mb() - rss_baseline
            tracemalloc.start()
            download(client, fmt)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{fmt:<6} {rows:>8,} {size / 1e6:>6.1f} {seconds:>8.2f} "
                f"{peak / 1e6:>9.1f} MB {rss_growth:>8.1f} MB"
            )
    finally:
        teardown(connection)


if __name__ == "__main__":
    main()
