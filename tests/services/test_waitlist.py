"""Waiting lists, fair and final (P7).

A freed place goes to the first waiting member who can be booked, inside the
transaction that freed it: no newcomer can take it in between, a member's own booking
closes their waiting entry, and emails go out only once committed.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import Booking, BookingStatus, WaitlistEntry, WaitlistStatus
from wagtail_passes.services import booking_core
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db


def full_session(capacity=1, **programme):
    start = timezone.now() + dt.timedelta(days=3)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(
            capacity=capacity, **{f"programme__{k}": v for k, v in programme.items()}
        ),
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    holders = [services.book(member_pass().member, session) for _ in range(capacity)]
    return session, holders


def active_bookings(session, member):
    return Booking.objects.filter(session=session, member=member).exclude(
        status=BookingStatus.CANCELLED
    )


def test_p7_freed_place_goes_to_the_waiting_member_before_any_newcomer():
    session, (holder,) = full_session()
    waiting = member_pass().member
    services.join_waitlist(waiting, session)

    cancelled = services.cancel_booking(holder)

    (promoted,) = cancelled.promoted
    assert promoted.member == waiting and promoted.member_pass is not None
    with pytest.raises(BookingError) as refused:
        services.book(member_pass().member, session)  # the newcomer, right after
    assert refused.value.code == "session_full"
    entry = WaitlistEntry.objects.get(member=waiting)
    assert (entry.status, entry.booking) == (WaitlistStatus.BOOKED, promoted)


def test_p7_promotion_emails_only_once_committed(django_capture_on_commit_callbacks):
    session, (holder,) = full_session()
    waiting = member_pass().member
    services.join_waitlist(waiting, session)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.cancel_booking(holder)
    assert mail.outbox == []
    for callback in callbacks:
        callback()

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects[waiting.email].startswith("A place came free")
    assert subjects[holder.member.email].startswith("Cancelled")


def test_p7_booking_directly_closes_the_members_own_waiting_entry():
    session, (holder,) = full_session(require_valid_pass=True)
    member = UserFactory()  # no pass: cannot be promoted
    services.join_waitlist(member, session)
    services.cancel_booking(holder)  # promotion skips the member: no pass
    assert WaitlistEntry.objects.get(member=member).status == WaitlistStatus.WAITING

    member_pass(member)  # buys a pass ...
    booking = services.book(member, session)  # ... and books the free place directly

    entry = WaitlistEntry.objects.get(member=member)
    assert (entry.status, entry.booking) == (WaitlistStatus.BOOKED_DIRECTLY, booking)
    mail.outbox.clear()
    cancelled = services.cancel_booking(booking)
    assert cancelled.promoted == []
    assert not active_bookings(session, member).exists()  # not booked again by itself


def test_p7_the_member_who_cancels_is_never_promoted_into_their_own_place():
    session, (holder,) = full_session()
    # A waiting entry left over from before the fix (booked while waiting).
    WaitlistEntry.objects.create(member=holder.member, session=session)

    cancelled = services.cancel_booking(holder)

    assert cancelled.promoted == []
    assert not active_bookings(session, holder.member).exists()


def test_p7_members_who_cannot_be_booked_stay_waiting_and_the_next_gets_the_place():
    session, (holder,) = full_session(require_valid_pass=True)
    without_pass = UserFactory()
    too_many = member_pass(allows_additional_attendees=True).member
    with_pass = member_pass().member
    services.join_waitlist(without_pass, session)
    services.join_waitlist(too_many, session, attendees=2)
    services.join_waitlist(with_pass, session)

    (promoted,) = services.cancel_booking(holder).promoted

    assert promoted.member == with_pass
    statuses = dict(WaitlistEntry.objects.values_list("member", "status"))
    assert statuses[without_pass.pk] == statuses[too_many.pk] == WaitlistStatus.WAITING


def test_p7_a_refused_promotion_never_undoes_the_cancellation(monkeypatch):
    session, (holder,) = full_session()
    waiting = member_pass().member
    services.join_waitlist(waiting, session)

    def refuse(*args, **kwargs):
        raise BookingError("refused for the test", code="test_refusal")

    monkeypatch.setattr("wagtail_passes.services.waitlist.book_locked", refuse)
    cancelled = services.cancel_booking(holder)

    assert cancelled.status == BookingStatus.CANCELLED and cancelled.promoted == []
    assert WaitlistEntry.objects.get(member=waiting).status == WaitlistStatus.WAITING


def test_p7_a_larger_capacity_goes_to_the_waiting_list_first():
    session, _ = full_session()
    first, second = member_pass().member, member_pass().member
    services.join_waitlist(first, session)
    services.join_waitlist(second, session)

    change = services.update_session(session, StaffFactory(), capacity=2)

    assert [b.member for b in change.promoted] == [first]
    assert WaitlistEntry.objects.get(member=second).status == WaitlistStatus.WAITING


def test_p7_staff_add_a_member_to_a_full_sessions_waiting_list():
    session, _ = full_session()
    staff, member = StaffFactory(), UserFactory()

    entry = services.join_waitlist(member, session, by=staff)

    assert (entry.member, entry.created_by, entry.status) == (member, staff, "waiting")
    with pytest.raises(BookingError) as refused:
        services.join_waitlist(UserFactory(), session, by=UserFactory())
    assert refused.value.code == "not_allowed"


def test_p7_leaving_records_who_removed_the_entry():
    session, _ = full_session()
    member, staff = UserFactory(), StaffFactory()
    entry = services.join_waitlist(member, session)
    with pytest.raises(BookingError) as refused:
        services.leave_waitlist(entry, by=UserFactory())
    assert refused.value.code == "not_allowed"

    services.leave_waitlist(entry, by=staff)
    services.leave_waitlist(entry, by=staff)  # twice: nothing more

    entry.refresh_from_db()
    assert (entry.status, entry.closed_by) == (WaitlistStatus.LEFT, staff)


def test_p7_promotion_pays_exactly_like_a_booking():
    session, (holder,) = full_session()
    waiting = member_pass(quantity=Decimal(3)).member
    services.join_waitlist(waiting, session)
    (promoted,) = services.cancel_booking(holder).promoted
    promoted.member_pass.refresh_from_db()
    assert promoted.member_pass.balance == 2
    assert booking_core.places_left(session) == 0
