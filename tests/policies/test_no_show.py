"""L2: what a no-show costs under each policy, its grace per day, week or month, applied
once (marking twice, the daily job twice), and undone when the mark is taken back."""

import datetime as dt
from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import (
    AttendanceCharge,
    Booking,
    BookingStatus,
    ChargeState,
    LedgerEntry,
    LedgerKind,
)

from .conftest import at, book_before, charges_of, session_on, set_policy

pytestmark = pytest.mark.django_db

JAN_31, FEB_1, FEB_2 = dt.date(2027, 1, 31), dt.date(2027, 2, 1), dt.date(2027, 2, 2)
AFTER = dt.datetime(2027, 2, 3, 9, tzinfo=dt.UTC)


def no_show(booking, staff):
    with at(AFTER):
        return services.mark_attendance(booking, False, staff)


def test_L2_no_show_fee_with_a_monthly_grace_of_1_over_a_month_boundary(
    programme, klass, member, staff
):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("10.00"), no_show_grace=1)
    jan31, feb1, feb2 = (book_before(member, session_on(klass, d)) for d in (JAN_31, FEB_1, FEB_2))

    for booking in (jan31, feb1, feb2):
        no_show(booking, staff)

    # Jan 31: the first of January, free. Feb 1: the first of February, free. Feb 2: a fee.
    assert charges_of(jan31) == [("no_show", "free", Decimal("0.00"))]
    assert charges_of(feb1) == [("no_show", "free", Decimal("0.00"))]
    assert charges_of(feb2) == [("no_show", "due", Decimal("10.00"))]
    # Free means nothing is owed: the amount due of a graced no-show is cleared.
    jan31.refresh_from_db()
    feb2.refresh_from_db()
    assert jan31.amount_due == 0 and feb2.amount_due == Decimal("12.00")
    fee = AttendanceCharge.objects.get(booking=feb2)
    assert (fee.reason, fee.currency) == ("No-show fee", "EUR")


def test_L2_the_grace_counts_other_no_shows_marked_in_any_order(programme, klass, member, staff):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("10.00"), no_show_grace=1)
    feb1, feb2 = (book_before(member, session_on(klass, d)) for d in (FEB_1, FEB_2))
    no_show(feb2, staff)  # marked first: the first of the month
    no_show(feb1, staff)
    assert charges_of(feb2)[0][1] == "free" and charges_of(feb1)[0][1] == "due"


def test_L2_weekly_grace_counts_monday_to_sunday(programme, klass, member, staff):
    set_policy(
        programme,
        no_show_policy="fee",
        no_show_fee=Decimal("5.00"),
        no_show_grace=1,
        no_show_grace_period="week",
    )
    # Sunday 31 January ends a week; Monday 1 and Tuesday 2 February are the next one.
    sunday, monday, tuesday = (
        book_before(member, session_on(klass, d)) for d in (JAN_31, FEB_1, FEB_2)
    )
    for booking in (sunday, monday, tuesday):
        no_show(booking, staff)
    assert [charges_of(b)[0][1] for b in (sunday, monday, tuesday)] == ["free", "free", "due"]


def test_L2_daily_grace_and_another_members_no_show_does_not_count(
    programme, klass, member, staff, django_user_model
):
    set_policy(
        programme,
        no_show_policy="fee",
        no_show_fee=Decimal("5.00"),
        no_show_grace=1,
        no_show_grace_period="day",
    )
    other = django_user_model.objects.create_user("other")
    theirs = book_before(other, session_on(klass, FEB_1, hour=9))
    mine = book_before(member, session_on(klass, FEB_1))
    second = book_before(member, session_on(klass, FEB_1, hour=20))
    for booking in (theirs, mine, second):
        no_show(booking, staff)
    assert [charges_of(b)[0][1] for b in (theirs, mine, second)] == ["free", "free", "due"]


def test_L2_keep_entry_the_default_records_nothing_and_keeps_the_entry(
    programme, klass, member, staff, a_pass
):
    booking = book_before(member, session_on(klass, FEB_1), member_pass=a_pass)
    no_show(booking, staff)
    a_pass.refresh_from_db()
    assert charges_of(booking) == [] and a_pass.balance == 9


def test_L2_keep_entry_with_a_grace_gives_a_graced_entry_back(
    programme, klass, member, staff, a_pass
):
    set_policy(programme, no_show_grace=1)
    first, second = (
        book_before(member, session_on(klass, d), member_pass=a_pass) for d in (FEB_1, FEB_2)
    )
    no_show(first, staff)
    no_show(second, staff)
    a_pass.refresh_from_db()
    assert charges_of(first) == [("no_show", "free", 0)]
    assert charges_of(second) == [("no_show", "kept", 0)]
    assert a_pass.balance == 9  # the first went back, the second stays used


def test_L2_free_policy_gives_the_entry_back(programme, klass, member, staff, a_pass):
    set_policy(programme, no_show_policy="free")
    booking = book_before(member, session_on(klass, FEB_1), member_pass=a_pass)
    no_show(booking, staff)
    a_pass.refresh_from_db()
    assert a_pass.balance == 10
    back = LedgerEntry.objects.get(booking=booking, kind=LedgerKind.RETURN)
    assert back.reason == "No-show: free"
    assert charges_of(booking) == [("no_show", "free", 0)]


def test_L2_fee_keeps_the_entry_and_charges(programme, klass, member, staff, a_pass):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("8.00"))
    booking = book_before(member, session_on(klass, FEB_1), member_pass=a_pass)
    no_show(booking, staff)
    a_pass.refresh_from_db()
    assert a_pass.balance == 9
    assert charges_of(booking) == [("no_show", "due", Decimal("8.00"))]


def test_L2_marking_a_no_show_twice_charges_once(programme, klass, member, staff):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("8.00"))
    booking = book_before(member, session_on(klass, FEB_1))
    no_show(booking, staff)
    no_show(booking, staff)
    assert len(charges_of(booking)) == 1


def test_L2_the_daily_job_applies_a_missed_policy_once(programme, klass, member, staff):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("8.00"))
    booking = book_before(member, session_on(klass, FEB_1))
    marked = book_before(member, session_on(klass, FEB_2))
    no_show(marked, staff)
    # A no-show written around the service (an import, a host's own code): no charge yet.
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.NO_SHOW)
    with at(AFTER):
        first = services.run_daily()
        second = services.run_daily()
    assert first.no_shows_charged == [booking.pk]
    assert second.no_shows_charged == []
    assert charges_of(booking) == [("no_show", "due", Decimal("8.00"))]
    assert len(charges_of(marked)) == 1
    assert "1 no-show policies applied" in first.summary()


def test_L2_the_constraint_refuses_a_second_current_charge(programme, klass, member, staff):
    from django.db import IntegrityError, transaction

    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("8.00"))
    booking = book_before(member, session_on(klass, FEB_1))
    no_show(booking, staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceCharge.objects.create(
            booking=booking, kind="no_show", state="due", amount=1, currency="EUR", reason="x"
        )


def test_L2_undoing_a_no_show_drops_its_fee(programme, klass, member, staff):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("8.00"))
    booking = book_before(member, session_on(klass, FEB_1))
    no_show(booking, staff)
    with at(AFTER):
        services.mark_attendance(booking, True, staff)
    assert charges_of(booking) == []
    no_show(booking, staff)  # marked again: charged again, once
    assert charges_of(booking) == [("no_show", "due", Decimal("8.00"))]


def test_L2_undoing_a_free_no_show_takes_the_entry_again(programme, klass, member, staff, a_pass):
    set_policy(programme, no_show_policy="free")
    booking = book_before(member, session_on(klass, FEB_1), member_pass=a_pass)
    no_show(booking, staff)
    with at(AFTER):
        services.mark_attendance(booking, None, staff)
    a_pass.refresh_from_db()
    assert a_pass.balance == 9 and charges_of(booking) == []
    assert LedgerEntry.objects.filter(booking=booking, kind=LedgerKind.REDEEM).count() == 2


def test_L2_undoing_a_graced_no_show_owes_the_price_again(programme, klass, member, staff):
    set_policy(programme, no_show_grace=1)
    booking = book_before(member, session_on(klass, FEB_1))
    no_show(booking, staff)
    booking.refresh_from_db()
    assert booking.amount_due == 0
    with at(AFTER):
        services.mark_attendance(booking, True, staff)
    booking.refresh_from_db()
    assert booking.amount_due == Decimal("12.00")


def test_L2_undoing_a_paid_no_show_fee_waives_it_for_a_refund(programme, klass, member, staff):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("8.00"))
    booking = book_before(member, session_on(klass, FEB_1))
    no_show(booking, staff)
    charge = AttendanceCharge.objects.get(booking=booking)
    services.record_charge_payment(charge, staff, "cash")
    with at(AFTER):
        services.mark_attendance(booking, True, staff)
    charge.refresh_from_db()
    assert charge.state == ChargeState.WAIVED and charge.refund_needed
    assert "give the money paid back" in charge.waived_reason


def test_L2_undo_refused_when_the_entry_given_back_is_gone(programme, klass, member, staff):
    from wagtail_passes.test.factories import member_pass

    one = member_pass(member, quantity=Decimal(1), duration_days=400)
    set_policy(programme, no_show_policy="free")
    booking = book_before(member, session_on(klass, FEB_1), member_pass=one)
    no_show(booking, staff)
    book_before(member, session_on(klass, FEB_2), member_pass=one)  # spends it again
    with at(AFTER), pytest.raises(BookingError) as caught:
        services.mark_attendance(booking, True, staff)
    assert caught.value.code == "entry_gone"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW  # nothing changed


def test_L2_F1_a_childs_no_show_does_not_use_the_parents_grace(programme, klass, member, staff):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("10.00"), no_show_grace=1)
    ana = services.add_dependant(member, "Ana")
    hers = book_before(ana, session_on(klass, FEB_1))
    mine = book_before(member, session_on(klass, FEB_2))
    no_show(hers, staff)
    no_show(mine, staff)
    # Each person's first no-show of February is free: the grace is per person.
    assert charges_of(hers) == [("no_show", "free", Decimal("0.00"))]
    assert charges_of(mine) == [("no_show", "free", Decimal("0.00"))]
    second = book_before(ana, session_on(klass, FEB_2))
    no_show(second, staff)
    assert charges_of(second) == [("no_show", "due", Decimal("10.00"))]
    assert AttendanceCharge.objects.get(booking=second).booking.member == member  # the payer
