import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.test import Client

from wagtail_passes import services
from wagtail_passes.models import ProductKind, ValidityBasis
from wagtail_passes.test.factories import (
    BookingFactory,
    CreditPackPageFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

UTC = dt.UTC
NOW = dt.datetime(2027, 3, 10, 10, 0, tzinfo=UTC)  # Wednesday; London is on GMT


@pytest.fixture
def clock(db):
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def person(username, first, last):
    return UserFactory(
        username=username, first_name=first, last_name=last, email=f"{username}@example.com"
    )


def staff_client(*codenames):
    """A logged-in Wagtail editor holding only these permissions of the app."""
    group = Group.objects.create(name="Desk " + "-".join(codenames))
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(
            content_type__app_label="wagtail_passes", codename__in=codenames
        ),
    )
    user = UserFactory()
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(clock, client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def holders(clock, superuser):
    """Seven members, one pass each, in every status (S1)."""
    # 30 days from a purchase on 12 February: valid until 14 March (12 Feb + 30 days).
    ten = PassPageFactory(
        title="Ten classes", quantity=Decimal(10), duration_days=30, allow_auto_renew=True
    )
    spring = PassPageFactory(
        title="Unlimited spring",
        kind=ProductKind.UNLIMITED,
        quantity=None,
        validity_basis=ValidityBasis.FIXED,
        fixed_start=dt.date(2027, 3, 1),
        fixed_end=dt.date(2027, 6, 30),
    )
    money = CreditPackPageFactory(
        title="Money credit", kind=ProductKind.MONEY, quantity=Decimal(50), currency="EUR"
    )
    winter = PassPageFactory(
        title="Winter",
        validity_basis=ValidityBasis.FIXED,
        fixed_start=dt.date(2026, 12, 1),
        fixed_end=dt.date(2027, 2, 28),
    )
    people = {
        "ann": person("ann", "Ann", "Lee"),
        "bob": person("bob", "Bob", "Stone"),
        "cat": person("cat", "Cat", "Moss"),
        "dan": person("dan", "Dan", "Reed"),
        "eve": person("eve", "Eve", "Hart"),
        "fay": person("fay", "Fay", "Wong"),
        "gus": person("gus", "Gus", "Kerr"),
    }
    bought = dt.datetime(2027, 2, 12, 10, 0, tzinfo=UTC)
    passes = {
        "ann": member_pass(people["ann"], ten, purchased_at=bought),
        "bob": services.issue_member_pass(
            people["bob"], ten, paid=True, auto_renew=True, purchased_at=bought
        ),
        "cat": member_pass(people["cat"], ten, purchased_at=bought),
        "dan": member_pass(people["dan"], spring, purchased_at=bought),
        "eve": member_pass(people["eve"], money),
        "fay": member_pass(people["fay"], winter),
        "gus": member_pass(people["gus"], ten, purchased_at=bought),
    }
    services.adjust_pass(passes["ann"], Decimal(-3), superuser, "three used elsewhere")
    services.adjust_pass(passes["cat"], Decimal(-10), superuser, "used up elsewhere")
    services.hold_pass(passes["dan"], dt.date(2027, 3, 8), dt.date(2027, 3, 12), superuser)
    services.cancel_pass(passes["gus"], superuser, "moved away")
    return {
        "people": people,
        "passes": passes,
        "products": {"ten": ten, "spring": spring, "money": money, "winter": winter},
    }


@pytest.fixture
def debts(clock):
    """What members owe on 10 March 2027 (S2). Worked out by hand:

    amounts due (session started, no pass, not in a pending order)
      ann  Yoga Flow 1 March 18:00, EUR 12.00, 9 days
      bob  Yoga Flow 10 March 08:00 (two places), EUR 24.00, 0 days
      cat  Lengths 1 February 09:00, GBP 8.00 (currency from the programme), 37 days
    orders awaiting payment
      fay  order of her amount due for 1 March (EUR 12.00), placed today, 0 days
      gus  Ten classes EUR 90.00, placed 8 March, 2 days, held until 15 March
      hal  Ten classes EUR 90.00, placed 20 February, 18 days, overdue (held until 27 Feb)
    totals: EUR 228.00, GBP 8.00
    """
    yoga = ProgrammeFactory(name="Yoga", currency="EUR", default_unit_price=Decimal("12.00"))
    swim = ProgrammeFactory(name="Swim", currency="GBP", default_unit_price=Decimal("8.00"))
    flow = ProgrammeClassFactory(programme=yoga, name="Yoga Flow")
    lengths = ProgrammeClassFactory(programme=swim, name="Lengths")

    def session(klass, *args):
        start = dt.datetime(*args, tzinfo=UTC)
        return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))

    sessions = {
        "yoga_past": session(flow, 2027, 3, 1, 18),
        "yoga_today": session(flow, 2027, 3, 10, 8),
        "yoga_future": session(flow, 2027, 3, 12, 18),
        "swim_past": session(lengths, 2027, 2, 1, 9),
    }
    people = {
        name: person(name, name.title(), "Owes")
        for name in ("ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "ivy")
    }

    def owes(member, session, amount, currency="EUR", **kwargs):
        amount = Decimal(amount)
        return BookingFactory(
            member=member,
            session=session,
            price=amount,
            amount_due=amount,
            currency=currency,
            **kwargs,
        )

    bookings = {
        "ann": owes(people["ann"], sessions["yoga_past"], "12.00"),
        "ann_future": owes(people["ann"], sessions["yoga_future"], "12.00"),
        "bob": owes(people["bob"], sessions["yoga_today"], "24.00", attendees=2),
        "cat": owes(people["cat"], sessions["swim_past"], "8.00", currency=""),
        "dan": owes(people["dan"], sessions["yoga_past"], "12.00", status="cancelled"),
        "eve": owes(people["eve"], sessions["yoga_past"], "0.00"),
        "fay": owes(people["fay"], sessions["yoga_past"], "12.00"),
    }
    ten = PassPageFactory(title="Ten classes", price=Decimal("90.00"), currency="EUR")
    with time_machine.travel(dt.datetime(2027, 2, 20, 10, 0, tzinfo=UTC), tick=False):
        hal_order = services.place_order(people["hal"], ten)
    with time_machine.travel(dt.datetime(2027, 3, 8, 10, 0, tzinfo=UTC), tick=False):
        gus_order = services.place_order(people["gus"], ten)
    fay_order = services.place_dues_order(people["fay"], [bookings["fay"]])
    ivy_order = services.place_order(people["ivy"], ten)
    services.mark_paid(ivy_order, by=None)
    return {
        "people": people,
        "sessions": sessions,
        "bookings": bookings,
        "orders": {"fay": fay_order, "gus": gus_order, "hal": hal_order, "ivy": ivy_order},
        "programmes": {"yoga": yoga, "swim": swim},
    }
