"""F1: migration 0016 makes every existing member a household of one, and what they had
behaves as before: the same bookings, passes, waiting places, registrations and order
lines, now belonging to the member's own person."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import (
    Booking,
    MemberPass,
    Person,
    Session,
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
    # A page for the order line's product (a transactional test before this one may have
    # emptied the tables, Wagtail's root page included).
    if not Page.objects.filter(depth=1).exists():
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        Page.add_root(instance=Page(title="Root", slug="root"))
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
        new = migrate(AFTER)

    # Read with the models as 0016 left them (later migrations add columns).
    def model(name):
        return new.get_model("wagtail_passes", name)

    holders = model("Person").objects.filter(is_holder=True)
    assert holders.count() == 2
    maya_self = holders.get(account__username="maya")
    tom_self = holders.get(account__username="tom")
    assert (maya_self.is_holder, maya_self.name) == (True, "")
    assert model("Booking").objects.get().person_id == maya_self.pk
    assert model("Registration").objects.get().person_id == maya_self.pk
    assert model("WaitlistEntry").objects.get().person_id == tom_self.pk
    assert model("MemberPass").objects.get().person_id == tom_self.pk
    assert model("OrderLine").objects.get().person_id == tom_self.pk

    # And it behaves as before: P2 still refuses maya a second booking, and the full
    # session still sends tom to the waiting list he is on.
    migrate(leaf())
    maya_self, tom_self = Person.objects.get(pk=maya_self.pk), Person.objects.get(pk=tom_self.pk)
    maya, tom = maya_self.account, tom_self.account
    session = Session.objects.get()
    with pytest.raises(BookingError, match="already booked"):
        services.book(maya, session)
    cancelled = services.cancel_booking(Booking.objects.get(), by=maya)
    assert [b.member for b in cancelled.promoted] == [tom]
    assert cancelled.promoted[0].person == tom_self
    assert cancelled.promoted[0].member_pass == MemberPass.objects.get()
