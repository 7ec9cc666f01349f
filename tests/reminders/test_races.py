"""N3 under real concurrency (PostgreSQL, threads): two reminder runs at once send one
email per pass and threshold. Skipped on SQLite."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.core import mail

from wagtail_passes import services
from wagtail_passes.models import ReminderSent
from wagtail_passes.test.factories import UserFactory, member_pass

from ..concurrency.conftest import concurrently  # noqa: F401  (the fixture)
from .conftest import TODAY

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

#: Head starts (seconds) for the two runs, so both orders of the critical sections occur.
STAGGER = [(0, 0), (0.01, 0), (0, 0.01), (0.03, 0), (0, 0.03)]


def run_after(delay, today):
    if delay:
        time.sleep(delay)
    return services.send_expiry_reminders(today)


@pytest.mark.parametrize(
    ("today", "expected"),
    [(TODAY, [7]), (TODAY + dt.timedelta(days=6), [1, 7])],
    ids=["7-days-before", "late-first-run"],
)
def test_n3_two_runs_at_once_send_one_email(concurrently, now, today, expected):  # noqa: F811
    for step, (first, second) in enumerate(STAGGER):
        mail.outbox.clear()
        passes = [
            member_pass(UserFactory(), quantity=Decimal(10), duration_days=7) for _ in range(3)
        ]
        results = concurrently(run_after, [(first, today), (second, today)])

        assert [kind for kind, _ in results] == ["ok", "ok"], (step, results)
        sent = sorted(pk for _, report in results for pk in report.sent)
        assert sent == sorted(p.pk for p in passes), step
        assert len(mail.outbox) == 3, step
        assert sorted(m.to[0] for m in mail.outbox) == sorted(p.member.email for p in passes)
        for mp in passes:
            rows = ReminderSent.objects.filter(member_pass=mp).values_list("days_before", flat=True)
            assert sorted(rows) == expected, step
