"""Background work, through the Django Tasks API (django-tasks, which Wagtail uses).

With the default Immediate backend a task runs as soon as it is enqueued; configure a
database or other backend in ``TASKS`` to send emails from a worker instead. Tasks
take ids, not model instances, and read fresh rows when they run.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from .models import Booking, Session


@task()
def send_member_email(
    name: str,
    member_id: int,
    booking_id: int | None = None,
    session_id: int | None = None,
    returned: bool = False,
) -> bool:
    from .services.notifications import render_and_send

    member = get_user_model().objects.filter(pk=member_id).first()
    if member is None:
        return False
    context: dict = {"returned": returned}
    if booking_id is not None:
        context["booking"] = (
            Booking.objects.select_related("session__programme_class__programme", "member_pass")
            .filter(pk=booking_id)
            .first()
        )
    if session_id is not None:
        context["session"] = Session.objects.with_related().filter(pk=session_id).first()
    return render_and_send(name, member, context)
