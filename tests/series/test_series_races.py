"""T1 under real concurrency (PostgreSQL, threads): the held-dates job and a direct
booking of the same person and session at once end with exactly one active booking, which
the series date then shows. Every refusal must be an expected ``BookingError``."""

import datetime as dt
import traceback

import pytest
from django.conf import settings

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import Booking, SeriesDate, SeriesDateState
from wagtail_passes.test.factories import UserFactory

from ..concurrency.conftest import concurrently  # noqa: F401 (a fixture)
from .conftest import FIRST, LAST, SIX, TUESDAY, make_class, sessions_of

ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
# Skipped before any database work on SQLite: a transactional test flushes every table.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (row locks and threads)"),
    pytest.mark.django_db(transaction=True),
    # Named, so the suite puts Wagtail's root page back after this test's flush (conftest).
    *([pytest.mark.usefixtures("transactional_db")] if ON_POSTGRES else []),
]

ROUNDS = 6


def outcome(result):
    kind, value = result
    if kind == "ok":
        return "ok"
    trace = "".join(traceback.format_exception(value))
    assert isinstance(value, BookingError), f"unexpected exception:\n{trace}"
    return value.code


def test_T1_held_job_and_direct_booking_at_the_same_instant(concurrently, clock):  # noqa: F811
    klass = make_class(booking_opens_days_before=7, default_capacity=50)
    sessions = sessions_of(klass)
    contested = sessions[dt.date(2027, 3, 23)]
    rounds = []
    for _ in range(ROUNDS):
        member = UserFactory()
        result = services.book_series(
            member, klass, weekday=TUESDAY, time=SIX, starts_on=FIRST, ends_on=LAST
        )
        rounds.append((member, next(i for i in result.dates if i.session_id == contested.pk)))
    opened = rounds[0][1].opens_at
    clock.move_to(opened + dt.timedelta(minutes=1))

    for member, item in rounds:
        # Only this round's date is due: the others wait for their round.
        held = SeriesDate.objects.filter(state=SeriesDateState.HELD)
        held.update(opens_at=opened + dt.timedelta(days=1))
        held.filter(pk=item.pk).update(opens_at=opened)
        job, direct = concurrently(
            lambda fn, *args: fn(*args),
            [(services.book_held_dates,), (services.book, member, contested)],
        )
        job, direct = outcome(job), outcome(direct)
        assert job == "ok" and direct in {"ok", "already_booked", "busy"}, (job, direct)
        item.refresh_from_db()
        active = Booking.objects.active().filter(person=item.person, session=contested)
        assert active.count() == 1
        if item.state == SeriesDateState.HELD:  # the job was refused busy: it retries
            assert item.code == "busy"
        else:
            assert item.state == SeriesDateState.BOOKED and item.booking == active.get()
