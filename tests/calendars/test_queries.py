"""CAL2: a calendar view loads in a constant number of queries, whatever the number of
sessions or the member's history."""

from decimal import Decimal

import pytest

from wagtail_passes.test.factories import member_pass

from .conftest import KEY, block_value, bulk_sessions, past_history

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12


@pytest.fixture
def seasoned_member(member, yoga, flow):
    """A member holding 5 passes with 500 past bookings between them."""
    passes = [
        member_pass(member, title=f"Pass {i}", quantity=Decimal(100), programmes=[yoga])
        for i in range(5)
    ]
    past_history(member, passes, 500, flow)
    return member


@pytest.mark.parametrize("count", [50, 500])
@pytest.mark.parametrize("view", ["week", "month", "list"])
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_cal2_a_view_renders_in_a_constant_number_of_queries(
    count, view, who, yoga, flow, render_block, seasoned_member, django_assert_max_num_queries
):
    sessions = bulk_sessions(count, flow)
    user = seasoned_member if who == "member" else None
    value = block_value(programmes=[yoga.pk], first_view=view)
    day = sessions[0].start.date().isoformat()
    with django_assert_max_num_queries(MAX_QUERIES):
        html = render_block(value, user=user, **{f"passes_from_{KEY}": day})
    assert "Yoga Flow" in html
    if who == "member":
        assert "pays — 99 left after" in html


def test_cal2_p3_sessions_add_the_products_once_not_per_session(
    yoga, flow, render_block, member, django_assert_max_num_queries
):
    from wagtail_passes.test.factories import PassPageFactory

    yoga.require_valid_pass = True
    yoga.save()
    PassPageFactory(title="10-class pass", programmes=[yoga])
    bulk_sessions(200, flow)
    with django_assert_max_num_queries(MAX_QUERIES):
        html = render_block(block_value(programmes=[yoga.pk], first_view="list"), user=member)
    assert html.count(">Get a pass<") > 50


@pytest.mark.parametrize("products", [1, 6])
def test_cal2_p3_stock_limited_products_cost_no_query_each(
    products, yoga, flow, render_block, member, django_assert_max_num_queries
):
    """A stock limit (A1) is read for all products at once, not once per product."""
    from wagtail_passes.test.factories import PassPageFactory

    yoga.require_valid_pass = True
    yoga.save()
    for i in range(products):
        PassPageFactory(title=f"Pass {i}", programmes=[yoga], stock_limit=50)
    bulk_sessions(20, flow)
    # The same 12 for one product as for six (it was 9 + one per stock-limited product): the
    # filters' choices add one, and one more reads the member's orders awaiting payment where a
    # single product would pay (P3: "pay now" instead of "Get a pass"), once for every session.
    with django_assert_max_num_queries(12):
        html = render_block(block_value(programmes=[yoga.pk], first_view="list"), user=member)
    assert html.count(">Get a pass<") == 20
