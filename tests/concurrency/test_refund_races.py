"""Refunds racing each other (PostgreSQL, real threads, C4): whatever arrives at once, an
order is never refunded more than was paid, its passes are cancelled once, its stock is
given back once, and a provider's refund reported twice at once is recorded once.

Every refusal must be a ``CheckoutError`` with an expected code; anything else (a
deadlock, an IntegrityError, a bug) fails with its traceback.
"""

from decimal import Decimal
from functools import partial

import pytest
from django.db.models import Sum

from wagtail_passes import services
from wagtail_passes.models import LedgerEntry, MemberPass, Order, OrderState, Refund
from wagtail_passes.test.factories import PassPageFactory, StaffFactory, UserFactory

from .test_order_races import STAGGER, check_refusals, outcome, sold, staggered

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def refunded(order):
    return Refund.objects.filter(order=order).aggregate(total=Sum("amount"))["total"]


def paid_order(product, quantity=1):
    order = services.place_order(UserFactory(), product, quantity=quantity)
    return services.mark_paid(order, by=None)


def test_c4_two_staff_refunding_the_same_line_at_once_never_refund_more_than_paid(
    concurrently,
):
    """Both ask for the whole line: one refunds it, the other is refused; the passes are
    cancelled once and the stock given back once."""
    staff = [StaffFactory(permissions=["change_order"]) for _ in range(2)]
    product = PassPageFactory(price=Decimal("40.00"), stock_limit=len(STAGGER) * 2)
    for step in range(len(STAGGER)):
        order = paid_order(product, quantity=2)
        held_before = sold(product)

        results = staggered(
            concurrently,
            partial(services.refund_order, order, staff[0], reason="first"),
            partial(services.refund_order, order, staff[1], reason="second"),
            step=step,
        )

        check_refusals(results, {"already_refunded", "refund_too_large"})
        assert sorted(outcome(result) for result in results) == ["already_refunded", "ok"]
        order.refresh_from_db()
        assert order.state == OrderState.REFUNDED
        assert refunded(order) == Decimal("80.00")
        passes = MemberPass.objects.filter(order_line__order=order)
        assert [p.status for p in passes] == ["cancelled", "cancelled"]
        cancels = LedgerEntry.objects.filter(member_pass__in=passes, kind="cancel")
        assert cancels.count() == 2
        assert sold(product) == held_before - 2


def test_c4_partial_refunds_at_once_add_up_to_at_most_what_was_paid(concurrently):
    """Four staff refund 30.00 of a 90.00 line at once: three succeed, the fourth is told
    only nothing is left, and the line ends refunded in full exactly."""
    product = PassPageFactory(price=Decimal("90.00"))
    order = paid_order(product)
    line = order.lines.get()
    staff = [StaffFactory(permissions=["change_order"]) for _ in range(4)]

    refund = partial(services.refund_order, order, amounts={line.pk: "30.00"})
    results = concurrently(lambda by: refund(by), [(by,) for by in staff])

    check_refusals(results, {"refund_too_large", "already_refunded"})
    assert [outcome(result) for result in results].count("ok") == 3
    assert refunded(order) == Decimal("90.00")
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert MemberPass.objects.get(order_line=line).status == "cancelled"


def test_c4_the_same_provider_refund_reported_twice_at_once_is_recorded_once(concurrently):
    """A webhook delivered twice at once, racing staff refunding the rest."""
    product = PassPageFactory(price=Decimal("50.00"))
    for _round in range(len(STAGGER)):
        order = paid_order(product)
        report = partial(
            services.refund_order,
            order,
            None,
            total="20.00",
            provider="stripe",
            provider_id=f"re_{order.pk}",
        )
        staff_refund = partial(services.refund_order, order, StaffFactory())

        results = concurrently(lambda call: call(), [(report,), (report,), (staff_refund,)])

        check_refusals(results, {"refund_too_large", "already_refunded"})
        assert Refund.objects.filter(provider="stripe", order=order).count() <= 1
        assert refunded(order) <= Decimal("50.00")
        recorded = [value.refunded_now for kind, value in results[:2] if kind == "ok"]
        assert recorded.count(True) <= 1
        assert Order.objects.get(pk=order.pk).state in (
            OrderState.REFUNDED,
            OrderState.PARTIALLY_REFUNDED,
        )
