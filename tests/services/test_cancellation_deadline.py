"""One cancellation deadline (P6): what members read and what is enforced are the same
moment, also on the morning after a clock change (Europe/London, the tests' zone).

24 hours before a session are 24 real hours: on the morning after the clocks go
forward, the deadline of a 09:00 session is 08:00 the day before; after they go back,
10:00 the day before.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import BookingStatus
from wagtail_passes.presentation import format_moment
from wagtail_passes.test.factories import ProgrammeClassFactory, SessionFactory, member_pass

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

# (session start, local; the deadline 24 real hours before, local, worked out by hand)
CLOCK_CHANGES = {
    # Clocks go forward at 01:00 GMT on Sunday 28 March 2027.
    "spring": (dt.datetime(2027, 3, 28, 9, 0, tzinfo=LONDON), "27 March 2027, 08:00"),
    # Clocks go back at 02:00 BST on Sunday 31 October 2027.
    "autumn": (dt.datetime(2027, 10, 31, 9, 0, tzinfo=LONDON), "30 October 2027, 10:00"),
}
DEADLINE_UTC = {
    "spring": dt.datetime(2027, 3, 27, 8, 0, tzinfo=UTC),
    "autumn": dt.datetime(2027, 10, 30, 9, 0, tzinfo=UTC),
}


def session_at(start):
    return SessionFactory(
        programme_class=ProgrammeClassFactory(programme__cancellation_cutoff_hours=24),
        start=start,
        end=start + dt.timedelta(hours=1),
    )


@pytest.mark.parametrize("change", sorted(CLOCK_CHANGES))
def test_p6_deadline_shown_is_the_deadline_enforced_after_a_clock_change(change):
    start, shown = CLOCK_CHANGES[change]
    session = session_at(start)
    deadline = DEADLINE_UTC[change]

    assert session.cancellation_deadline == deadline
    assert format_moment(session.cancellation_deadline) == shown

    mp = member_pass()
    with time_machine.travel(deadline - dt.timedelta(days=3), tick=False):
        on_time = services.book(mp.member, session)
        late = services.book(member_pass().member, session)
    with time_machine.travel(deadline, tick=False):  # the deadline itself still counts
        assert services.cancel_booking(on_time).status == BookingStatus.CANCELLED
    with time_machine.travel(deadline + dt.timedelta(seconds=1), tick=False):
        with pytest.raises(BookingError) as refused:
            services.cancel_booking(late)
    assert refused.value.code == "cancellation_closed"
    assert shown in refused.value.message


def test_p6_the_hour_the_old_wall_clock_rule_allowed_is_refused():
    """Spring: 24 wall-clock hours would have allowed cancelling until 09:00; it is 08:00."""
    start, _ = CLOCK_CHANGES["spring"]
    session = session_at(start)
    with time_machine.travel(DEADLINE_UTC["spring"] - dt.timedelta(days=2), tick=False):
        booking = services.book(member_pass().member, session)
    with time_machine.travel(dt.datetime(2027, 3, 27, 8, 30, tzinfo=LONDON), tick=False):
        with pytest.raises(BookingError):
            services.cancel_booking(booking)


def test_p6_confirmation_email_names_the_enforced_deadline(django_capture_on_commit_callbacks):
    start, shown = CLOCK_CHANGES["autumn"]
    session = session_at(start)
    with time_machine.travel(DEADLINE_UTC["autumn"] - dt.timedelta(days=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.book(member_pass().member, session)
    (message,) = mail.outbox
    assert "You can cancel until Saturday, 30 October 2027, 10:00." in message.body
    assert "30 October 2027, 10:00" in message.alternatives[0][0]


def test_p6_confirmation_email_never_promises_a_past_deadline(
    django_capture_on_commit_callbacks,
):
    start, _ = CLOCK_CHANGES["spring"]
    session = session_at(start)
    with time_machine.travel(DEADLINE_UTC["spring"] + dt.timedelta(hours=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.book(member_pass().member, session)
    (message,) = mail.outbox
    assert "can no longer be cancelled online" in message.body
    assert "You can cancel until" not in message.body
    assert "can no longer be cancelled online" in message.alternatives[0][0]
