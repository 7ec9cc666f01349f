"""Programmes, classes, link pools and sessions: validation and derived values."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from wagtail_passes.models import Programme
from wagtail_passes.rules.money import Money
from wagtail_passes.test.factories import (
    BookingFactory,
    LinkPoolFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_p1_class_override_else_programme_default_price():
    programme = ProgrammeFactory(default_unit_price=Decimal("12.00"), currency="EUR")
    plain = ProgrammeClassFactory(programme=programme)
    dearer = ProgrammeClassFactory(programme=programme, unit_price=Decimal("15.50"))
    assert plain.effective_unit_price == Money(Decimal("12.00"), "EUR")
    assert dearer.effective_unit_price == Money(Decimal("15.50"), "EUR")
    assert SessionFactory(programme_class=dearer).effective_unit_price.amount == Decimal("15.50")


def test_p1_free_class_override_is_zero_not_inherited():
    free = ProgrammeClassFactory(unit_price=Decimal("0"))
    assert free.effective_unit_price.is_zero


def test_p7_capacity_inherits_session_then_class_then_programme():
    programme = ProgrammeFactory(default_capacity=12)
    klass = ProgrammeClassFactory(programme=programme)
    assert SessionFactory(programme_class=klass).effective_capacity == 12
    klass.capacity = 8
    klass.save()
    assert SessionFactory(programme_class=klass).effective_capacity == 8
    assert SessionFactory(programme_class=klass, capacity=0).effective_capacity == 0


def test_programme_refuses_negative_price_with_field_message():
    programme = ProgrammeFactory.build(default_unit_price=Decimal("-1"))
    with pytest.raises(ValidationError) as exc:
        programme.full_clean()
    assert "default_unit_price" in exc.value.message_dict


def test_programme_negative_price_blocked_by_database_constraint():
    programme = ProgrammeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=programme.pk).update(default_unit_price=Decimal("-5"))


def test_programme_refuses_unknown_currency():
    programme = ProgrammeFactory.build(currency="XXX")
    with pytest.raises(ValidationError) as exc:
        programme.full_clean()
    assert "currency" in exc.value.message_dict


def test_a6_programme_refuses_fractional_price_in_zero_decimal_currency():
    programme = ProgrammeFactory.build(currency="JPY", default_unit_price=Decimal("1200.50"))
    with pytest.raises(ValidationError) as exc:
        programme.full_clean()
    assert "JPY has no fractional units" in exc.value.message_dict["default_unit_price"][0]


def test_class_refuses_negative_price_and_capacity():
    klass = ProgrammeClassFactory.build(
        programme=ProgrammeFactory(), unit_price=Decimal("-1"), capacity=-3
    )
    with pytest.raises(ValidationError) as exc:
        klass.full_clean()
    assert {"unit_price", "capacity"} <= set(exc.value.message_dict)


def test_p5_pool_never_crosses_programmes():
    yoga = ProgrammeFactory()
    swim_pool = LinkPoolFactory()  # belongs to another programme
    klass = ProgrammeClassFactory.build(programme=yoga, link_pool=swim_pool)
    with pytest.raises(ValidationError) as exc:
        klass.full_clean()
    assert "another programme" in exc.value.message_dict["link_pool"][0]


def test_p5_pool_of_own_programme_is_accepted():
    pool = LinkPoolFactory()
    klass = ProgrammeClassFactory.build(programme=pool.programme, link_pool=pool)
    klass.full_clean()


def test_session_end_must_follow_start():
    session = SessionFactory.build(programme_class=ProgrammeClassFactory())
    session.end = session.start
    with pytest.raises(ValidationError) as exc:
        session.full_clean()
    assert exc.value.message_dict["end"] == ["The end must be after the start."]


def test_session_end_before_start_blocked_by_database_constraint():
    session = SessionFactory()
    session.end = session.start - dt.timedelta(minutes=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()


def test_p2_one_active_booking_per_member_and_session():
    booking = BookingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(member=booking.member, session=booking.session)


def test_p2_rebooking_after_cancellation_is_allowed():
    member, session = UserFactory(), SessionFactory()
    BookingFactory(member=member, session=session, status="cancelled")
    BookingFactory(member=member, session=session)  # no IntegrityError
    assert session.bookings.active().count() == 1


def test_v5_session_local_date_uses_site_time_zone(settings):
    settings.WAGTAIL_PASSES_TIME_ZONE = "America/New_York"
    session = SessionFactory(start=dt.datetime(2027, 3, 2, 2, 30, tzinfo=dt.UTC))
    assert session.local_date == dt.date(2027, 3, 1)
