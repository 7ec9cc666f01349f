"""Background work, through the Django Tasks API (``django.tasks`` on Django 6+, else the
``django-tasks`` backport; see ``compat.task``).

With the default Immediate backend a task runs as soon as it is enqueued; configure a
real backend in ``TASKS`` (django-tasks-db's ``DatabaseBackend`` with ``db_worker``, see
docs/how-to/deploy.md) to send emails from a worker instead. Tasks take ids, not model
instances, and read fresh rows when they run.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .compat import task
from .models import Booking, Order, Session


@task()
def send_member_email(
    name: str,
    member_id: int,
    booking_id: int | None = None,
    session_id: int | None = None,
    returned: bool = False,
    extra: dict | None = None,
    order_id: int | None = None,
    base_url: str = "",
    changed_at: str = "",
) -> bool:
    """Render and send one member email (``services.notifications``); ``extra`` holds
    plain values for the template (such as a moved session's previous time).
    ``base_url`` is the address of the request that caused the email ("": the configured
    one, ``services.base_url``); ``changed_at`` the ISO moment of the change behind it."""
    from .services.notifications import render_and_send

    member = get_user_model().objects.filter(pk=member_id).first()
    if member is None:
        return False
    context: dict = {
        "returned": returned,
        **(extra or {}),
        "base_url": base_url,
        "changed_at": changed_at,
    }
    if booking_id is not None:
        context["booking"] = (
            Booking.objects.select_related(
                "session__programme_class__programme", "member_pass", "person"
            )
            .filter(pk=booking_id)
            .first()
        )
    if session_id is not None:
        context["session"] = Session.objects.with_related().filter(pk=session_id).first()
    if order_id is not None:
        context["order"] = Order.objects.prefetch_related("lines").filter(pk=order_id).first()
    return render_and_send(name, member, context)


@task()
def run_daily_job(day: str | None = None) -> str:
    """The daily job (``services.daily.run_daily``) as a task, for a scheduler that
    enqueues tasks; ``day`` is an ISO date, default today. Returns its summary."""
    import datetime as dt

    from .services.daily import run_daily

    return run_daily(dt.date.fromisoformat(day) if day else None).summary()


@task()
def send_expiry_reminders_task(day: str | None = None) -> str:
    """The expiry reminders (N3, ``services.reminders.send_expiry_reminders``) as a task;
    ``day`` is an ISO date, default today. Returns its summary."""
    import datetime as dt

    from .services.reminders import send_expiry_reminders

    return send_expiry_reminders(dt.date.fromisoformat(day) if day else None).summary()


@task()
def run_tidy_job() -> str:
    """The tidy job (``services.tidy.run_tidy``: unpaid orders whose hold ran out expire)
    as a task, for a scheduler that enqueues one every few minutes. Returns its summary."""
    from .services.tidy import run_tidy

    return run_tidy().summary()


@task()
def expire_order_at_hold_end(order_id: int) -> bool:
    """Expire one unpaid order once its hold has ended (C5), enqueued with ``run_after``
    when it is placed, where the backend can defer tasks (``services.holds``). True when it
    expired; False when it was paid, cancelled or deleted meanwhile, or is owed (P4)."""
    from .services.orders import expire_order

    if not Order.objects.filter(pk=order_id).exists():
        return False
    return expire_order(order_id)


@task()
def book_held_series_dates() -> str:
    """Book the held dates of series whose booking has opened (T1,
    ``services.series.book_held_dates``), enqueued for when the first one opens where the
    backend can defer tasks; the daily job runs it too. Returns its summary."""
    from .services.series import book_held_dates

    return book_held_dates().summary()
