"""Real threads against PostgreSQL: each thread has its own connection and transaction.

Skipped on SQLite, whose single writer lock makes these tests meaningless.
"""

import threading

import pytest
from django.db import connection, connections


@pytest.fixture
def concurrently():
    """``concurrently(fn, [args, ...])`` runs ``fn(*args)`` in one thread each, started
    together, and returns what each returned or raised. Bounded: a thread still running
    after the timeout (a deadlock) fails the test."""

    def run(fn, calls, timeout=60):
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)

        def worker(i, args):
            try:
                barrier.wait()
                results[i] = ("ok", fn(*args))
            except Exception as exc:  # collected and asserted by the test
                results[i] = ("error", exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout)
        assert not any(t.is_alive() for t in threads), "threads still running: deadlock?"
        return results

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and threads); run with DATABASE_URL set")
    return run
