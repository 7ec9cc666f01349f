"""The daily job (V6, V7): expiry is written, holds come and go, twice changes nothing."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from wagtail_passes import services, signals
from wagtail_passes.exceptions import PassError
from wagtail_passes.models import LedgerKind, MemberPass, PassStatus
from wagtail_passes.services.facts import local_today
from wagtail_passes.tasks import run_daily_job
from wagtail_passes.test.factories import SessionFactory, StaffFactory, member_pass

from .oracle import check_pass

pytestmark = pytest.mark.django_db


def days_later(n):
    """Travel to noon, ``n`` days from today."""
    noon = timezone.make_aware(dt.datetime.combine(local_today(), dt.time(12)))
    return time_machine.travel(noon + dt.timedelta(days=n), tick=False)


def movements(mp):
    return list(mp.ledger.order_by("pk").values_list("kind", "amount"))


def test_v6_a_pass_past_its_window_expires_with_what_was_left_written_off(
    django_capture_on_commit_callbacks,
):
    mp = member_pass(quantity=Decimal(10), duration_days=7)
    expired = []

    def receiver(sender, member_pass, **kwargs):
        expired.append(member_pass.pk)

    signals.pass_expired.connect(receiver)
    with days_later(7):  # the last valid day
        assert services.run_daily().expired == []
    with days_later(8), django_capture_on_commit_callbacks(execute=True):
        report = services.run_daily()
        assert report.expired == [mp.pk]
        check_pass(mp, local_today())
    mp.refresh_from_db()
    assert (mp.status, mp.balance) == (PassStatus.EXPIRED, 0)
    assert movements(mp)[-1] == (LedgerKind.EXPIRE, Decimal(-10))
    assert expired == [mp.pk]
    signals.pass_expired.disconnect(receiver)


def test_v6_the_daily_job_twice_changes_nothing():
    mp = member_pass(quantity=Decimal(10), duration_days=3)
    with days_later(5):
        services.run_daily()
        before = (movements(mp), MemberPass.objects.filter(pk=mp.pk).values().get())
        report = services.run_daily()
        after = (movements(mp), MemberPass.objects.filter(pk=mp.pk).values().get())
    assert before == after
    assert (report.expired, report.written_off, report.on_hold, report.resumed) == ([], [], [], [])


@pytest.mark.parametrize(
    "product",
    [
        {"kind": "unlimited", "quantity": None, "duration_days": 5},
        {"kind": "entries", "quantity": Decimal(1), "duration_days": 5, "used_up": True},
    ],
    ids=["unlimited", "used-up"],
)
def test_v6_nothing_left_still_records_when_it_expired(product):
    used_up = product.pop("used_up", False)
    mp = member_pass(**product)
    if used_up:
        services.adjust_pass(mp, Decimal(-1), StaffFactory(), "used at the desk")
    with days_later(6):
        services.run_daily()
    mp.refresh_from_db()
    assert mp.status == PassStatus.EXPIRED
    assert movements(mp)[-1] == (LedgerKind.EXPIRE, Decimal(0))


def test_v6_a_from_first_use_pass_never_used_does_not_expire():
    mp = member_pass(validity_basis="first_use", duration_days=7)
    with days_later(400):
        services.run_daily()
    mp.refresh_from_db()
    assert mp.status == PassStatus.ACTIVE


def test_v7_on_hold_while_today_is_inside_a_hold_and_active_again_after():
    mp = member_pass(duration_days=30)
    today = local_today()
    services.hold_pass(
        mp, today + dt.timedelta(days=2), today + dt.timedelta(days=4), StaffFactory()
    )
    with days_later(2):
        assert services.run_daily().on_hold == [mp.pk]
        assert services.run_daily().on_hold == []
        check_pass(mp, local_today())
    assert MemberPass.objects.get(pk=mp.pk).status == PassStatus.ON_HOLD
    with days_later(5):
        assert services.run_daily().resumed == [mp.pk]
        check_pass(mp, local_today())
    assert MemberPass.objects.get(pk=mp.pk).status == PassStatus.ACTIVE


def test_v7_a_hold_starting_today_shows_at_once():
    mp = member_pass(duration_days=30)
    services.hold_pass(mp, local_today(), local_today() + dt.timedelta(days=1), StaffFactory())
    assert MemberPass.objects.get(pk=mp.pk).status == PassStatus.ON_HOLD


def test_v6_command_and_task_run_the_same_job():
    mp = member_pass(quantity=Decimal(3), duration_days=1)
    out = StringIO()
    later = (local_today() + dt.timedelta(days=3)).isoformat()
    call_command("passes_daily", "--date", later, stdout=out)
    assert "1 expired" in out.getvalue()
    assert MemberPass.objects.get(pk=mp.pk).status == PassStatus.EXPIRED
    with pytest.raises(CommandError):
        call_command("passes_daily", "--date", "31/12/2027")
    result = run_daily_job.enqueue(later)
    assert "0 expired" in result.return_value


def test_v6_a_write_that_finds_the_window_ended_expires_the_pass_and_says_so(
    django_capture_on_commit_callbacks,
):
    """Before the daily job ran: staff give back the entry of a past booking on a pass whose
    window has ended; the pass expires at once, with the movement and signal the job would
    have written. Adjusting such a pass is refused (extend it first)."""
    mp = member_pass(quantity=Decimal(5), duration_days=2)
    tomorrow = timezone.make_aware(dt.datetime.combine(local_today(), dt.time(18)))
    session = SessionFactory(
        start=tomorrow + dt.timedelta(days=1), end=tomorrow + dt.timedelta(days=1, hours=1)
    )
    booking = services.book(mp.member, session)
    staff = StaffFactory()
    expired = []

    def receiver(sender, member_pass, **kwargs):
        expired.append(member_pass.pk)

    signals.pass_expired.connect(receiver)
    try:
        with days_later(4), django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(PassError) as refused:
                services.adjust_pass(mp, Decimal(1), staff, "late goodwill")
            assert refused.value.message == "An expired pass cannot be adjusted; extend it first."
            services.cancel_booking(booking, by=staff, return_entry=True)
            check_pass(mp, local_today())
            assert services.run_daily().expired == []  # nothing left for the job
    finally:
        signals.pass_expired.disconnect(receiver)
    assert expired == [mp.pk]
    mp.refresh_from_db()
    assert (mp.status, mp.balance) == (PassStatus.EXPIRED, 0)
    assert movements(mp)[-2:] == [(LedgerKind.RETURN, 1), (LedgerKind.EXPIRE, Decimal(-5))]
