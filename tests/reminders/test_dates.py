"""N3: "days before" counts calendar days in the site's time zone (V5), so neither a clock
change nor a month end moves a reminder. Day counts worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from wagtail_passes import services
from wagtail_passes.models import ReminderSent
from wagtail_passes.rules.reminders import days_left, thresholds_to_record
from wagtail_passes.test.factories import member_pass


def fixed_pass(member, first_day, last_day):
    mp = member_pass(
        member,
        quantity=Decimal(10),
        validity_basis="fixed",
        fixed_start=first_day,
        fixed_end=last_day,
    )
    assert mp.valid_until == last_day
    return mp


def run_at(moment, django_capture_on_commit_callbacks, today=None):
    with time_machine.travel(moment, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            return services.send_expiry_reminders(today)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "due"),
    [
        # 23:30 UTC on Saturday 24 October 2026 is 00:30 BST on Sunday 25 October in London:
        # the site's today is the 25th, 7 days before Sunday 1 November (by UTC's date it
        # would be 8, too early).
        (dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC), True),
        # 22:30 UTC on the 24th is 23:30 BST, still the 24th in London: 8 days, none yet.
        (dt.datetime(2026, 10, 24, 22, 30, tzinfo=dt.UTC), False),
        # After the clocks went back (01:00 UTC, 25 October) London is on GMT: 23:30 UTC on
        # the 25th is still the 25th, 7 days before.
        (dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC), True),
    ],
    ids=["bst-just-after-midnight", "bst-before-midnight", "gmt-late-evening"],
)
def test_n3_days_before_across_the_autumn_clock_change(
    member, moment, due, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC), tick=False):
        mp = fixed_pass(member, dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    report = run_at(moment, django_capture_on_commit_callbacks)
    assert report.sent == ([mp.pk] if due else [])
    assert len(mail.outbox) == (1 if due else 0)


@pytest.mark.django_db
def test_n3_the_spring_clock_change_does_not_shift_the_last_reminder(
    member, django_capture_on_commit_callbacks
):
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026. A pass ending Monday 30
    # March: on the 29th (00:30 UTC = 00:30 GMT, before the change) it is 1 day before.
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        mp = fixed_pass(member, dt.date(2026, 3, 1), dt.date(2026, 3, 30))
    report = run_at(
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC), django_capture_on_commit_callbacks
    )
    assert report.sent == [mp.pk]
    assert sorted(ReminderSent.objects.values_list("days_before", flat=True)) == [1, 7]
    # 23:30 UTC on the 29th is 00:30 BST on the 30th: the last day, nothing new.
    later = run_at(
        dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.UTC), django_capture_on_commit_callbacks
    )
    assert later.sent == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("last_day", "seven_before", "eight_before"),
    [
        # February 2027 has 28 days: 1 March minus 7 days is 22 February.
        (dt.date(2027, 3, 1), dt.date(2027, 2, 22), dt.date(2027, 2, 21)),
        # 2028 is a leap year: 1 March minus 7 days is 23 February.
        (dt.date(2028, 3, 1), dt.date(2028, 2, 23), dt.date(2028, 2, 22)),
        # Over a year end: 3 January 2027 minus 7 days is 27 December 2026.
        (dt.date(2027, 1, 3), dt.date(2026, 12, 27), dt.date(2026, 12, 26)),
        # 31-day month: 1 August minus 7 days is 25 July.
        (dt.date(2027, 8, 1), dt.date(2027, 7, 25), dt.date(2027, 7, 24)),
    ],
)
def test_n3_days_before_across_month_ends(
    member, last_day, seven_before, eight_before, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        mp = fixed_pass(member, dt.date(2026, 12, 1), last_day)
    noon = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    assert run_at(noon, django_capture_on_commit_callbacks, eight_before).sent == []
    assert run_at(noon, django_capture_on_commit_callbacks, seven_before).sent == [mp.pk]
    one_before = last_day - dt.timedelta(days=1)
    assert run_at(noon, django_capture_on_commit_callbacks, one_before).sent == [mp.pk]
    assert len(mail.outbox) == 2


# ---- the pure rule ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "sent", "expected"),
    [
        (8, [], []),  # nothing reached
        (7, [], [7]),
        (5, [], [7]),  # first run 5 days before: the 7-day reminder, late
        (5, [7], []),
        (1, [7], [1]),
        (1, [], [1, 7]),  # late first run: one email, both recorded
        (0, [], [1, 7]),  # the last day
        (0, [1, 7], []),
        (-1, [], []),  # over
        (1, [1], []),  # sent already (and 7 never: a settings change), no late 7
    ],
)
def test_n3_thresholds_to_record(days, sent, expected):
    assert thresholds_to_record(days, [7, 1], sent) == expected


def test_n3_days_left_counts_calendar_days():
    assert days_left(dt.date(2027, 3, 1), dt.date(2027, 2, 28)) == 1
    assert days_left(dt.date(2028, 3, 1), dt.date(2028, 2, 28)) == 2
    assert days_left(dt.date(2026, 6, 12), dt.date(2026, 6, 12)) == 0
