"""Booking services: book, cancel, waiting list, session cancellation, settling (P1-P8, R1-R3, U3).

Every refusal is checked to leave the database exactly as it was.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import (
    Booking,
    BookingStatus,
    LedgerEntry,
    MemberPass,
    WaitlistEntry,
    WaitlistStatus,
)
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


def snapshot():
    """Everything a refused booking must leave untouched."""
    return (
        list(Booking.objects.values_list("pk", "status", "amount_due", "member_pass")),
        list(LedgerEntry.objects.values_list("pk")),
        list(MemberPass.objects.values_list("pk", "balance", "status")),
        list(WaitlistEntry.objects.values_list("pk", "status")),
    )


def refused(code, call, *args, **kwargs):
    before = snapshot()
    with pytest.raises(BookingError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code, exc.value.message
    assert snapshot() == before
    return exc.value


def in_hours(hours, klass=None, **kwargs):
    start = timezone.now() + dt.timedelta(hours=hours)
    return SessionFactory(
        programme_class=klass or ProgrammeClassFactory(),
        start=start,
        end=start + dt.timedelta(hours=1),
        **kwargs,
    )


@pytest.fixture
def onc(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (emails, waiting-list promotion) as a real commit would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


# ---- P1 unit price, amount due -------------------------------------------------------


def test_p1_no_pass_creates_amount_due_of_unit_price_times_attendees():
    klass = ProgrammeClassFactory(unit_price=Decimal("9.50"))
    booking = services.book(UserFactory(), in_hours(48, klass), attendees=2)
    assert (booking.amount_due, booking.price, booking.currency) == (
        Decimal("19.00"),
        Decimal("19.00"),
        "EUR",
    )
    assert booking.member_pass is None


def test_p1_free_session_owes_nothing_and_spends_no_pass():
    mp = member_pass()
    free = in_hours(48, ProgrammeClassFactory(unit_price=Decimal(0)))
    booking = services.book(mp.member, free)
    assert booking.amount_due == 0 and booking.member_pass is None
    mp.refresh_from_db()
    assert mp.balance == 10


# ---- R1 what pays --------------------------------------------------------------------


def test_r1_pass_pays_and_ledger_records_the_booking():
    mp = member_pass()
    session = in_hours(48)
    booking = services.book(mp.member, session)
    assert booking.member_pass == mp and booking.amount_due == 0
    redemption = LedgerEntry.objects.get(booking=booking)
    assert (redemption.kind, redemption.amount, redemption.session) == ("redeem", -1, session)
    mp.refresh_from_db()
    assert mp.balance == 9


def test_r1_oldest_pass_pays_first_and_member_may_choose_another():
    member = UserFactory()
    older = member_pass(member, purchased_at=timezone.now() - dt.timedelta(days=5))
    newer = member_pass(member)
    assert services.book(member, in_hours(48)).member_pass == older
    assert services.book(member, in_hours(50), member_pass=newer).member_pass == newer


def test_r1_chosen_pass_must_be_eligible_and_the_members_own():
    member = UserFactory()
    used = member_pass(member, quantity=Decimal(1))
    services.book(member, in_hours(48), member_pass=used)
    refused("used_up", services.book, member, in_hours(50), member_pass=used)
    refused("not_your_pass", services.book, UserFactory(), in_hours(52), member_pass=used)


def test_k5_money_credit_pays_after_entry_passes():
    member = UserFactory()
    money = member_pass(
        member,
        kind="money",
        quantity=Decimal("30.00"),
        purchased_at=timezone.now() - dt.timedelta(days=10),
    )
    entries = member_pass(member)
    assert services.book(member, in_hours(48)).member_pass == entries
    money.refresh_from_db()
    assert money.balance == Decimal("30.00")


# ---- P2 duplicates -------------------------------------------------------------------


def test_p2_second_booking_of_the_same_session_is_refused():
    member, session = UserFactory(), in_hours(48)
    services.book(member, session)
    refused("already_booked", services.book, member, session)


def test_p2_rebooking_after_cancellation_is_allowed():
    member, session = UserFactory(), in_hours(48)
    services.cancel_booking(services.book(member, session))
    assert services.book(member, session).status == BookingStatus.BOOKED


# ---- P3 require a valid pass ---------------------------------------------------------


def test_p3_refused_without_a_valid_pass_and_lists_products_that_would_pay():
    programme = ProgrammeFactory(require_valid_pass=True)
    session = in_hours(48, ProgrammeClassFactory(programme=programme))
    good = PassPageFactory(title="Season pass", programmes=[programme])
    PassPageFactory(title="Other programme pass", programmes=[ProgrammeFactory()])
    error = refused("no_valid_pass", services.book, UserFactory(), session)
    assert error.details["products"] == [good]
    assert "Season pass" in error.message


def test_p3_a_valid_pass_books():
    programme = ProgrammeFactory(require_valid_pass=True)
    mp = member_pass(programmes=[programme])
    session = in_hours(48, ProgrammeClassFactory(programme=programme))
    assert services.book(mp.member, session).member_pass == mp


# ---- P4 redeem if unpaid ---------------------------------------------------------------


def test_p4_unpaid_pass_pays_only_when_programme_allows():
    strict = ProgrammeFactory(redeem_if_unpaid=False)
    lenient = ProgrammeFactory(redeem_if_unpaid=True)
    mp = member_pass(paid=False)
    on_strict = services.book(mp.member, in_hours(48, ProgrammeClassFactory(programme=strict)))
    assert on_strict.member_pass is None and on_strict.amount_due > 0
    on_lenient = services.book(mp.member, in_hours(48, ProgrammeClassFactory(programme=lenient)))
    assert on_lenient.member_pass == mp


# ---- U3 additional attendees -------------------------------------------------------------


def test_u3_single_use_pass_does_not_pay_for_two_places():
    mp = member_pass(allows_additional_attendees=False)
    booking = services.book(mp.member, in_hours(48), attendees=2)
    assert booking.member_pass is None and booking.amount_due == Decimal("24.00")


def test_u3_pass_for_additional_attendees_uses_an_entry_each():
    mp = member_pass(allows_additional_attendees=True)
    booking = services.book(mp.member, in_hours(48), attendees=3)
    assert booking.member_pass == mp
    mp.refresh_from_db()
    assert mp.balance == 7


# ---- P7 capacity ---------------------------------------------------------------------


def test_p7_capacity_is_never_exceeded():
    session = in_hours(48, capacity=2)
    services.book(UserFactory(), session)
    error = refused("session_full", services.book, UserFactory(), session, attendees=2)
    assert error.details["places_left"] == 1 and "1 place left" in error.message
    services.book(UserFactory(), session)
    refused("session_full", services.book, UserFactory(), session)


def test_p7_waitlist_only_when_full_and_once():
    session = in_hours(48, capacity=1)
    member = UserFactory()
    refused("places_left", services.join_waitlist, member, session)
    services.book(UserFactory(), session)
    services.join_waitlist(member, session)
    refused("already_waiting", services.join_waitlist, member, session)


def test_p7_freed_place_goes_to_first_waiting_member_who_can_be_booked(onc):
    programme = ProgrammeFactory(require_valid_pass=True)
    session = in_hours(48, ProgrammeClassFactory(programme=programme), capacity=1)
    holder = member_pass(programmes=[programme])
    booking = services.book(holder.member, session)
    no_pass = UserFactory()
    with_pass = member_pass(programmes=[programme])
    services.join_waitlist(no_pass, session)  # first, but nothing can pay: stays waiting
    services.join_waitlist(with_pass.member, session)
    mail.outbox.clear()

    onc(services.cancel_booking, booking)

    promoted = Booking.objects.get(session=session, status=BookingStatus.BOOKED)
    assert promoted.member == with_pass.member and promoted.member_pass == with_pass
    states = dict(WaitlistEntry.objects.values_list("member", "status"))
    assert states == {
        no_pass.pk: WaitlistStatus.WAITING,
        with_pass.member.pk: WaitlistStatus.BOOKED,
    }
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects[0].startswith("A place came free") and subjects[1].startswith("Cancelled")


# ---- P8 booking window, cancelled sessions --------------------------------------------


def test_p8_booking_opens_n_days_before_and_closes_m_minutes_before():
    programme = ProgrammeFactory(booking_opens_days_before=7, booking_closes_minutes_before=30)
    klass = ProgrammeClassFactory(programme=programme)
    error = refused("booking_not_open", services.book, UserFactory(), in_hours(24 * 8, klass))
    assert "Booking opens on" in error.message
    refused("booking_closed", services.book, UserFactory(), in_hours(0.25, klass))
    assert services.book(UserFactory(), in_hours(24 * 6, klass))


def test_p8_started_and_cancelled_sessions_cannot_be_booked():
    refused("session_started", services.book, UserFactory(), in_hours(-0.5))
    refused("session_cancelled", services.book, UserFactory(), in_hours(48, is_cancelled=True))


def test_p8_staff_may_book_by_hand_outside_the_window_not_a_cancelled_session():
    programme = ProgrammeFactory(booking_closes_minutes_before=60)
    staff = StaffFactory()
    late = in_hours(0.5, ProgrammeClassFactory(programme=programme))
    assert services.book(UserFactory(), late, by=staff).created_by == staff
    refused(
        "session_cancelled", services.book, UserFactory(), in_hours(48, is_cancelled=True), by=staff
    )


def test_p8_cancel_session_cancels_bookings_returns_entries_and_emails_all(onc):
    session = in_hours(48)
    passes = [member_pass() for _ in range(3)]
    for mp in passes:
        services.book(mp.member, session)
    services.book(UserFactory(), session)  # an amount due
    mail.outbox.clear()
    staff = StaffFactory()

    cancelled = onc(services.cancel_session, session, staff)

    assert len(cancelled) == 4
    assert not Booking.objects.filter(session=session).exclude(status="cancelled").exists()
    assert all(b.amount_due == 0 for b in Booking.objects.filter(session=session))
    for mp in passes:
        mp.refresh_from_db()
        assert mp.balance == 10
    assert len(mail.outbox) == 4 and all("Session cancelled" in m.subject for m in mail.outbox)
    refused("session_cancelled", services.book, UserFactory(), session)


# ---- P6 cancellation -----------------------------------------------------------------


def test_p6_member_cancels_before_cutoff_and_gets_the_entry_back(onc):
    mp = member_pass()
    booking = services.book(mp.member, in_hours(48))
    mail.outbox.clear()
    onc(services.cancel_booking, booking)
    booking.refresh_from_db()
    mp.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and mp.balance == 10
    back = LedgerEntry.objects.get(kind="return")
    assert back.reverses.booking == booking and back.amount == 1
    assert mail.outbox[0].subject.startswith("Cancelled")
    assert "went back to your pass" in mail.outbox[0].body


def test_p6_amount_due_becomes_zero_on_cancel():
    booking = services.book(UserFactory(), in_hours(48))
    assert booking.amount_due > 0
    services.cancel_booking(booking)
    booking.refresh_from_db()
    assert booking.amount_due == 0 and booking.price > 0


def test_p6_member_cannot_cancel_after_cutoff():
    mp = member_pass()
    booking = services.book(mp.member, in_hours(10))  # cutoff is 24 h
    error = refused("cancellation_closed", services.cancel_booking, booking)
    assert "contact the studio" in error.message


def test_p6_staff_after_cutoff_chooses_whether_to_return_the_entry():
    staff = StaffFactory()
    kept = member_pass()
    services.cancel_booking(services.book(kept.member, in_hours(10)), by=staff)
    kept.refresh_from_db()
    assert kept.balance == 9  # default after the cutoff: the entry is kept
    given = member_pass()
    services.cancel_booking(services.book(given.member, in_hours(10)), by=staff, return_entry=True)
    given.refresh_from_db()
    assert given.balance == 10


def test_p6_cancelling_twice_is_a_no_op():
    mp = member_pass()
    booking = services.book(mp.member, in_hours(48))
    services.cancel_booking(booking)
    services.cancel_booking(booking)
    assert LedgerEntry.objects.filter(kind="return").count() == 1
    mp.refresh_from_db()
    assert mp.balance == 10


# ---- R2 settle earlier bookings -------------------------------------------------------


def test_r2_new_pass_settles_unpaid_bookings_oldest_session_first():
    member = UserFactory()
    klass = ProgrammeClassFactory()
    later = services.book(member, in_hours(96, klass))
    earlier = services.book(member, in_hours(48, klass))
    third = services.book(member, in_hours(120, klass))
    mp = member_pass(member, quantity=Decimal(2))  # issuing it settles them (R2)
    assert mp.settled_bookings == [earlier, later]
    assert services.settle_unpaid(mp) == []  # nothing left to pay with
    third.refresh_from_db()
    assert third.amount_due > 0 and third.member_pass is None
    mp.refresh_from_db()
    assert mp.balance == 0
    assert services.settle_unpaid(mp) == []


# ---- S3 attendance, emails, speed -----------------------------------------------------


def test_s3_mark_attended_and_no_show():
    staff = StaffFactory()
    booking = services.book(UserFactory(), in_hours(-1), by=staff)  # a walk-in, started
    assert services.mark_attendance(booking, True, staff).status == BookingStatus.ATTENDED
    assert services.mark_attendance(booking, False, staff).status == BookingStatus.NO_SHOW
    refused("booking_finished", services.cancel_booking, booking)


def test_confirmation_email_sent_only_on_commit(django_capture_on_commit_callbacks):
    mp = member_pass()
    with django_capture_on_commit_callbacks(execute=False):
        services.book(mp.member, in_hours(48))
    assert mail.outbox == []  # rolled back or not yet committed: nothing sent
    with django_capture_on_commit_callbacks(execute=True):
        services.book(mp.member, in_hours(50))
    (message,) = mail.outbox
    assert message.subject.startswith("Booked:") and "Paid with your pass" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_book_query_count(django_assert_max_num_queries):
    mp = member_pass()
    session = in_hours(48)
    with django_assert_max_num_queries(15):
        services.book(mp.member, session)


def test_p2_p3_staff_get_messages_about_the_member():
    staff = StaffFactory()
    member = UserFactory(username="maya")
    session = in_hours(48)
    services.book(member, session, by=staff)
    error = refused("already_booked", services.book, member, session, by=staff)
    assert error.message == "maya has already booked this session."
    strict = in_hours(
        48, ProgrammeClassFactory(programme=ProgrammeFactory(require_valid_pass=True))
    )
    error = refused("no_valid_pass", services.book, member, strict, by=staff)
    assert error.message == "This session needs a valid pass, and the member holds none."


def test_p6_cancel_reports_whether_the_entry_went_back():
    mp = member_pass()
    booking = services.cancel_booking(services.book(mp.member, in_hours(48)))
    assert booking.entry_returned is True
    unpaid = services.cancel_booking(services.book(UserFactory(), in_hours(48)))
    assert unpaid.entry_returned is False
    assert services.cancel_booking(unpaid).entry_returned is False


def test_p2_p6_rebooking_after_a_late_cancellation_that_kept_the_entry_uses_another():
    """Staff cancel after the cutoff and keep the entry; the member books the same session
    again: the pass pays again (one more entry), it does not refuse "already used"."""
    mp = member_pass(quantity=Decimal(5))
    session = in_hours(10)  # inside the 24-hour cutoff
    staff = StaffFactory()
    first = services.book(mp.member, session)
    services.cancel_booking(first, by=staff, return_entry=False)

    again = services.book(mp.member, session)

    assert again.member_pass_id == mp.pk and again.amount_due == 0
    mp.refresh_from_db()
    assert mp.balance == 3  # the kept entry and the new one
