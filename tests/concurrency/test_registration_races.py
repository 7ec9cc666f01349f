"""Registering racing (PostgreSQL, real threads), P10: two tabs registering the same member
at once make one registration and one order; twenty members registering for a programme
whose mandatory product has one place left make exactly one order holding it.

Every refusal must be a ``CheckoutError`` with an expected code; anything else (a deadlock,
an IntegrityError, a bug) fails with its traceback.
"""

from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.models import Order, ProgrammeProduct, Registration
from wagtail_passes.test.factories import PassPageFactory, ProgrammeFactory, UserFactory

from .test_order_races import ROUNDS, check_refusals, outcome, staggered

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def club(stock_limit=None):
    programme = ProgrammeFactory()
    season = PassPageFactory(price=Decimal("40.00"), stock_limit=stock_limit)
    ProgrammeProduct.objects.create(
        programme=programme, product=season, role=ProgrammeProduct.Role.MANDATORY
    )
    return programme, season


@pytest.mark.parametrize("step", range(ROUNDS))
def test_p10_two_tabs_registering_at_once_make_one_registration_and_one_order(concurrently, step):
    member = UserFactory()
    programme, _season = club()

    results = staggered(
        concurrently,
        lambda: services.register(member, programme, token="tab-1"),
        lambda: services.register(member, programme, token="tab-2"),
        step=step,
    )

    check_refusals(results, {"awaiting_payment"})
    assert sorted(outcome(r) for r in results) == ["awaiting_payment", "ok"]
    assert Registration.objects.filter(member=member).count() == 1
    order = Order.objects.get(member=member)
    assert order.registration == Registration.objects.get(member=member)


def test_p10_the_last_season_pass_goes_to_exactly_one_of_twenty_members(concurrently):
    programme, season = club(stock_limit=1)
    members = [UserFactory() for _ in range(20)]

    results = concurrently(lambda m: services.register(m, programme), [(m,) for m in members])

    check_refusals(results, {"sold_out"})
    assert sorted(outcome(r) for r in results).count("ok") == 1
    assert season.sold_count() == 1
    assert Order.objects.count() == 1 and Registration.objects.count() == 1
