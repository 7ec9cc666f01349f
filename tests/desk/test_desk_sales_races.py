"""Desk sales racing (PostgreSQL, real threads): the same sale form sent twice at the same
instant makes one order (C2), and two desks selling the last unit sell it once (A1)."""

from decimal import Decimal
from functools import partial
from unittest import mock

import pytest
from django.urls import reverse

from wagtail_passes import services
from wagtail_passes.models import MemberPass, Order
from wagtail_passes.services.desk_sales import DeskLine
from wagtail_passes.test.factories import PassPageFactory, StaffFactory, UserFactory

from ..admin import form_token
from ..concurrency.conftest import concurrently  # noqa: F401 (the threads fixture)
from ..concurrency.test_admin_form_races import send, twin_clients
from ..concurrency.test_order_races import STAGGER, check_refusals, staggered

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SELL_URL = reverse("wagtail_passes_desk:sell")
SOLD_ALREADY = "This sale was made already; nothing changed."


def race_one_sale_form(run_together, staff, member, product, step):
    first, second = twin_clients(staff)
    data = {
        "member": member.pk,
        "product": product.pk,
        "quantity": "1",
        "unit_price": "",
        "payment": "owed",
        "form_token": form_token(first.get(SELL_URL)),
    }
    before = Order.objects.filter(member=member).count()

    results = staggered(
        run_together,
        partial(send, first, SELL_URL, data),
        partial(send, second, SELL_URL, data),
        step=step,
    )

    check_refusals(results, set())
    assert Order.objects.filter(member=member).count() == before + 1
    assert MemberPass.objects.filter(member=member).count() == before + 1
    said = [messages[-1] for _kind, messages in results]
    assert sum(message.startswith("Sold ") for message in said) == 1, said
    return said


def test_c2_the_same_sale_form_sent_twice_at_once_sells_once(concurrently):  # noqa: F811
    staff = StaffFactory(permissions=["sell_at_desk", "view_order"])
    product = PassPageFactory(price=Decimal("90.00"))
    member = UserFactory()
    for step in range(len(STAGGER)):
        said = race_one_sale_form(concurrently, staff, member, product, step)
        other = next(message for message in said if not message.startswith("Sold "))
        assert "sent twice at the same time" in other or other == SOLD_ALREADY, said


def test_c2_without_the_claim_the_orders_token_still_sells_once(concurrently):  # noqa: F811
    """Every claim granted: both requests reach the service, and the order's unique token
    (the form's) lets one order through; the other is told it was sold already."""
    staff = StaffFactory(permissions=["sell_at_desk", "view_order"])
    product = PassPageFactory(price=Decimal("90.00"))
    member = UserFactory()
    with mock.patch("wagtail_passes.admin.once.claim_form_token", return_value=True):
        for step in range(len(STAGGER)):
            said = race_one_sale_form(concurrently, staff, member, product, step)
            assert SOLD_ALREADY in said, said


def test_a1_two_desks_selling_the_last_unit_sell_it_once(concurrently):  # noqa: F811
    staff = StaffFactory(permissions=["sell_at_desk"])
    for step in range(len(STAGGER)):
        product = PassPageFactory(stock_limit=1)

        def sell(member, product):
            return services.sell_at_desk(member, [DeskLine(product)], staff, paid=False)

        results = staggered(
            concurrently,
            partial(sell, UserFactory(), product),
            partial(sell, UserFactory(), product),
            step=step,
        )

        check_refusals(results, {"sold_out"})
        assert sorted(kind for kind, _value in results) == ["error", "ok"]
        assert product.sold_count() == 1
