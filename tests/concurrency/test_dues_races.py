"""Amounts due paid online racing (PostgreSQL, real threads), C6: one booking in one pending
order at a time, and an order paid while a new pass settles the same booking (R2).

Every refusal must be a ``CheckoutError`` with an expected code; anything else (a deadlock,
an IntegrityError, a bug) fails with its traceback.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.models import Booking, Order, OrderLine, OrderState
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

from .test_order_races import ROUNDS, check_refusals, outcome, staggered

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def owing(member):
    start = timezone.now() + dt.timedelta(days=2)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(), start=start, end=start + dt.timedelta(hours=1)
    )
    return services.book(member, session)


@pytest.mark.parametrize("step", range(ROUNDS))
def test_c6_two_orders_for_one_booking_at_once_make_one(concurrently, step):
    member = UserFactory()
    booking = owing(member)

    results = staggered(
        concurrently,
        lambda: services.place_dues_order(member, [booking.pk]),
        lambda: services.place_dues_order(member, [booking.pk]),
        step=step,
    )

    check_refusals(results, {"already_in_order"})
    assert sorted(outcome(r) for r in results) == ["already_in_order", "ok"]
    assert OrderLine.objects.filter(booking=booking, order__state=OrderState.PENDING).count() == 1


@pytest.mark.parametrize("step", range(ROUNDS))
def test_c6_r2_order_paid_while_a_pass_settles_the_booking_pays_it_once(concurrently, step):
    member, staff = UserFactory(), StaffFactory()
    booking = owing(member)
    order = services.place_dues_order(member, [booking.pk])
    product = PassPageFactory(quantity=Decimal(1))

    results = staggered(
        concurrently,
        lambda: services.mark_paid(order, staff),
        lambda: services.assign_pass(member, product, by=staff),
        step=step,
    )

    check_refusals(results, set())
    booking = Booking.objects.get(pk=booking.pk)
    line = OrderLine.objects.get(order=order)
    assert Order.objects.get(pk=order.pk).state == OrderState.PAID
    assert booking.amount_due == 0
    paid_by_pass = booking.member_pass_id is not None
    paid_online = booking.payment_method == "online"
    assert paid_by_pass != paid_online  # exactly one of them paid it
    assert line.refund_needed is paid_by_pass
