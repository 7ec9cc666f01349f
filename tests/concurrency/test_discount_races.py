"""Discount codes racing (PostgreSQL, real threads): a use limit holds whatever the
concurrency (A4), counted afresh from the redemptions under the code row's lock.

Every refusal must be a ``CheckoutError`` with an expected code; anything else (a
deadlock, an IntegrityError, a bug) fails with its traceback.
"""

import traceback
from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import DiscountRedemption, Order
from wagtail_passes.test.factories import DiscountCodeFactory, PassPageFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    # Threads need committed data. The flush after each test removes Wagtail's root page
    # and site; the factories create them again when needed.
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 3
MEMBERS = 10


def check_refusals(results, allowed):
    for kind, value in results:
        if kind != "error":
            continue
        trace = "".join(traceback.format_exception(value))
        assert isinstance(value, CheckoutError), f"unexpected exception:\n{trace}"
        assert value.code in allowed, f"unexpected refusal {value.code!r}:\n{trace}"


@pytest.mark.parametrize("stock_limit", [None, 50])
def test_a4_a_code_with_one_use_taken_by_ten_members_at_once(concurrently, stock_limit):
    """One order gets the discount; the nine others are refused ``code_used_up`` and
    write nothing. With a stock limit, the stock rows are locked first, then the code."""
    for round_ in range(ROUNDS):
        code = DiscountCodeFactory(code=f"ONCE-{round_}-{stock_limit or 0}", max_uses=1)
        product = PassPageFactory(price=Decimal("50.00"), stock_limit=stock_limit)
        members = [UserFactory() for _ in range(MEMBERS)]

        results = concurrently(
            lambda member, product, code: services.place_order(member, product, discount_code=code),
            [(member, product, code.code) for member in members],
        )

        check_refusals(results, {"code_used_up"})
        placed = [value for kind, value in results if kind == "ok"]
        assert len(placed) == 1
        assert DiscountRedemption.objects.filter(code=code).count() == 1
        assert Order.objects.filter(lines__product_id=product.pk).count() == 1
        assert placed[0].lines.get().discount == Decimal("5.00")
        if stock_limit:
            assert product.sold_count() == 1


def test_a4_a_limit_of_three_among_ten_members(concurrently):
    code = DiscountCodeFactory(code="THREE", max_uses=3)
    product = PassPageFactory(stock_limit=100)

    results = concurrently(
        lambda member: services.place_order(member, product, discount_code="three"),
        [(UserFactory(),) for _ in range(MEMBERS)],
    )

    check_refusals(results, {"code_used_up"})
    assert sum(kind == "ok" for kind, _ in results) == 3
    assert code.uses() == 3
    assert product.sold_count() == 3
