"""Discount codes through the order services (A4, with A6 rounding and C1/C5 around them).

Expected amounts are worked out by hand. A refused code writes nothing: no order, no use.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import (
    DiscountCode,
    DiscountRedemption,
    MemberPass,
    Order,
    OrderLine,
    Payment,
)
from wagtail_passes.services.orders import Item, quote_basket
from wagtail_passes.test.factories import (
    DiscountCodeFactory,
    PassPageFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(code, call, *args, **kwargs):
    with pytest.raises(CheckoutError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def nothing_written():
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
    assert DiscountRedemption.objects.count() == 0
    assert MemberPass.objects.count() == 0


def line_of(order):
    line = order.lines.get()
    return line.unit_price, line.quantity, line.discount, line.total


# ---- what a code takes off ---------------------------------------------------------------


def test_a4_percentage_code_on_the_line_and_the_order():
    DiscountCodeFactory(code="SPRING", value=Decimal(15))
    product = PassPageFactory(price=Decimal("19.99"), currency="EUR")
    member = UserFactory()

    offer = services.quote(member, product, quantity=2, discount_code="spring")
    assert (offer.gross.amount, offer.discount_amount.amount, offer.total.amount) == (
        Decimal("39.98"),
        Decimal("6.00"),  # 5.997 rounded half-up
        Decimal("33.98"),
    )
    order = services.place_order(
        member, product, quantity=2, discount_code="spring", seen_total=Decimal("33.98")
    )

    assert line_of(order) == (Decimal("19.99"), 2, Decimal("6.00"), Decimal("33.98"))
    assert order.total == Decimal("33.98")
    redemption = DiscountRedemption.objects.get()
    assert (redemption.order, redemption.code.code, redemption.amount) == (
        order,
        "SPRING",
        Decimal("6.00"),
    )


def test_a4_a6_percentage_in_yen_rounds_to_whole_yen():
    DiscountCodeFactory(code="YEN", value=Decimal("12.5"))
    product = PassPageFactory(price=Decimal("1004"), currency="JPY")

    order = services.place_order(UserFactory(), product, discount_code="YEN")

    assert line_of(order) == (Decimal("1004.00"), 1, Decimal("126.00"), Decimal("878.00"))


def test_a4_fixed_amount_code_never_more_than_the_line():
    DiscountCodeFactory(code="TENOFF", kind="fixed", value=Decimal("10.00"), currency="EUR")
    cheap = PassPageFactory(price=Decimal("8.00"), currency="EUR")
    dear = PassPageFactory(price=Decimal("90.00"), currency="EUR")

    order = services.place_order(UserFactory(), dear, quantity=2, discount_code="TENOFF")
    assert line_of(order) == (Decimal("90.00"), 2, Decimal("10.00"), Decimal("170.00"))

    free = services.place_order(UserFactory(), cheap, discount_code="TENOFF")
    assert line_of(free) == (Decimal("8.00"), 1, Decimal("8.00"), Decimal("0.00"))
    assert free.state == "paid"  # nothing left to pay


def test_a4_a_fixed_code_in_another_currency_does_not_apply():
    DiscountCodeFactory(code="EURO", kind="fixed", value=Decimal("10.00"), currency="EUR")
    product = PassPageFactory(price=Decimal("90.00"), currency="GBP")

    error = refused(
        "code_not_for_product", services.place_order, UserFactory(), product, discount_code="EURO"
    )
    assert "EUR" in error.message
    nothing_written()


def test_a4_a_100_percent_code_makes_the_order_free_and_paid_at_once():
    DiscountCodeFactory(code="GIFT", value=Decimal(100))
    member = UserFactory()
    product = PassPageFactory(price=Decimal("90.00"))

    order = services.place_order(member, product, discount_code="gift", seen_total="0.00")

    order.refresh_from_db()
    assert (order.state, order.provider, order.total) == ("paid", "free", Decimal("0.00"))
    assert line_of(order) == (Decimal("90.00"), 1, Decimal("90.00"), Decimal("0.00"))
    assert Payment.objects.get(order=order).amount == Decimal("0.00")
    assert MemberPass.objects.get(member=member).is_paid
    assert DiscountRedemption.objects.get().order == order


def test_a4_only_the_chosen_products():
    chosen = PassPageFactory(title="Ten classes")
    other = PassPageFactory(title="Workshop")
    DiscountCodeFactory(code="TENS", products=[chosen])

    error = refused(
        "code_not_for_product", services.place_order, UserFactory(), other, discount_code="TENS"
    )
    assert "Workshop" in error.message
    nothing_written()

    assert services.place_order(UserFactory(), chosen, discount_code="TENS").lines.get().discount


def test_a4_a6_the_member_confirms_the_total_after_the_discount():
    DiscountCodeFactory(code="SPRING", value=Decimal(10))
    product = PassPageFactory(price=Decimal("90.00"), currency="EUR")

    error = refused(
        "price_changed",
        services.place_order,
        UserFactory(),
        product,
        discount_code="SPRING",
        seen_total="90.00",  # the total before the code
    )
    assert str(error.details["total"]) == "€81.00"
    nothing_written()


def test_a4_the_use_is_in_the_orders_audit_log():
    from wagtail.models import ModelLogEntry

    DiscountCodeFactory(code="SPRING", value=Decimal(10))
    order = services.place_order(
        UserFactory(),
        PassPageFactory(price=Decimal("90.00"), currency="EUR"),
        discount_code="spring",
    )

    entry = ModelLogEntry.objects.get(action="wagtail_passes.order.place", object_id=str(order.pk))
    assert entry.data["message"] == (
        f"Order {order.reference} placed: €81.00 (discount code SPRING: €9.00 off)"
    )


# ---- use limit (counted afresh; pending orders hold a use) ---------------------------------


def test_a4_use_limit_counts_pending_orders():
    DiscountCodeFactory(code="ONCE", max_uses=1)
    product = PassPageFactory()
    services.place_order(UserFactory(), product, discount_code="ONCE")  # pending, unpaid

    refused("code_used_up", services.quote, UserFactory(), product, discount_code="ONCE")
    refused("code_used_up", services.place_order, UserFactory(), product, discount_code="ONCE")
    assert Order.objects.count() == 1 and DiscountRedemption.objects.count() == 1


def test_a4_c5_a_cancelled_order_gives_its_use_back():
    DiscountCodeFactory(code="ONCE", max_uses=1)
    product = PassPageFactory()
    first = services.place_order(UserFactory(), product, discount_code="ONCE")

    services.cancel_order(first, by=first.member)

    second = services.place_order(UserFactory(), product, discount_code="ONCE")
    assert second.lines.get().discount == Decimal("5.00")
    assert DiscountCode.objects.get().uses() == 1


def test_a4_c5_an_expired_order_gives_its_use_back_and_takes_it_again_when_paid_late():
    code = DiscountCodeFactory(code="ONCE", max_uses=1)
    product = PassPageFactory()
    order = services.place_order(UserFactory(), product, discount_code="ONCE")
    services.expire_orders(now=order.expires_at)
    assert code.uses() == 0

    # A payment for the expired order is honoured (C5): it used the code, it counts again.
    services.mark_paid(order, by=StaffFactory())
    assert code.uses() == 1
    refused("code_used_up", services.place_order, UserFactory(), product, discount_code="ONCE")


def test_a4_paid_orders_count_and_the_limit_allows_exactly_that_many():
    code = DiscountCodeFactory(code="TWICE", max_uses=2)
    product = PassPageFactory()
    paid = services.place_order(UserFactory(), product, discount_code="TWICE")
    services.mark_paid(paid, by=StaffFactory())
    services.place_order(UserFactory(), product, discount_code="TWICE")

    refused("code_used_up", services.place_order, UserFactory(), product, discount_code="TWICE")
    assert code.uses() == 2


# ---- dates and the active flag -------------------------------------------------------------


def test_a4_dates_from_and_until():
    now = timezone.now()
    DiscountCodeFactory(code="SOON", valid_from=now + dt.timedelta(days=1))
    DiscountCodeFactory(code="OVER", valid_until=now - dt.timedelta(minutes=1))
    DiscountCodeFactory(
        code="NOW",
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=1),
    )
    product = PassPageFactory()

    refused("code_not_active", services.place_order, UserFactory(), product, discount_code="SOON")
    refused("code_not_active", services.place_order, UserFactory(), product, discount_code="OVER")
    nothing_written()
    assert services.place_order(UserFactory(), product, discount_code="NOW", now=now)
    # the end is exclusive
    refused(
        "code_not_active",
        services.quote,
        UserFactory(),
        product,
        discount_code="NOW",
        now=now + dt.timedelta(days=1),
    )


def test_a4_an_inactive_code_is_refused():
    DiscountCodeFactory(code="OFF", is_active=False)
    refused(
        "code_not_active",
        services.place_order,
        UserFactory(),
        PassPageFactory(),
        discount_code="off",
    )
    nothing_written()


def test_a4_a_code_switched_off_after_the_quote_is_refused_under_the_lock():
    code = DiscountCodeFactory(code="SPRING")
    product = PassPageFactory()
    member = UserFactory()
    basket = quote_basket(member, [Item(product)], discount_code="SPRING")
    DiscountCode.objects.filter(pk=code.pk).update(is_active=False)

    from wagtail_passes.services.orders import _claim_discount

    with pytest.raises(CheckoutError) as caught, transaction.atomic():
        _claim_discount(basket, timezone.now())
    assert caught.value.code == "code_not_active"


# ---- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_a4_no_code_is_no_discount(typed):
    order = services.place_order(UserFactory(), PassPageFactory(), discount_code=typed)
    assert order.lines.get().discount == 0
    assert not DiscountRedemption.objects.exists()


def test_a4_case_and_surrounding_spaces_do_not_matter():
    DiscountCodeFactory(code="SPRING")
    order = services.place_order(UserFactory(), PassPageFactory(), discount_code="  spring  ")
    assert order.discount_redemption.code.code == "SPRING"


@pytest.mark.parametrize(
    "typed",
    [
        "WINTER",
        "SP",  # too short
        "X" * 33,  # too long
        "S" * 10_000,
        "SPRING; DROP TABLE",
        "SPRÏNG",
        "spring\x00",
        "SPR ING",
        "%",
        "<script>",
        12345,
    ],
)
def test_a4_unknown_or_malformed_codes_are_refused_clearly(typed):
    DiscountCodeFactory(code="SPRING")
    error = refused(
        "unknown_code", services.place_order, UserFactory(), PassPageFactory(), discount_code=typed
    )
    assert error.message and len(error.message) < 200
    assert "<script>" not in error.message
    nothing_written()


# ---- the database backs the rules ----------------------------------------------------------


def test_a4_codes_are_stored_upper_case_and_once():
    DiscountCodeFactory(code="SPRING")
    with pytest.raises(IntegrityError), transaction.atomic():
        DiscountCodeFactory(code="spring")
    with pytest.raises(IntegrityError), transaction.atomic():
        DiscountCodeFactory(code="SPRING")


def test_a4_one_code_per_order():
    first, second = DiscountCodeFactory(), DiscountCodeFactory()
    order = services.place_order(UserFactory(), PassPageFactory(), discount_code=first.code)
    with pytest.raises(IntegrityError), transaction.atomic():
        DiscountRedemption.objects.create(order=order, code=second, amount=Decimal(1))
