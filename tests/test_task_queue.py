"""Member emails go through a real Tasks queue: a booking enqueues its confirmation in the
database when it commits, and the email is sent only when the worker (``db_worker``) runs.

PostgreSQL only (the production setup). The backend is django-tasks-db's
``DatabaseBackend``, or on django-tasks < 0.12 (Wagtail 7.0-7.2, which cannot install
django-tasks-db) the backport's own ``django_tasks.backends.database.DatabaseBackend``.
"""

import contextlib
import datetime as dt
import signal

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils.module_loading import import_string

from wagtail_passes import services
from wagtail_passes.tasks import send_member_email
from wagtail_passes.test.factories import SessionFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    # The worker reads committed rows, as it does in production.
    pytest.mark.django_db(transaction=True),
]


def database_backend() -> str | None:
    if apps.is_installed("django_tasks_db"):
        return "django_tasks_db.DatabaseBackend"
    if apps.is_installed("django_tasks.backends.database"):  # django-tasks < 0.12
        return "django_tasks.backends.database.DatabaseBackend"
    return None


@pytest.fixture
def backend():
    """The dotted path of the installed database Tasks backend (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        pytest.skip("the task queue proof runs on PostgreSQL only: set DATABASE_URL=postgres://...")
    path = database_backend()
    if path is None:
        pytest.skip("no database Tasks backend installed (pip install django-tasks-db)")
    # The Tasks API caches its backends and drops them when TASKS changes; django-tasks
    # < 0.12 connects that receiver only in its own app's ready(), so connect it here.
    with contextlib.suppress(ImportError):
        import django_tasks.signal_handlers  # noqa: F401
    return path


@contextlib.contextmanager
def tasks_in_database(backend, **options):
    """TASKS set to the database backend; yields the backend's queue model.

    Only our own code runs inside: Wagtail's tasks (its reference index, enqueued when
    the factories save models) were built at import for the Immediate backend, and on
    Django 6 a backport-built task cannot go to django.tasks' DatabaseBackend. A real
    site sets TASKS before Wagtail is imported, and then Wagtail's tasks use it too.
    """
    with override_settings(TASKS={"default": {"BACKEND": backend, **options}}):
        assert isinstance(send_member_email.get_backend(), import_string(backend))
        yield apps.get_model("django_tasks_database", "DBTaskResult")


def run_worker_once():
    """``db_worker --batch``: run every queued task, then exit."""
    # The worker installs its own signal handlers; give pytest its own back.
    names = ("SIGINT", "SIGTERM", "SIGQUIT")
    saved = {
        getattr(signal, n): signal.getsignal(getattr(signal, n))
        for n in names
        if hasattr(signal, n)
    }
    try:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_booking_email_is_queued_then_sent_by_the_worker(backend):
    member = UserFactory()
    session = SessionFactory()
    mail.outbox.clear()

    with tasks_in_database(backend) as queue:
        booking = services.book(member, session)

        assert mail.outbox == []
        queued = queue.objects.get()
        assert queued.task_path == "wagtail_passes.tasks.send_member_email"
        assert queued.args_kwargs["kwargs"]["member_id"] == member.pk
        assert queued.args_kwargs["kwargs"]["booking_id"] == booking.pk
        assert queued.status in {"READY", "NEW"}  # django-tasks-db / django-tasks 0.7

        run_worker_once()

    assert [m.to for m in mail.outbox] == [[member.email]]
    assert mail.outbox[0].subject.startswith("Booked:")
    queued.refresh_from_db()
    assert queued.status in {"SUCCESSFUL", "SUCCEEDED"}


def test_a_bookings_email_task_is_written_in_the_bookings_own_transaction(backend):
    """With the queue in the database the task's row is inserted inside the booking's
    transaction (no commit of its own): it is there before the commit, on the same
    connection, and gone with a booking rolled back."""
    from django.db import transaction

    member, session = UserFactory(), SessionFactory()
    # django-tasks < 0.12's own database backend defers every enqueue to the commit unless
    # told not to (its ENQUEUE_ON_COMMIT option; later versions have no such option).
    with tasks_in_database(backend, ENQUEUE_ON_COMMIT=False) as queue:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.book(member, session)
            assert queue.objects.count() == 1  # written, not yet committed
            raise RuntimeError("the host's code fails after booking")
        assert queue.objects.count() == 0
        assert not services.places_taken(session)

        booking = services.book(member, session)
        (queued,) = queue.objects.all()
        assert queued.args_kwargs["kwargs"]["booking_id"] == booking.pk


def test_c5_a_card_order_expires_by_the_worker_once_its_hold_ends(backend, time_machine):
    """The queue can defer: placing a card order enqueues its expiry for the hold's end
    (``run_after``); the worker leaves it until then, then expires the order and emails."""
    from wagtail_passes.models import Order, OrderState
    from wagtail_passes.test.factories import PassPageFactory

    member, product = UserFactory(), PassPageFactory()
    mail.outbox.clear()

    with tasks_in_database(backend) as queue:
        order = services.place_order(member, product, provider="stripe")
        deferred = queue.objects.get(task_path="wagtail_passes.tasks.expire_order_at_hold_end")
        assert deferred.run_after == order.expires_at

        run_worker_once()  # the "order received" email; the hold still runs
        assert Order.objects.get(pk=order.pk).state == OrderState.PENDING
        time_machine.move_to(order.expires_at + dt.timedelta(seconds=1))
        run_worker_once()

    assert Order.objects.get(pk=order.pk).state == OrderState.EXPIRED
    assert [m.subject for m in mail.outbox][-1] == f"Order {order.reference} expired"
    deferred.refresh_from_db()
    assert deferred.status in {"SUCCESSFUL", "SUCCEEDED"}
