"""Orders through the services: placing one decides every selling rule again on the server
(A1, A2, A5, A6, U5, U6), paying it issues the passes once (C3), and an unpaid order is
cancelled or expires and gives its stock back (C5). Expected values are written by hand."""

import datetime as dt
import hashlib
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import (
    MemberPass,
    Order,
    OrderState,
    Payment,
    TermsAcceptance,
)
from wagtail_passes.services.orders import REFERENCE_ALPHABET
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProductIndexPageFactory,
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db


def refused(code, call, *args, **kwargs):
    with pytest.raises(CheckoutError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def nothing_written():
    assert Order.objects.count() == 0
    assert MemberPass.objects.count() == 0


def sold(product):
    return product.sold_count()


# ---- placing an order (C1, A6) -----------------------------------------------------------


def test_c1_an_order_is_pending_with_a_line_at_todays_price(django_capture_on_commit_callbacks):
    member = UserFactory(email="ann@example.com")
    product = PassPageFactory(title="Ten classes", price=Decimal("90.00"), currency="GBP")
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        order = services.place_order(member, product, seen_total=Decimal("90.00"))

    order.refresh_from_db()
    assert (order.state, order.provider, order.total, order.currency) == (
        "pending",
        "manual",
        Decimal("90.00"),
        "GBP",
    )
    assert re.fullmatch(f"[{REFERENCE_ALPHABET}]{{8}}", order.reference)
    held = order.expires_at - before
    assert dt.timedelta(days=7) <= held < dt.timedelta(days=7, minutes=1)
    [line] = order.lines.all()
    assert (line.title, line.quantity, line.unit_price, line.discount, line.total) == (
        "Ten classes",
        1,
        Decimal("90.00"),
        Decimal("0.00"),
        Decimal("90.00"),
    )
    assert MemberPass.objects.count() == 0  # issued when paid
    [email] = mail.outbox
    assert email.to == ["ann@example.com"]
    assert order.reference in email.subject and order.reference in email.body
    assert "£90.00" in email.body


def test_a6_quantity_multiplies_the_price():
    order = services.place_order(UserFactory(), PassPageFactory(price=Decimal("12.50")), quantity=3)
    assert order.total == Decimal("37.50")
    assert order.lines.get().quantity == 3


@pytest.mark.parametrize("quantity", [0, -1, 21, "x", "", None, 10**30, 2.5, True])
def test_c1_a_quantity_out_of_range_or_not_a_number_is_refused(quantity):
    refused(
        "invalid_quantity",
        services.place_order,
        UserFactory(),
        PassPageFactory(),
        quantity=quantity,
    )
    nothing_written()


@pytest.mark.parametrize("seen", ["abc", "NaN", "1e999", "Infinity", "89.99"])
def test_a6_a_total_other_than_todays_is_refused_and_the_new_one_given(seen):
    product = PassPageFactory(price=Decimal("90.00"), currency="EUR")
    error = refused(
        "invalid_total" if seen != "89.99" else "price_changed",
        services.place_order,
        UserFactory(),
        product,
        seen_total=seen,
    )
    if seen == "89.99":
        assert str(error.details["total"]) == "€90.00"
    nothing_written()


def test_a6_a_price_change_after_the_page_was_shown_is_caught():
    product = PassPageFactory(price=Decimal("90.00"))
    shown = services.quote(UserFactory(), product).total.amount
    product.price = Decimal("95.00")
    product.save_revision().publish()

    refused("price_changed", services.place_order, UserFactory(), product, seen_total=shown)
    nothing_written()


def test_c1_only_live_product_pages_can_be_ordered():
    index = ProductIndexPageFactory()
    draft = PassPageFactory(parent=index)
    draft.unpublish()
    for product in (index, draft, index.pk + 10_000, "abc", None):
        refused("no_such_product", services.place_order, UserFactory(), product)
    nothing_written()


def test_c1_an_anonymous_or_inactive_member_cannot_order():
    from django.contrib.auth.models import AnonymousUser

    refused("not_logged_in", services.place_order, AnonymousUser(), PassPageFactory())
    refused(
        "inactive_member", services.place_order, UserFactory(is_active=False), PassPageFactory()
    )
    nothing_written()


# ---- selling rules decided again (A1, A2, A5, U5, U6) ---------------------------------


def test_a2_an_archived_product_or_one_not_on_sale_yet_is_refused():
    refused("archived", services.place_order, UserFactory(), PassPageFactory(is_archived=True))
    later = timezone.now() + dt.timedelta(days=3)
    refused(
        "not_yet_on_sale",
        services.place_order,
        UserFactory(),
        PassPageFactory(sale_starts_at=later),
    )
    nothing_written()


def test_a5_terms_must_be_accepted_and_the_wording_is_recorded():
    product = PassPageFactory(terms="<p>No refunds after <b>first use</b>.</p>")
    refused("terms_not_accepted", services.place_order, UserFactory(), product)
    refused("terms_not_accepted", services.place_order, UserFactory(), product, accepted_terms="on")
    nothing_written()

    order = services.place_order(UserFactory(), product, accepted_terms=True)

    acceptance = TermsAcceptance.objects.get(line__order=order)
    assert acceptance.terms == "No refunds after first use."
    expected = hashlib.sha256(b"No refunds after first use.").hexdigest()
    assert acceptance.terms_digest == expected


def test_u6_a_private_offer_needs_its_code_in_any_case_and_spacing():
    product = PassPageFactory(access_code="SPRING26")
    refused("access_code_required", services.place_order, UserFactory(), product)
    refused(
        "wrong_access_code", services.place_order, UserFactory(), product, access_code="spring25"
    )
    nothing_written()

    order = services.place_order(UserFactory(), product, access_code="  spring26 ")
    assert order.state == OrderState.PENDING


def test_u5_new_joiners_and_active_members():
    newcomer, regular = UserFactory(), UserFactory()
    services.book(regular, SessionFactory())
    for_new = PassPageFactory(buyer_restriction="new_joiners")
    for_regulars = PassPageFactory(buyer_restriction="active_members")

    refused("not_new_joiner", services.place_order, regular, for_new)
    refused("not_active_member", services.place_order, newcomer, for_regulars)
    assert services.place_order(newcomer, for_new).state == "pending"
    assert services.place_order(regular, for_regulars).state == "pending"


def test_u5_membership_required():
    membership = PassPageFactory(title="Club membership")
    product = PassPageFactory(required_product=membership)
    member = UserFactory()
    error = refused("membership_required", services.place_order, member, product)
    assert "Club membership" in error.message

    member_pass(member, membership)
    assert services.place_order(member, product).state == "pending"


def test_a1_a_pending_order_holds_stock_and_the_last_item_goes_once():
    product = PassPageFactory(stock_limit=2)
    first = services.place_order(UserFactory(), product)
    services.place_order(UserFactory(), product)

    refused("sold_out", services.place_order, UserFactory(), product)
    assert sold(product) == 2
    assert Order.objects.count() == 2

    services.cancel_order(first, by=first.member)  # C5: cancelling gives the item back
    assert sold(product) == 1
    assert services.place_order(UserFactory(), product).state == "pending"


def test_a1_more_than_is_left_in_one_order_is_refused():
    product = PassPageFactory(stock_limit=3)
    refused("sold_out", services.place_order, UserFactory(), product, quantity=4)
    assert not sold(product)


# ---- paying it (C3) --------------------------------------------------------------------


def test_c3_marking_paid_issues_one_paid_pass_per_item_linked_to_the_order(
    django_capture_on_commit_callbacks,
):
    member, staff = UserFactory(email="bo@example.com"), StaffFactory()
    product = PassPageFactory(quantity=Decimal(10), price=Decimal("90.00"))
    order = services.place_order(member, product, quantity=2)

    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(order, by=staff, reference="Transfer 4711")

    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.paid_at is not None
    passes = list(MemberPass.objects.filter(member=member))
    assert len(passes) == 2
    line = order.lines.get()
    for mp in passes:
        assert (mp.is_paid, mp.price, mp.balance, mp.order_line) == (
            True,
            Decimal("90.00"),
            Decimal(10),
            line,
        )
        assert mp.purchased_at == order.created_at
    [payment] = Payment.objects.filter(order=order)
    assert (payment.provider, payment.amount, payment.recorded_by) == (
        "manual",
        Decimal("180.00"),
        staff,
    )
    assert payment.raw == {"note": "Transfer 4711"}
    assert [m.subject for m in mail.outbox][-1] == f"Order {order.reference} paid"


def test_c3_paying_twice_fulfils_once():
    staff = StaffFactory()
    order = services.place_order(UserFactory(), PassPageFactory())

    assert services.mark_paid(order, by=staff).fulfilled_now is True
    assert services.mark_paid(order, by=staff).fulfilled_now is False
    assert services.fulfil_order(order, provider="manual").fulfilled_now is False

    assert MemberPass.objects.count() == 1
    assert Payment.objects.count() == 1


def test_c3_r2_the_paid_pass_settles_the_members_unpaid_booking():
    member = UserFactory()
    klass = ProgrammeClassFactory(unit_price=Decimal("12.00"))
    booking = services.book(member, SessionFactory(programme_class=klass))
    assert booking.amount_due == Decimal("12.00")
    order = services.place_order(member, PassPageFactory(quantity=Decimal(5)))

    services.mark_paid(order, by=StaffFactory())

    booking.refresh_from_db()
    assert booking.amount_due == 0 and booking.member_pass.order_line.order == order


def test_c2_a_free_order_is_paid_at_once():
    member = UserFactory()
    order = services.place_order(member, PassPageFactory(price=Decimal("0.00")))
    assert (order.state, order.provider, order.total) == ("paid", "free", Decimal("0.00"))
    assert MemberPass.objects.get(member=member).is_paid


def test_c3_only_staff_mark_an_order_paid_and_only_its_member_cancels_it():
    member = UserFactory()
    order = services.place_order(member, PassPageFactory())
    refused("not_allowed", services.mark_paid, order, by=member)
    refused("not_allowed", services.cancel_order, order, by=UserFactory())
    order.refresh_from_db()
    assert order.state == "pending" and MemberPass.objects.count() == 0


# ---- cancelling and expiring (C5) ------------------------------------------------------


def test_c5_a_paid_order_cannot_be_cancelled_and_a_cancelled_one_cannot_be_paid():
    staff = StaffFactory()
    paid = services.place_order(UserFactory(), PassPageFactory())
    services.mark_paid(paid, by=staff)
    refused("not_pending", services.cancel_order, paid, by=staff)

    cancelled = services.place_order(UserFactory(), PassPageFactory())
    services.cancel_order(cancelled, by=staff)
    refused("not_pending", services.cancel_order, cancelled, by=staff)
    refused("order_cancelled", services.mark_paid, cancelled, by=staff)
    assert MemberPass.objects.count() == 1


def test_c5_an_unpaid_order_expires_when_its_hold_runs_out_and_releases_stock(
    django_capture_on_commit_callbacks,
):
    product = PassPageFactory(stock_limit=1)
    order = services.place_order(UserFactory(email="cy@example.com"), product)
    assert services.expire_orders() == 0  # still held

    later = order.expires_at + dt.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_orders(now=later) == 1
    assert services.expire_orders(now=later) == 0  # idempotent

    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED and order.closed_at == later
    assert sold(product) == 0
    assert mail.outbox[-1].subject == f"Order {order.reference} expired"


def test_c5_a_payment_for_an_expired_order_is_honoured_while_stock_allows():
    product = PassPageFactory(stock_limit=1)
    order = services.place_order(UserFactory(), product)
    services.expire_orders(now=order.expires_at)

    services.mark_paid(order, by=StaffFactory())

    order.refresh_from_db()
    assert order.state == "paid" and sold(product) == 1
    assert MemberPass.objects.filter(order_line__order=order).count() == 1


def test_c5_a_payment_for_an_expired_order_whose_stock_is_gone_is_refused_for_a_refund():
    product = PassPageFactory(stock_limit=1)
    order = services.place_order(UserFactory(), product)
    services.expire_orders(now=order.expires_at)
    services.place_order(UserFactory(), product)  # takes the last item

    refused("stock_gone", services.mark_paid, order, by=StaffFactory())

    order.refresh_from_db()
    assert order.state == "expired" and sold(product) == 1
    assert not Payment.objects.filter(order=order).exists()


def test_c5_the_daily_job_expires_orders():
    order = services.place_order(UserFactory(), PassPageFactory())
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    report = services.run_daily()

    assert report.orders_expired == 1
    assert "1 unpaid orders expired" in report.summary()
    order.refresh_from_db()
    assert order.state == "expired"
