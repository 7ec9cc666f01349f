"""The booking burst from two separate OS processes (issue 20): not threads of one Python
process sharing its interpreter, but two programs with their own connections, as two web
workers would be, against one PostgreSQL database."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, Sum

from wagtail_passes.models import Booking, MemberPass, WaitlistEntry, WaitlistStatus
from wagtail_passes.services import issue_member_pass
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.postgres,
    # The worker processes read what the test wrote: it must be committed.
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
CAPACITY, MEMBERS = 10, 40


def database_url() -> str:
    """The test database (pytest-django's ``test_`` name), for the worker processes."""
    db = connection.settings_dict
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def start_worker(session, members) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.concurrency.burst_worker", str(session.pk)]
        + [str(member.pk) for member in members],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_p7_two_processes_book_forty_members_into_ten_places():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (two processes on one database); set DATABASE_URL")
    programme = ProgrammeFactory(require_valid_pass=True)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(programme=programme), capacity=CAPACITY
    )
    product = PassPageFactory(quantity=Decimal(5), programmes=[programme])
    members = [UserFactory() for _ in range(MEMBERS)]
    for member in members:
        issue_member_pass(member, product, paid=True)

    # Each process books a different half, interleaved so both reach the last places.
    workers = [start_worker(session, members[0::2]), start_worker(session, members[1::2])]
    try:
        for worker in workers:  # both set up, then started together
            line = worker.stdout.readline().strip()
            assert line == "ready", line + worker.stderr.read()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=60) for worker in workers]  # else: a hang
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    outcomes = {}
    for out, _err in outputs:
        outcomes.update(json.loads(out.strip().splitlines()[-1]))

    assert sorted(set(outcomes.values())) == ["booked", "waiting"], outcomes
    assert list(outcomes.values()).count("booked") == CAPACITY
    active = Booking.objects.active().filter(session=session)
    # Nothing is cancelled here, so the end is the peak: capacity was never exceeded.
    assert active.aggregate(n=Sum("attendees"))["n"] == CAPACITY
    assert active.count() == CAPACITY
    twice = active.values("member").annotate(n=Count("pk")).filter(n__gt=1)
    assert not twice.exists(), list(twice)
    assert {str(b.member_id) for b in active} == {
        pk for pk, outcome in outcomes.items() if outcome == "booked"
    }
    waiting = WaitlistEntry.objects.filter(session=session, status=WaitlistStatus.WAITING)
    assert waiting.count() == MEMBERS - CAPACITY
    for member_pass in MemberPass.objects.filter(member__in=members):
        ledger = member_pass.ledger.aggregate(total=Sum("amount"))["total"]
        assert ledger == member_pass.balance, member_pass
        booked = active.filter(member=member_pass.member_id).exists()
        assert member_pass.balance == Decimal(4 if booked else 5)
