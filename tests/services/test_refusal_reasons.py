"""A refusal says why (R4 with P3), and verdicts are judged on fresh state (R4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.services.facts import local_today
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db


def monday(weeks_ahead=2):
    today = local_today()
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks_ahead)


def session_on(day, klass, hour=18):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


@pytest.fixture
def strict_class():
    return ProgrammeClassFactory(programme=ProgrammeFactory(require_valid_pass=True))


def test_r4_p3_each_pass_held_says_why_it_cannot_pay(strict_class):
    member = UserFactory()
    week = monday()
    member_pass(member, title="10-class pass", period_limit="week", period_max_uses=2, quantity=10)
    services.book(member, session_on(week, strict_class))
    services.book(member, session_on(week + dt.timedelta(days=1), strict_class))
    other = ProgrammeClassFactory()
    member_pass(member, title="Pilates pass", classes=[other])
    PassPageFactory(title="Drop-in pass", programmes=[strict_class.programme])

    with pytest.raises(BookingError) as refused:
        services.book(member, session_on(week + dt.timedelta(days=2), strict_class))

    error = refused.value
    assert error.code == "no_valid_pass"
    next_monday = week + dt.timedelta(days=7)
    assert f"free again on {next_monday:%A}, {next_monday.day} {next_monday:%B %Y}" in error.message
    assert "10-class pass: Weekly limit reached: 2 of 2" in error.message
    assert f"Pilates pass: Not valid for {strict_class.name}" in error.message
    assert "none of yours can pay for it" in error.message
    assert error.message.endswith("On sale and valid for it: Drop-in pass.")
    assert [title for title, _ in error.details["reasons"]] == ["10-class pass", "Pilates pass"]


def test_r4_p3_staff_read_about_the_members_passes(strict_class):
    member = UserFactory()
    member_pass(member, title="Trial", quantity=Decimal(1))
    services.book(member, session_on(monday(), strict_class))
    with pytest.raises(BookingError) as refused:
        services.book(
            member, session_on(monday() + dt.timedelta(days=1), strict_class), by=StaffFactory()
        )
    assert "none of the member's passes can pay" in refused.value.message
    assert "Trial: Used up: no entries left" in refused.value.message


def test_r4_p3_an_expired_pass_is_named_with_its_date(strict_class):
    member = UserFactory()
    mp = member_pass(member, title="Spring pass", duration_days=1)
    services.run_daily(local_today() + dt.timedelta(days=5))
    mp.refresh_from_db()
    with pytest.raises(BookingError) as refused:
        services.book(member, session_on(monday(), strict_class))
    assert f"Spring pass: Expired on {mp.valid_until.day} " in refused.value.message


def test_r4_verdict_reads_the_pass_afresh():
    """A pass object held since before a hold answers as the database does."""
    klass = ProgrammeClassFactory()
    mp = member_pass(duration_days=60)
    session = session_on(monday(), klass)
    stale = type(mp).objects.get(pk=mp.pk)
    services.hold_pass(mp, session.local_date, session.local_date, StaffFactory())

    verdict = services.evaluate(stale, session)

    assert (verdict.ok, verdict.code) == (False, "on_hold")


def test_r4_verdict_after_a_booking_spent_the_last_entry():
    klass = ProgrammeClassFactory()
    mp = member_pass(quantity=Decimal(1))
    stale = type(mp).objects.get(pk=mp.pk)
    services.book(mp.member, session_on(monday(), klass))
    verdict = services.evaluate(stale, session_on(monday() + dt.timedelta(days=1), klass))
    assert (verdict.ok, verdict.code) == (False, "used_up")
