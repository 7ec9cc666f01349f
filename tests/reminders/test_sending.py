"""N3: a reminder once per pass and threshold, never for a pass that has nothing to
remind of, and never for a member who turned them off. Dates worked out by hand from
conftest.TODAY (Friday 5 June 2026) and LAST_DAY (Friday 12 June 2026)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from wagtail_passes import services
from wagtail_passes.exceptions import PassesError
from wagtail_passes.models import MemberPass, MemberProfile, PassStatus, ReminderSent
from wagtail_passes.tasks import send_expiry_reminders_task
from wagtail_passes.test.factories import StaffFactory, UserFactory, member_pass

from .conftest import LAST_DAY, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the reminders on ``today`` with the on-commit emails sent; returns the report."""

    def go(today=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.send_expiry_reminders(today)

    return go


def seven_day_pass(member, **fields):
    mp = member_pass(member, title="Ten classes", quantity=Decimal(10), duration_days=7, **fields)
    assert mp.valid_until == LAST_DAY  # bought today: 5 June + 7 days
    return mp


def recorded(mp):
    return sorted(ReminderSent.objects.filter(member_pass=mp).values_list("days_before", flat=True))


def test_n3_a_pass_ending_in_7_days_gets_one_email(run, member, now):
    mp = seven_day_pass(member)

    report = run()

    assert (report.today, report.sent, report.recorded) == (TODAY, [mp.pk], 1)
    assert recorded(mp) == [7]
    (message,) = mail.outbox
    assert message.to == ["lee@example.com"]
    assert message.subject == "Your pass “Ten classes” ends in 7 days"
    assert report.summary() == "2026-06-05: 1 expiry reminders sent, 1 thresholds recorded"


def test_n3_eight_days_before_is_too_early(run, member, now):
    mp = seven_day_pass(member)
    report = run(TODAY - dt.timedelta(days=1))
    assert (report.sent, recorded(mp), mail.outbox) == ([], [], [])


def test_n3_the_same_day_twice_sends_one_email(run, member, now):
    mp = seven_day_pass(member)
    run()
    second = run()
    assert (second.sent, second.recorded) == ([], 0)
    assert len(mail.outbox) == 1
    assert recorded(mp) == [7]


def test_n3_the_next_threshold_sends_a_second_email_and_only_once(run, member, now):
    mp = seven_day_pass(member)
    run()  # 7 days before
    for day in (6, 7, 8, 9, 10):  # 6 to 2 days before: the 7-day reminder is sent already
        assert run(dt.date(2026, 6, day)).sent == []
    assert len(mail.outbox) == 1

    report = run(dt.date(2026, 6, 11))  # 1 day before
    assert report.sent == [mp.pk]
    assert mail.outbox[1].subject == "Your pass “Ten classes” ends tomorrow"
    assert recorded(mp) == [1, 7]

    assert run(dt.date(2026, 6, 12)).sent == []  # the last day: nothing new
    assert run(dt.date(2026, 6, 11)).sent == []
    assert len(mail.outbox) == 2


def test_n3_a_late_first_run_sends_one_email_and_records_both(run, member, now):
    mp = seven_day_pass(member)

    report = run(dt.date(2026, 6, 11))  # the job did not run until the day before

    assert (report.sent, report.recorded) == ([mp.pk], 2)
    assert recorded(mp) == [1, 7]
    (message,) = mail.outbox
    assert message.subject == "Your pass “Ten classes” ends tomorrow"
    assert run(dt.date(2026, 6, 12)).sent == []


def test_n3_the_last_day_itself_still_reminds_when_nothing_was_sent(run, member, now):
    mp = seven_day_pass(member)
    assert run(LAST_DAY).sent == [mp.pk]
    assert mail.outbox[0].subject == "Your pass “Ten classes” ends today"
    assert recorded(mp) == [1, 7]


def test_n3_the_thresholds_come_from_the_setting(run, member, now, settings):
    settings.WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS = [3]
    mp = seven_day_pass(member)
    assert run().sent == []  # 7 days before
    assert run(dt.date(2026, 6, 9)).sent == [mp.pk]  # 3 days before
    assert recorded(mp) == [3]
    settings.WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS = []
    assert run(dt.date(2026, 6, 11)).sent == []


def used_up(mp):
    services.adjust_pass(mp, Decimal(-10), StaffFactory(), "used at the desk")


def cancelled(mp):
    services.cancel_pass(mp, StaffFactory(), "refunded")


def expired(mp):
    # A stored status staff or the daily job wrote; the window alone would still remind.
    MemberPass.objects.filter(pk=mp.pk).update(status=PassStatus.EXPIRED)


def reminders_off(mp):
    MemberProfile.objects.create(member=mp.member, expiry_reminders=False)


@pytest.mark.parametrize("make", [used_up, cancelled, expired, reminders_off])
def test_n3_nothing_left_over_or_unwanted_gets_no_reminder(run, member, now, make):
    mp = seven_day_pass(member)
    make(mp)
    report = run()
    assert (report.sent, recorded(mp), mail.outbox) == ([], [], [])


def test_n3_a_pass_past_its_last_day_gets_none(run, member, now):
    mp = seven_day_pass(member)
    assert run(LAST_DAY + dt.timedelta(days=1)).sent == []
    assert recorded(mp) == []


def test_n3_a_pass_without_expiry_gets_none(run, member, now):
    mp = member_pass(member, quantity=Decimal(10), duration_days=0)
    assert mp.valid_until is None
    assert run().sent == []


def test_n3_a_profile_that_wants_reminders_gets_them(run, member, now):
    MemberProfile.objects.create(member=member, expiry_reminders=True)
    mp = seven_day_pass(member)
    assert run().sent == [mp.pk]


def test_n3_turning_reminders_off_after_the_first_stops_the_second(run, member, now):
    mp = seven_day_pass(member)
    run()
    reminders_off(mp)
    assert run(dt.date(2026, 6, 11)).sent == []
    assert recorded(mp) == [7]


def test_n3_a_pass_on_hold_is_reminded(run, member, now):
    mp = seven_day_pass(member)
    services.hold_pass(mp, dt.date(2026, 6, 5), dt.date(2026, 6, 6), StaffFactory())
    mp.refresh_from_db()
    # The hold moved the last day out by its 2 days: Sunday 14 June, 9 days away.
    assert mp.valid_until == dt.date(2026, 6, 14)
    assert run().sent == []
    assert run(dt.date(2026, 6, 7)).sent == [mp.pk]


def test_n3_a_member_without_an_email_address_is_recorded_but_not_mailed(run, now):
    mp = seven_day_pass(UserFactory(email=""))
    assert run().sent == [mp.pk]
    assert (recorded(mp), mail.outbox) == ([7], [])


def test_n3_today_must_be_a_date():
    with pytest.raises(PassesError) as caught:
        services.send_expiry_reminders(dt.datetime(2026, 6, 5, 10, tzinfo=dt.UTC))
    assert caught.value.code == "invalid_date"


def test_n3_the_task_runs_the_service(member, now, django_capture_on_commit_callbacks):
    mp = seven_day_pass(member)
    with django_capture_on_commit_callbacks(execute=True):
        result = send_expiry_reminders_task.enqueue("2026-06-11")
    assert result.return_value == "2026-06-11: 1 expiry reminders sent, 2 thresholds recorded"
    assert recorded(mp) == [1, 7]
    assert len(mail.outbox) == 1


def test_n3_queries_do_not_grow_with_passes_not_due(run, now, django_assert_max_num_queries):
    for _ in range(10):
        seven_day_pass(UserFactory())
    run()  # all reminded: the next run finds nothing due
    with django_assert_max_num_queries(2):  # the candidates, the reminders sent
        assert run().sent == []


def test_n3_queries_per_pass_due_are_constant(
    member, now, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for _ in range(5):
        seven_day_pass(UserFactory())
    # 2 for the batch; per pass: savepoint pairs, lock, opt-out, sent rows, insert, member.
    with django_assert_max_num_queries(2 + 5 * 9):
        with django_capture_on_commit_callbacks(execute=False):
            assert len(services.send_expiry_reminders().sent) == 5
