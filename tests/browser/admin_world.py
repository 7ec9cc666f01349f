"""A studio's back office with something of everything, for walking every admin page of
the app in a browser (``test_admin_pages.py``): long names, every kind of pass, holds,
bookings paid with a pass or owing an amount, orders in each state with a refund, a payment
needing attention, a registration awaiting payment and a discount code limited to products.

Built through the services, as the site builds it. ``build_world()`` returns the objects the
pages are reached from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.models import (
    Booking,
    MemberPass,
    Order,
    PaymentIssue,
    ProductKind,
    ProgrammeProduct,
    Registration,
    Schedule,
    Session,
)
from wagtail_passes.models import DiscountCode as DiscountCodeModel
from wagtail_passes.services.gateway import PAID, PaymentFact
from wagtail_passes.services.payment_state import receive_payment
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    DiscountCodeFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    ScheduleFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)


@dataclass
class World:
    boss: object
    member: object
    programme: object
    programme_class: object
    schedule: Schedule
    session: Session
    past_session: Session
    booking: Booking
    attended: Booking
    owing: Booking
    entries: MemberPass
    unlimited: MemberPass
    money: MemberPass
    pending: Order
    paid: Order
    issue: PaymentIssue
    registration: Registration
    code: DiscountCodeModel


def _at(days: int, hour: int) -> dt.datetime:
    now = timezone.localtime()
    return (now + dt.timedelta(days=days)).replace(hour=hour, minute=15, second=0, microsecond=0)


def _paid_by_transfer(order, key, amount, currency="EUR"):
    return receive_payment(order, PaymentFact("manual", key, PAID, Decimal(amount), currency))


def build_world() -> World:
    boss = UserFactory(
        username="boss", first_name="Boss", last_name="Owner", is_superuser=True, is_staff=True
    )
    alexandra = UserFactory(
        username="alexandra.montgomery",
        first_name="Alexandra",
        last_name="Montgomery-Whitfield",
        email="alexandra.montgomery-whitfield@example.org",
    )
    maximilian = UserFactory(
        username="maximilian.featherstonehaugh",
        first_name="Maximilian",
        last_name="Featherstonehaugh",
        email="max.featherstonehaugh@example.org",
    )
    bo = UserFactory(username="bo", first_name="Bo", last_name="Li", email="bo@example.org")

    yoga = ProgrammeFactory(
        name="Pay-as-you-go Yoga and Pilates",
        slug="yoga-and-pilates",
        default_unit_price=Decimal("1250.00"),
        require_valid_pass=False,
        redeem_if_unpaid=True,
    )
    vinyasa = ProgrammeClassFactory(
        programme=yoga,
        name="Vinyasa Flow for Beginners",
        location="Studio 2, Harbourside",
        instructor="Henrietta Castellanos",
        capacity=12,
    )
    swim = ProgrammeFactory(name="Open Water Squad", slug="open-water-squad")
    masters = ProgrammeClassFactory(programme=swim, name="Masters swim")
    schedule = ScheduleFactory(programme_class=vinyasa, weekdays=[0, 2, 4])
    session = SessionFactory(programme_class=vinyasa, start=_at(2, 19), end=_at(2, 20))
    # Started just now, but today: just after midnight "ten minutes ago" is yesterday, before
    # the passes issued today are valid.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    started = max(
        timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=10), midnight
    )
    past = SessionFactory(  # started just now, so its attendance can be marked
        programme_class=vinyasa, start=started, end=started + dt.timedelta(hours=1)
    )
    SessionFactory(programme_class=masters, start=_at(3, 6), end=_at(3, 7))

    ten = PassPageFactory(
        title="Ten-class pass", price=Decimal("1250.00"), quantity=Decimal(10), duration_days=90
    )
    month = PassPageFactory(
        title="Unlimited month",
        kind=ProductKind.UNLIMITED,
        quantity=None,
        duration_days=30,
        price=Decimal("89.00"),
        allow_auto_renew=True,
    )
    credit = CreditPackPageFactory(
        title="Money credit", kind=ProductKind.MONEY, quantity=Decimal("100.00"), currency="EUR"
    )
    season = PassPageFactory(title="Season pass", price=Decimal("40.00"))
    ProgrammeProduct.objects.create(
        programme=swim, product=season, role=ProgrammeProduct.Role.MANDATORY
    )

    # Alexandra's ten-class pass, bought and paid through an order, on hold next month.
    paid = services.place_order(alexandra, ten, accepted_terms=True)
    paid = services.mark_paid(paid, by=boss, reference="Bank transfer 2027-0042")
    entries = MemberPass.objects.get(member=alexandra, title="Ten-class pass")
    services.hold_pass(
        entries,
        timezone.localdate() + dt.timedelta(days=30),
        timezone.localdate() + dt.timedelta(days=37),
        by=boss,
        reason="Travelling for work",
    )
    booking = services.book(alexandra, session, member_pass=entries, by=boss)
    attended = services.book(alexandra, past, member_pass=entries, by=boss)
    services.mark_attendance(attended, True, by=boss)

    unlimited = member_pass(maximilian, month)
    unlimited.auto_renew = True
    unlimited.save(update_fields=["auto_renew"])
    money = member_pass(maximilian, credit)
    cancelled = member_pass(bo, ten)
    services.cancel_pass(cancelled, by=boss, reason="Sold by mistake")

    # Bo books without a pass: the session's price is due.
    owing = services.book(bo, session, by=boss)
    later = services.book(maximilian, past, member_pass=unlimited, by=boss)
    services.mark_attendance(later, False, by=boss)

    pending = services.place_order(bo, month, accepted_terms=True)
    refunded = services.place_order(maximilian, ten, accepted_terms=True)
    services.mark_paid(refunded, by=boss)
    twice = services.place_order(bo, credit, accepted_terms=True)
    _paid_by_transfer(twice, "transfer-1", twice.total)
    _paid_by_transfer(twice, "transfer-2", twice.total)
    issue = PaymentIssue.objects.get(order=twice)

    registration = services.register(alexandra, swim).registration

    code = DiscountCodeFactory(
        code="SPRING-2027-EARLYBIRD",
        value=Decimal(15),
        max_uses=250,
        valid_from=_at(-10, 9),
        valid_until=_at(60, 23),
        products=[ten, month, credit],
    )
    return World(
        boss=boss,
        member=alexandra,
        programme=yoga,
        programme_class=vinyasa,
        schedule=schedule,
        session=session,
        past_session=past,
        booking=booking,
        attended=attended,
        owing=owing,
        entries=entries,
        unlimited=unlimited,
        money=money,
        pending=pending,
        paid=paid,
        issue=issue,
        registration=registration,
        code=code,
    )
