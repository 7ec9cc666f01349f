"""Bounded lock waits: a write that cannot get its locks in time is refused ``busy``
(nothing written) instead of holding a web worker until the other transaction ends.

How long a lock may be waited for is ``WAGTAIL_PASSES_LOCK_TIMEOUT`` seconds. On
PostgreSQL it is the transaction's ``lock_timeout``, set by the lock query itself: the
lock helpers (``services.locking``, ``lock_order``, ``lock_stock``, ``lock_code``) run
their ``SELECT ... FOR UPDATE`` through ``bounded()``, whose extra condition
``set_config('lock_timeout', ..., true) IS NOT NULL`` is volatile, so PostgreSQL
evaluates it on each row it finds *before* it waits for that row's lock. No extra
statement, no extra round trip.

``set_config(..., true)`` is ``SET LOCAL``: the bound lasts until the end of the
transaction, and applies to every later wait in it (the member passes' locks, a guarded
balance update, an insert waiting on a unique index). A service called inside a host's
own ``transaction.atomic()`` runs in a savepoint: when it succeeds, the bound stays in
effect for the rest of the host's transaction; when it is rolled back, so is the bound.

The errors that say "waited too long" (PostgreSQL's ``lock_not_available`` 55P03, a
``deadlock_detected`` 40P01, SQLite's "database is locked" after its own ``timeout``
option) become ``LockBusy``, which is each service's own error (``BookingError``,
``CheckoutError``, ...) with the code ``busy``: the service's transaction is rolled back
and its callers, who already catch its error, show the message.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

from django.db import DatabaseError, connections, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from ..conf import passes_settings
from ..exceptions import BookingError, CheckoutError, PassError, ScheduleError

BUSY = "busy"

# SQLSTATEs of a wait that was given up: lock_not_available (lock_timeout, NOWAIT) and
# deadlock_detected (PostgreSQL chose this transaction to break a cycle).
GAVE_UP_WAITING = {"55P03", "40P01"}


class LockBusy(BookingError, CheckoutError, PassError, ScheduleError):
    """A lock not granted in time. It is every service's error at once, so whoever
    catches the error of the service they called (``except BookingError``) sees it, with
    ``code == "busy"``."""

    code = BUSY

    def __init__(self, message: str | None = None, **details):
        super().__init__(message or busy_message(), **details)


def busy_message() -> str:
    return _("Many people are booking right now: nothing was changed. Try again in a moment.")


def timeout_ms() -> int:
    """``WAGTAIL_PASSES_LOCK_TIMEOUT`` in whole milliseconds (at least 1: 0 would mean
    "wait for ever" to PostgreSQL)."""
    seconds = Decimal(str(passes_settings.LOCK_TIMEOUT))
    return max(1, int(seconds * 1000))


def bounded(queryset):
    """``queryset`` whose rows are locked within the lock timeout (see the module). Only
    PostgreSQL knows ``lock_timeout``; elsewhere it is a copy of the queryset as it is
    (a copy: evaluating it never fills the caller's queryset's cache)."""
    if connections[queryset.db].vendor != "postgresql":
        return queryset.all()
    sets_timeout = RawSQL(
        "set_config('lock_timeout', %s, true) IS NOT NULL",
        (f"{timeout_ms()}ms",),
        output_field=BooleanField(),
    )
    return queryset.filter(sets_timeout)


def bound_waits(using: str | None = None) -> None:
    """Set the lock timeout with a statement of its own, for a transaction whose first
    wait is not a lock query (creating a row other transactions may create at once).
    Costs a round trip: the lock helpers use ``bounded()`` instead."""
    connection = connections[using or "default"]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{timeout_ms()}ms"])


def gave_up_waiting(error: BaseException) -> bool:
    """Whether ``error`` is a database's "waited too long for a lock"."""
    if not isinstance(error, DatabaseError):
        return False
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in GAVE_UP_WAITING:
        return True
    # SQLite has no codes we can read; its message is stable ("database is locked",
    # "database table is locked").
    return "is locked" in str(error) and "sqlite" in type(cause).__module__


@contextlib.contextmanager
def refusing_busy():
    """Turn a given-up lock wait inside the block into ``LockBusy``."""
    try:
        yield
    except DatabaseError as error:
        if gave_up_waiting(error):
            raise LockBusy() from error
        raise


@contextlib.contextmanager
def atomic(using: str | None = None):
    """``transaction.atomic()`` for a service whose waits are bounded: a given-up wait
    anywhere in it rolls it back and is refused ``busy``. The translation sits inside the
    transaction, so a failing ``on_commit`` callback (the write already committed) is
    never reported as "nothing was saved"."""
    with transaction.atomic(using=using), refusing_busy():
        yield


def locked_rows(queryset) -> list:
    """The rows of ``queryset`` (a ``select_for_update()`` one), locked within the lock
    timeout, else refused ``busy``."""
    with refusing_busy():
        return list(bounded(queryset))


def locked_row(queryset, **lookup):
    """``queryset.get(**lookup)``, locked within the lock timeout, else refused ``busy``
    (``DoesNotExist`` as ``get`` raises it)."""
    with refusing_busy():
        return bounded(queryset).get(**lookup)
