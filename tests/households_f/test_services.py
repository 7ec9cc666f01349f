"""Households (F1): dependants book, wait, register and hold passes of their own, judged as
any member is; the account holder pays, manages and receives the emails."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError, CheckoutError, HouseholdError
from wagtail_passes.models import (
    Booking,
    BuyerRestriction,
    MemberPass,
    Person,
    WaitlistEntry,
)
from wagtail_passes.presentation import local_today
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db


def next_monday_at(hour, klass, weeks=1):
    today = local_today()
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 + 7 * (weeks - 1) or 7)
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time(hour)))
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


@pytest.fixture
def maya():
    return UserFactory(username="maya", email="maya@example.com")


@pytest.fixture
def ana(maya):
    return services.add_dependant(maya, "Ana", date_of_birth=dt.date(2016, 5, 1))


@pytest.fixture
def klass():
    programme = ProgrammeFactory(default_unit_price=Decimal("12.00"))
    return ProgrammeClassFactory(programme=programme, capacity=5)


def test_F1_a_user_means_the_user_themself(maya, klass):
    session = next_monday_at(9, klass)
    booking = services.book(maya, session)
    holder = Person.objects.get(account=maya, is_holder=True)
    assert (booking.member, booking.person) == (maya, holder)
    assert str(holder) == "maya"


def test_F1_a_dependant_books_and_the_holder_pays_and_gets_the_email(
    maya, ana, klass, django_capture_on_commit_callbacks
):
    session = next_monday_at(9, klass)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book(ana, session, by=maya)
    assert (booking.member, booking.person) == (maya, ana)
    assert booking.amount_due == Decimal("12.00")  # owed by the account holder
    assert [m.to for m in mail.outbox] == [["maya@example.com"]]
    assert "Attending: Ana" in mail.outbox[0].body


def test_F1_P2_duplicates_are_per_person(maya, ana, klass):
    session = next_monday_at(9, klass)
    services.book(maya, session)
    services.book(ana, session)  # the parent's booking does not stop the child's
    with pytest.raises(BookingError, match="Ana has already booked") as error:
        services.book(ana, session)
    assert error.value.code == "already_booked"
    assert Booking.objects.filter(session=session).count() == 2


def test_F1_U1_a_childs_weekly_limit_does_not_count_the_parents_bookings(maya, ana, klass):
    weekly = {"quantity": Decimal(10), "period_limit": "week", "period_max_uses": 1}
    parents = member_pass(maya, programmes=[klass.programme], **weekly)
    childs = member_pass(ana, programmes=[klass.programme], **weekly)
    monday = next_monday_at(9, klass)
    tuesday_start = monday.start + dt.timedelta(days=1)
    tuesday = SessionFactory(
        programme_class=klass, start=tuesday_start, end=tuesday_start + dt.timedelta(hours=1)
    )
    assert services.book(maya, monday).member_pass == parents
    assert services.book(ana, monday).member_pass == childs  # her own week is untouched
    # Her second use this week is over her own limit: no pass of hers pays, so it is owed.
    second = services.book(ana, tuesday)
    assert second.member_pass is None and second.amount_due == Decimal("12.00")
    verdicts = {p.pk: p.verdict for p in services.evaluate_member_passes(maya, tuesday)}
    assert verdicts[parents.pk].code == "period_limit"  # the parent's own limit, not Ana's


def test_F1_P3_a_parents_pass_never_pays_for_the_child(maya, ana):
    strict = ProgrammeFactory(default_unit_price=Decimal("12.00"), require_valid_pass=True)
    klass = ProgrammeClassFactory(programme=strict)
    member_pass(maya, programmes=[strict])
    session = next_monday_at(9, klass)
    with pytest.raises(BookingError) as error:
        services.book(ana, session, by=maya)
    assert error.value.code == "no_valid_pass"
    assert "none of yours" not in error.value.message or Booking.objects.count() == 0
    mine = services.book(maya, session)
    assert mine.member_pass is not None


def test_F1_a_pass_of_someone_else_in_the_household_is_refused(maya, ana, klass):
    parents = member_pass(maya, programmes=[klass.programme])
    with pytest.raises(BookingError) as error:
        services.book(ana, next_monday_at(9, klass), member_pass=parents)
    assert error.value.code == "not_your_pass"


def test_F1_waiting_lists_are_per_person_and_promote_the_child(maya, ana):
    klass = ProgrammeClassFactory(capacity=1)
    session = next_monday_at(9, klass)
    first = services.book(maya, session)
    entry = services.join_waitlist(ana, session)
    assert (entry.member, entry.person) == (maya, ana)
    with pytest.raises(BookingError) as error:
        services.join_waitlist(ana, session)
    assert error.value.code == "already_waiting"
    cancelled = services.cancel_booking(first, by=maya)
    assert [b.person for b in cancelled.promoted] == [ana]
    assert WaitlistEntry.objects.get().status == "booked"


def test_F1_buying_for_a_child_gives_the_child_the_pass_and_the_parent_the_order(maya, ana):
    product = PassPageFactory(price=Decimal("50.00"))
    order = services.place_order(ana, product, accepted_terms=True)
    assert order.member == maya
    assert order.lines.get().person == ana
    services.fulfil_order(order, provider="manual")
    held = MemberPass.objects.get()
    assert (held.member, held.person) == (maya, ana)


def test_F1_U5_who_may_buy_is_judged_for_the_person(maya, ana, klass):
    services.book(maya, next_monday_at(9, klass))  # the parent has booked before
    trial = PassPageFactory(buyer_restriction=BuyerRestriction.NEW_JOINERS)
    with pytest.raises(CheckoutError) as error:
        services.quote(maya, trial)
    assert error.value.code == "not_new_joiner"
    assert services.quote(ana, trial).total.amount == trial.price  # Ana never booked


def test_F1_R2_a_childs_new_pass_settles_her_bookings_only(maya, ana, klass):
    mine = services.book(maya, next_monday_at(9, klass))
    hers = services.book(ana, next_monday_at(10, klass))
    new = member_pass(ana, programmes=[klass.programme])
    mine.refresh_from_db()
    hers.refresh_from_db()
    assert hers.member_pass == new and hers.amount_due == 0
    assert mine.member_pass is None and mine.amount_due == Decimal("12.00")


def test_F1_registration_is_per_person(maya, ana):
    programme = ProgrammeFactory()
    mine = services.register(maya, programme)
    hers = services.register(ana, programme)
    assert mine.registration.person.is_holder and hers.registration.person == ana
    assert services.registration_status(ana, programme).is_registered
    with pytest.raises(CheckoutError) as error:
        services.register(ana, programme)
    assert error.value.code == "already_registered"


def test_F1_only_the_account_holder_or_staff_act_for_a_dependant(maya, ana, klass):
    stranger = UserFactory()
    session = next_monday_at(9, klass)
    with pytest.raises(BookingError) as error:
        services.book(ana, session, by=stranger)
    assert error.value.code == "not_allowed"
    assert services.book(ana, session, by=StaffFactory()).person == ana


def test_F1_household_services_validate_and_audit(maya):
    staff = StaffFactory()
    with pytest.raises(HouseholdError) as error:
        services.add_dependant(maya, "   ")
    assert error.value.code == "invalid_name"
    with pytest.raises(HouseholdError) as error:
        services.add_dependant(maya, "Leo", date_of_birth=local_today() + dt.timedelta(days=1))
    assert error.value.code == "invalid_birth_date"
    with pytest.raises(HouseholdError) as error:
        services.add_dependant(maya, "Leo", by=UserFactory())
    assert error.value.code == "not_allowed"
    leo = services.add_dependant(maya, "  Leo   Lind ", by=staff)
    assert leo.name == "Leo Lind" and not leo.is_holder
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(action="wagtail_passes.person.add").count() == 1
    leo = services.update_person(leo, date_of_birth=dt.date(2015, 1, 2), by=maya)
    assert leo.age_on(dt.date(2025, 1, 1)) == 9 and leo.age_on(dt.date(2025, 1, 2)) == 10
    holder = Person.objects.holder_of(maya)
    with pytest.raises(HouseholdError) as error:
        services.update_person(holder, name="Someone else")
    assert error.value.code == "holder_name"
    with pytest.raises(HouseholdError) as error:
        services.remove_dependant(holder)
    assert error.value.code == "holder_not_removable"


def test_F1_a_dependant_with_bookings_to_come_is_not_removed(maya, ana, klass):
    booking = services.book(ana, next_monday_at(9, klass))
    with pytest.raises(HouseholdError) as error:
        services.remove_dependant(ana, by=maya)
    assert error.value.code == "has_upcoming_bookings"
    services.cancel_booking(booking, by=maya)
    removed = services.remove_dependant(ana, by=maya)
    assert removed.removed_at is not None
    assert [p.name for p in services.household(maya)] == [""]  # the holder alone
    with pytest.raises(BookingError) as error:
        services.book(removed, next_monday_at(10, klass))
    assert error.value.code == "person_removed"


def test_F1_a_household_holds_at_most_twenty_dependants(maya):
    for i in range(20):
        services.add_dependant(maya, f"Child {i}")
    with pytest.raises(HouseholdError) as error:
        services.add_dependant(maya, "One more")
    assert error.value.code == "too_many_people"
