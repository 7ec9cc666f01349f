"""``services.book(token=...)``: a form's one-time token makes booking idempotent (P2).
The token is kept on the booking it made, so the same call again — a double click, the
back button and "send again", even after that booking was cancelled — returns the first
booking and writes nothing."""

from decimal import Decimal

import pytest
from django.core import mail

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import Booking, LedgerEntry
from wagtail_passes.test.factories import SessionFactory, UserFactory, member_pass

from .test_booking import refused, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def ten(member):
    return member_pass(member, title="10-class pass", quantity=Decimal(10))


def test_p2_the_same_token_twice_returns_the_first_booking_and_writes_nothing(member, ten):
    session = SessionFactory()
    first = services.book(member, session, token="form-1")
    before = snapshot()
    mail.outbox.clear()
    again = services.book(member, session, token="form-1")
    assert again.pk == first.pk and again.replayed and not first.replayed
    assert snapshot() == before
    assert mail.outbox == []


def test_p2_a_token_whose_booking_was_cancelled_does_not_book_again(member, ten):
    session = SessionFactory()
    first = services.book(member, session, token="form-1")
    services.cancel_booking(first)
    before = snapshot()
    again = services.book(member, session, token="form-1")
    assert again.pk == first.pk and again.status == "cancelled" and again.replayed
    assert snapshot() == before
    # A new form (a new token) books again.
    fresh = services.book(member, session, token="form-2")
    assert fresh.pk != first.pk and fresh.status == "booked"


def test_p2_without_a_token_a_second_booking_is_refused_as_before(member, ten):
    session = SessionFactory()
    services.book(member, session)
    refused("already_booked", services.book, member, session)


def test_p2_another_members_token_books_nothing_for_them(member, ten):
    session = SessionFactory()
    services.book(member, session, token="shared")
    other = UserFactory()
    refused("already_booked", services.book, other, session, token="shared")
    assert not Booking.objects.filter(member=other).exists()


@pytest.mark.parametrize("token", ["", "x" * 65, 12, b"bytes", ["list"]])
def test_p2_a_malformed_token_is_refused_clearly(member, token):
    session = SessionFactory()
    error = refused("invalid_token", services.book, member, session, token=token)
    assert "token" in error.message


def test_p2_a_session_given_by_its_primary_key_is_booked_and_an_unknown_one_refused(member, ten):
    session = SessionFactory()
    booking = services.book(member, session.pk)
    assert booking.session == session
    assert LedgerEntry.objects.filter(booking=booking).count() == 1
    with pytest.raises(BookingError) as error:
        services.book(member, 999_999_999)
    assert error.value.code == "unknown_session"
