"""L1: what cancelling after the cutoff costs under each policy; nothing changes before it."""

import datetime as dt
from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import BookingStatus

from .conftest import at, book_before, charges_of, session_on, set_policy

pytestmark = pytest.mark.django_db

DAY = dt.date(2027, 2, 1)


def late(session):
    """Ten hours before the start: after the 24-hour cutoff."""
    return at(session.start - dt.timedelta(hours=10))


def test_L1_keep_entry_the_default_refuses_a_member_after_the_cutoff(
    programme, klass, member, a_pass
):
    session = session_on(klass, DAY)
    booking = book_before(member, session, member_pass=a_pass)
    with late(session), pytest.raises(BookingError) as caught:
        services.cancel_booking(booking)
    assert caught.value.code == "cancellation_closed"
    assert charges_of(booking) == []


def test_L1_fee_returns_the_entry_and_charges_a_fee(programme, klass, member, a_pass):
    set_policy(programme, late_cancel_policy="fee", late_cancel_fee=Decimal("5.00"))
    session = session_on(klass, DAY)
    booking = book_before(member, session, member_pass=a_pass)
    with late(session):
        cancelled = services.cancel_booking(booking)
    a_pass.refresh_from_db()
    assert cancelled.status == BookingStatus.CANCELLED and cancelled.entry_returned
    assert a_pass.balance == 10
    assert charges_of(booking) == [("late_cancel", "due", Decimal("5.00"))]


def test_L1_no_fee_before_the_cutoff(programme, klass, member, a_pass):
    set_policy(programme, late_cancel_policy="fee", late_cancel_fee=Decimal("5.00"))
    session = session_on(klass, DAY)
    booking = book_before(member, session, member_pass=a_pass)
    with at(session.start - dt.timedelta(hours=30)):
        services.cancel_booking(booking)
    assert charges_of(booking) == []


def test_L1_forfeit_frees_the_place_and_keeps_the_entry(programme, klass, member, a_pass):
    set_policy(programme, late_cancel_policy="forfeit")
    session = session_on(klass, DAY)
    booking = book_before(member, session, member_pass=a_pass)
    with late(session):
        services.cancel_booking(booking)
    a_pass.refresh_from_db()
    assert a_pass.balance == 9
    assert charges_of(booking) == [("late_cancel", "kept", 0)]
    assert services.places_left(session) == session.effective_capacity


def test_L1_forfeit_keeps_an_amount_due_as_a_charge(programme, klass, member):
    set_policy(programme, late_cancel_policy="forfeit")
    session = session_on(klass, DAY)
    booking = book_before(member, session)
    with late(session):
        services.cancel_booking(booking)
    booking.refresh_from_db()
    assert booking.amount_due == 0  # a cancelled booking owes through its charge
    assert charges_of(booking) == [("late_cancel", "due", Decimal("12.00"))]


def test_L1_free_costs_nothing(programme, klass, member, a_pass):
    set_policy(programme, late_cancel_policy="free")
    session = session_on(klass, DAY)
    booking = book_before(member, session, member_pass=a_pass)
    with late(session):
        services.cancel_booking(booking)
    a_pass.refresh_from_db()
    assert a_pass.balance == 10 and charges_of(booking) == []


def test_L1_a_member_cannot_cancel_once_the_session_started(programme, klass, member):
    set_policy(programme, late_cancel_policy="free")
    session = session_on(klass, DAY)
    booking = book_before(member, session)
    with at(session.start + dt.timedelta(minutes=5)), pytest.raises(BookingError) as caught:
        services.cancel_booking(booking)
    assert caught.value.code == "session_started"


def test_L1_staff_choosing_return_entry_charge_nothing(programme, klass, member, staff, a_pass):
    set_policy(programme, late_cancel_policy="fee", late_cancel_fee=Decimal("5.00"))
    session = session_on(klass, DAY)
    booking = book_before(member, session, member_pass=a_pass)
    with late(session):
        services.cancel_booking(booking, by=staff, return_entry=False)
    a_pass.refresh_from_db()
    assert a_pass.balance == 9 and charges_of(booking) == []


def test_L1_staff_without_a_choice_apply_the_policy(programme, klass, member, staff):
    set_policy(programme, late_cancel_policy="fee", late_cancel_fee=Decimal("5.00"))
    session = session_on(klass, DAY)
    booking = book_before(member, session)
    with late(session):
        services.cancel_booking(booking, by=staff)
    assert charges_of(booking) == [("late_cancel", "due", Decimal("5.00"))]


def test_L1_the_closed_sentence_says_what_cancelling_late_costs(programme, klass):
    from wagtail_passes.services.cancel_terms import DUE, ENTRY, cancel_terms

    session = session_on(klass, DAY)
    later = session.start - dt.timedelta(hours=10)
    assert cancel_terms(session, later).text == (
        "Cancelling is closed for this session: the entry will not come back"
    )
    set_policy(programme, late_cancel_policy="fee", late_cancel_fee=Decimal("5.00"))
    programme.refresh_from_db()
    session.refresh_from_db()
    terms = cancel_terms(session, later, losing=ENTRY)
    assert not terms.open
    assert terms.text == (
        "Cancelling now costs a late cancellation fee of €5.00. Your entry goes back to your pass."
    )
    assert cancel_terms(session, later, losing=DUE).text == (
        "Cancelling now costs a late cancellation fee of €5.00."
    )


def test_L1_a_fee_policy_saved_without_a_fee_charges_nothing(programme, klass, member, a_pass):
    # Saved around validation (a shell, a data import): never a charge of nothing, never a 500.
    type(programme).objects.filter(pk=programme.pk).update(
        late_cancel_policy="fee", late_cancel_fee=0, no_show_policy="fee", no_show_fee=0
    )
    session = session_on(klass, DAY)
    booking = book_before(member, session, member_pass=a_pass)
    with late(session):
        services.cancel_booking(booking)
    a_pass.refresh_from_db()
    assert a_pass.balance == 10 and charges_of(booking) == []
