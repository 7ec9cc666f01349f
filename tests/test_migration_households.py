"""F1: migration 0016 makes every existing member a household of one, and what they had
behaves as before: the same bookings, passes, waiting places, registrations and order
lines, now belonging to the member's own person."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import (
    Booking,
    MemberPass,
    OrderLine,
    Person,
    Registration,
    Session,
    WaitlistEntry,
)

BEFORE = [("wagtail_passes", "0015_booking_form_token")]
AFTER = [("wagtail_passes", "0016_households")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_f1_migration_makes_every_member_a_household_of_one():
    old = migrate(BEFORE)
    try:
        User = old.get_model("auth", "User")
        maya = User.objects.create(username="maya")
        tom = User.objects.create(username="tom")
        Programme = old.get_model("wagtail_passes", "Programme")
        programme = Programme.objects.create(
            name="Yoga", slug="yoga", currency="EUR", default_unit_price=Decimal("12.00")
        )
        klass = old.get_model("wagtail_passes", "ProgrammeClass").objects.create(
            programme=programme, name="Flow", capacity=1
        )
        start = timezone.now() + dt.timedelta(days=3)
        session = old.get_model("wagtail_passes", "Session").objects.create(
            programme_class=klass, start=start, end=start + dt.timedelta(hours=1)
        )
        old.get_model("wagtail_passes", "Booking").objects.create(
            member=maya, session=session, price=Decimal("12.00"), amount_due=Decimal("12.00")
        )
        old.get_model("wagtail_passes", "WaitlistEntry").objects.create(member=tom, session=session)
        old.get_model("wagtail_passes", "MemberPass").objects.create(
            member=tom,
            title="Ten classes",
            kind="entries",
            quantity=Decimal(10),
            balance=Decimal(10),
            currency="EUR",
            validity_basis="purchase",
            duration_days=30,
            purchased_at=timezone.now(),
            is_paid=True,
            paid_at=timezone.now(),
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() + dt.timedelta(days=30),
            programme_ids=[programme.pk],
        )
        old.get_model("wagtail_passes", "Registration").objects.create(
            member=maya, programme=programme
        )
        order = old.get_model("wagtail_passes", "Order").objects.create(
            reference="ABCDEFGH", member=tom, provider="manual", currency="EUR", total=0
        )
        page = old.get_model("wagtailcore", "Page").objects.filter(depth=1).first()
        old.get_model("wagtail_passes", "OrderLine").objects.create(
            order=order, product_id=page.pk, title="Ten classes", unit_price=0, total=0
        )
    finally:
        migrate(AFTER)

    assert Person.objects.filter(is_holder=True).count() == 2
    maya_self = Person.objects.get(account__username="maya")
    tom_self = Person.objects.get(account__username="tom")
    assert (maya_self.is_holder, maya_self.name) == (True, "")
    assert Booking.objects.get().person == maya_self
    assert Registration.objects.get().person == maya_self
    assert WaitlistEntry.objects.get().person == tom_self
    assert MemberPass.objects.get().person == tom_self
    assert OrderLine.objects.get().person == tom_self

    # And it behaves as before: P2 still refuses maya a second booking, and the full
    # session still sends tom to the waiting list he is on.
    migrate(leaf())
    maya, tom = maya_self.account, tom_self.account
    session = Session.objects.get()
    with pytest.raises(BookingError, match="already booked"):
        services.book(maya, session)
    cancelled = services.cancel_booking(Booking.objects.get(), by=maya)
    assert [b.member for b in cancelled.promoted] == [tom]
    assert cancelled.promoted[0].person == tom_self
    assert cancelled.promoted[0].member_pass == MemberPass.objects.get()
