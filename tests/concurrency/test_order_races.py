"""Orders racing each other (PostgreSQL, real threads): stock (A1), fulfilment once (C3),
cancel against payment (C5).

Every refusal must be a ``CheckoutError`` with an expected code; anything else (a
deadlock, an IntegrityError, a bug) fails with its traceback.
"""

import time
import traceback
from decimal import Decimal
from functools import partial

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import MemberPass, Order, OrderState, Payment, ProductStock
from wagtail_passes.test.factories import PassPageFactory, StaffFactory, UserFactory

from ..admin import admin_url, form_token

pytestmark = [
    pytest.mark.postgres,
    # Threads need committed data. The flush after each test removes Wagtail's root page
    # and site; the factories create them again when needed.
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 3

#: Per round of a two-sided race, how long each side waits once released (seconds), so
#: that both orders of the critical sections occur.
STAGGER = [(0, 0), (0.01, 0), (0, 0.01), (0.03, 0), (0, 0.03)]


def staggered(concurrently, *calls, step=0):
    delays = STAGGER[step % len(STAGGER)]

    def run(call, delay):
        if delay:
            time.sleep(delay)
        return call()

    return concurrently(run, list(zip(calls, delays, strict=True)))


def outcome(result):
    kind, value = result
    return "ok" if kind == "ok" else value.code


def check_refusals(results, allowed):
    for kind, value in results:
        if kind != "error":
            continue
        trace = "".join(traceback.format_exception(value))
        assert isinstance(value, CheckoutError), f"unexpected exception:\n{trace}"
        assert value.code in allowed, f"unexpected refusal {value.code!r}:\n{trace}"


def sold(product):
    return product.sold_count()


def passes_of(order):
    return MemberPass.objects.filter(order_line__order=order)


# ---- A1: the last item -----------------------------------------------------------------


@pytest.mark.parametrize("stock_row_exists", [False, True])
def test_a1_twenty_members_order_the_last_item_at_once(concurrently, stock_row_exists):
    """Exactly one pending order holds it; the 19 others are refused ``sold_out``."""
    for _round in range(ROUNDS):
        product = PassPageFactory(stock_limit=1)
        if stock_row_exists:  # the row already there, or created by the first buyer
            ProductStock.objects.create(product_id=product.pk)
        members = [UserFactory() for _ in range(20)]

        place = partial(services.place_order, product=product, seen_total=Decimal("50.00"))
        results = concurrently(place, [(member,) for member in members])

        check_refusals(results, {"sold_out"})
        assert [outcome(result) for result in results].count("ok") == 1
        assert [outcome(result) for result in results].count("sold_out") == 19
        orders = Order.objects.filter(lines__product_id=product.pk)
        assert [order.state for order in orders] == [OrderState.PENDING]
        assert orders.get().lines.get().holds_stock
        assert sold(product) == 1
        assert ProductStock.objects.filter(product_id=product.pk).count() == 1


# ---- C3: fulfilled once ----------------------------------------------------------------


def test_c3_mark_paid_and_fulfil_from_five_threads_pay_once(concurrently):
    """Staff's "mark paid" and the provider's fulfilment at once: one payment, one set of
    member passes, and every caller sees the order paid."""
    staff = StaffFactory(permissions=["change_order"])
    product = PassPageFactory(stock_limit=ROUNDS * 2)
    for _round in range(ROUNDS):
        order = services.place_order(UserFactory(), product, quantity=2)
        calls = [
            partial(services.mark_paid, order, staff, reference="transfer"),
            partial(services.fulfil_order, order, provider="manual"),
            partial(services.mark_paid, order, staff),
            partial(services.fulfil_order, order, provider="manual"),
            partial(services.fulfil_order, order, provider="manual"),
        ]

        results = concurrently(lambda call: call(), [(call,) for call in calls])

        check_refusals(results, set())
        assert all(value.state == OrderState.PAID for _kind, value in results)
        order.refresh_from_db()
        assert order.state == OrderState.PAID
        assert Payment.objects.filter(order=order).count() == 1
        assert passes_of(order).count() == 2
        assert MemberPass.objects.filter(member=order.member).count() == 2
    assert sold(product) == ROUNDS * 2


def test_c3_two_staff_posting_mark_paid_at_once_in_the_admin(concurrently):
    """Two clicks on "Mark paid" at once: one marks it paid, the other is told it already
    was; one payment, one set of passes."""
    order = services.place_order(UserFactory(), PassPageFactory())
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(StaffFactory(permissions=["change_order", "view_order"]))
        clients.append(client)
    url = admin_url("order", "mark_paid", order.pk)

    tokens = {client: form_token(client.get(url)) for client in clients}

    def post(client):
        data = {"method": "cash", "confirm": "on", "form_token": tokens[client]}
        response = client.post(url, data)
        assert response.status_code == 302
        return [str(message).strip() for message in get_messages(response.wsgi_request)]

    results = concurrently(post, [(client,) for client in clients])

    check_refusals(results, set())
    said = sorted(value[0].split(";")[0] for _kind, value in results)
    assert said[0] == f"Order {order.reference} marked paid"
    assert said[1].startswith("This order was already paid on ")
    assert Payment.objects.filter(order=order).count() == 1
    assert passes_of(order).count() == 1


# ---- C5: cancel against payment --------------------------------------------------------


def test_c5_cancel_racing_mark_paid_ends_one_way_only(concurrently):
    """The order ends cancelled (no passes, no payment, stock released) or paid (passes,
    one payment, stock held), never both."""
    staff = StaffFactory(permissions=["change_order"])
    product = PassPageFactory(stock_limit=len(STAGGER))
    seen = set()
    for step in range(len(STAGGER)):
        member = UserFactory()
        order = services.place_order(member, product)
        held_before = sold(product)

        cancelled, paid = staggered(
            concurrently,
            partial(services.cancel_order, order, member),
            partial(services.mark_paid, order, staff),
            step=step,
        )

        check_refusals([cancelled, paid], {"not_pending", "order_cancelled"})
        assert [outcome(cancelled), outcome(paid)].count("ok") == 1
        order.refresh_from_db()
        if outcome(cancelled) == "ok":
            assert outcome(paid) == "order_cancelled"
            assert order.state == OrderState.CANCELLED and order.paid_at is None
            assert not passes_of(order).exists()
            assert not Payment.objects.filter(order=order).exists()
            assert sold(product) == held_before - 1
            assert not order.lines.get().holds_stock
        else:
            assert outcome(cancelled) == "not_pending"
            assert order.state == OrderState.PAID and order.closed_at is None
            assert passes_of(order).count() == 1
            assert Payment.objects.filter(order=order).count() == 1
            assert sold(product) == held_before
            assert order.lines.get().holds_stock
        seen.add(order.state)
    # Not asserted (timing decides), but worth knowing when a run only ever saw one side.
    print(f"cancel vs mark paid: outcomes seen {sorted(seen)}")


# ---- C1: the same checkout form sent twice at once -------------------------------------


def test_c1_one_checkout_token_places_one_order_however_many_requests_send_it(concurrently):
    """A double click reaching two server processes: the order's unique token lets one
    place it; the others are told ``already_placed`` (with its reference) and roll back
    what they took (stock)."""
    for _round in range(ROUNDS):
        member = UserFactory()
        product = PassPageFactory(stock_limit=10)
        token = f"token-{_round}-{member.pk}"

        place = partial(services.place_order, member, product, token=token)
        results = concurrently(lambda call: call(), [(place,) for _ in range(5)])

        check_refusals(results, {"already_placed"})
        placed = [value for kind, value in results if kind == "ok"]
        assert len(placed) == 1
        refusals = [value for kind, value in results if kind == "error"]
        assert {error.details["reference"] for error in refusals} <= {placed[0].reference}
        assert Order.objects.filter(member=member).count() == 1
        assert sold(product) == 1


def test_c3_p4_unpaid_passes_become_paid_once_whoever_pays_at_once(concurrently):
    """P4: the passes exist from the pending bank transfer; five callers paying it at once
    make the same two passes paid, and issue none besides."""
    from wagtail_passes.test.factories import ProgrammeFactory

    staff = StaffFactory(permissions=["change_order"])
    product = PassPageFactory(programmes=[ProgrammeFactory(redeem_if_unpaid=True)])
    order = services.place_order(UserFactory(), product, quantity=2)
    before = sorted(passes_of(order).values_list("pk", flat=True))
    assert len(before) == 2 and not passes_of(order).filter(is_paid=True).exists()

    results = concurrently(
        lambda call: call(),
        [
            (partial(services.mark_paid, order, staff),),
            (partial(services.fulfil_order, order, provider="manual"),),
            (partial(services.mark_paid, order, staff),),
            (partial(services.fulfil_order, order, provider="manual"),),
            (partial(services.fulfil_order, order, provider="manual"),),
        ],
    )

    check_refusals(results, set())
    assert sorted(passes_of(order).values_list("pk", flat=True)) == before
    assert passes_of(order).filter(is_paid=True).count() == 2
    assert Payment.objects.filter(order=order).count() == 1
