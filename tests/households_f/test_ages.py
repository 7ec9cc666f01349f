"""F2: a product restricts who may hold it by age on the session's date (a range, or "adults
only"), and says so; checkout refuses a person outside it, and a pass stops paying once its
holder is outside it on a session's date."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError, CheckoutError
from wagtail_passes.models import ProductAgeLimit
from wagtail_passes.rules.ages import age_on, age_refusal, describe
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)

# ---- the rule ------------------------------------------------------------------------------


def test_F2_age_on_counts_whole_years_and_leap_birthdays():
    born = dt.date(2016, 2, 29)
    assert age_on(born, dt.date(2026, 2, 28)) == 9
    assert age_on(born, dt.date(2026, 3, 1)) == 10
    assert age_on(dt.date(2014, 6, 9), dt.date(2026, 6, 8)) == 11
    assert age_on(dt.date(2014, 6, 9), dt.date(2026, 6, 9)) == 12


def test_F2_the_range_in_words():
    assert describe(5, 12) == "Ages 5 to 12"
    assert describe(18, None) == "Ages 18 and over"
    assert describe(None, 12) == "Ages up to 12"
    assert describe(None, None) == ""


def test_F2_bounds_are_included_and_a_missing_birth_date_is_refused():
    day = dt.date(2027, 3, 9)
    assert age_refusal(5, 12, dt.date(2015, 3, 9), day) is None  # 12 on the day: in
    over = age_refusal(5, 12, dt.date(2014, 3, 9), day, "Ana")
    assert over.code == "age_out_of_range"
    assert over.message == "Ages 5 to 12: Ana is 13 on 9 March 2027."
    assert age_refusal(5, 12, dt.date(2022, 3, 10), day).code == "age_out_of_range"  # 4
    assert age_refusal(18, None, None, day, "Leo").code == "needs_birth_date"
    assert age_refusal(None, None, None, day) is None


# ---- the product, checkout and booking --------------------------------------------------------


@pytest.fixture
def parent(db):
    return UserFactory(username="maya")


@pytest.fixture
def kids_pass(db):
    programme = ProgrammeFactory(require_valid_pass=True)
    product = PassPageFactory(title="Kids swim", programmes=[programme])
    ProductAgeLimit.objects.create(product=product, min_age=5, max_age=12)
    return product


def session_on(day, programme):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(17)))
    klass = ProgrammeClassFactory(programme=programme)
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


@pytest.mark.django_db
def test_F2_the_product_page_says_who_may_hold_it(kids_pass):
    assert "Ages 5 to 12" in kids_pass.buyer_notes()


@pytest.mark.django_db
def test_F2_checkout_refuses_a_person_outside_the_range_or_without_a_birth_date(parent, kids_pass):
    today = timezone.localdate()
    leo = services.add_dependant(parent, "Leo")
    with pytest.raises(CheckoutError) as error:
        services.quote(leo, kids_pass)
    assert error.value.code == "needs_birth_date"
    teen = services.add_dependant(parent, "Tia", date_of_birth=today.replace(year=today.year - 14))
    with pytest.raises(CheckoutError) as error:
        services.place_order(teen, kids_pass, accepted_terms=True)
    assert error.value.code == "age_out_of_range"
    with pytest.raises(CheckoutError) as error:
        services.quote(parent, kids_pass)  # the parent is not 5 to 12 either (no birth date)
    assert error.value.code == "needs_birth_date"
    ana = services.add_dependant(parent, "Ana", date_of_birth=today.replace(year=today.year - 8))
    order = services.place_order(ana, kids_pass, accepted_terms=True)
    assert order.lines.get().person == ana


@pytest.mark.django_db
def test_F2_a_pass_stops_paying_once_its_holder_is_past_the_range_on_the_session_date(
    parent, kids_pass
):
    today = timezone.localdate()
    # Ana turns 13 in ten days: sessions before pay, sessions after need another pass.
    birthday = today + dt.timedelta(days=10)
    ana = services.add_dependant(
        parent, "Ana", date_of_birth=birthday.replace(year=birthday.year - 13)
    )
    services.fulfil_order(
        services.place_order(ana, kids_pass, accepted_terms=True), provider="manual"
    )
    programme = kids_pass.programmes.get()
    before = session_on(today + dt.timedelta(days=3), programme)
    after = session_on(today + dt.timedelta(days=12), programme)
    assert services.book(ana, before).member_pass.title == "Kids swim"
    with pytest.raises(BookingError) as error:
        services.book(ana, after)
    assert error.value.code == "no_valid_pass"
    assert "Ages 5 to 12: Ana is 13" in error.value.message
    held = ana.member_passes.get()
    assert services.evaluate(held, after).code == "age_out_of_range"
    assert held.min_age == 5 and held.max_age == 12
    assert Decimal(held.balance) == Decimal(9)
