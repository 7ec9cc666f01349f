"""factory-boy factories for wagtail_passes models, shipped so host sites can use
them in their own tests::

    from wagtail_passes.test.factories import SessionFactory
    session = SessionFactory(programme_class__programme__require_valid_pass=True)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from ..models import Booking, LinkPool, Programme, ProgrammeClass, Schedule, Session


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("password")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    currency = "EUR"
    default_unit_price = Decimal("12.00")
    booking_opens_days_before = None
    booking_closes_minutes_before = 0
    cancellation_cutoff_hours = 24
    default_capacity = 10


class LinkPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkPool

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Pool {n}")


class ProgrammeClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeClass

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Class {n}")


def _next_hour(days_ahead: int = 2) -> dt.datetime:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now + dt.timedelta(days=days_ahead, hours=1)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    programme_class = factory.SubFactory(ProgrammeClassFactory)
    start = factory.LazyFunction(_next_hour)
    end = factory.LazyAttribute(lambda s: s.start + dt.timedelta(hours=1))


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule

    programme_class = factory.SubFactory(ProgrammeClassFactory)
    weekdays = [0, 2]
    start_time = dt.time(18, 0)
    duration_minutes = 60
    starts_on = factory.LazyFunction(lambda: timezone.localdate())
    ends_on = None


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    member = factory.SubFactory(UserFactory)
    session = factory.SubFactory(SessionFactory)
    attendees = 1
