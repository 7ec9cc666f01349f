"""P4 through checkout: a bank-transfer order of a product valid where unpaid passes may be
redeemed issues its passes when placed, unpaid; paying the order makes the same passes paid
(C3), and an order whose pass paid for a session is owed: it neither expires nor can be
cancelled until paid (or those bookings are cancelled)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import Booking, LedgerEntry, MemberPass, Order, OrderState
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def setup(redeem_if_unpaid=True):
    programme = ProgrammeFactory(redeem_if_unpaid=redeem_if_unpaid)
    product = PassPageFactory(
        price=Decimal("90.00"), quantity=Decimal(10), duration_days=90, programmes=[programme]
    )
    start = timezone.now() + dt.timedelta(days=3)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(programme=programme),
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    return product, session


def test_p4_a_bank_transfer_order_issues_an_unpaid_pass_that_books_at_once():
    product, session = setup()
    member = UserFactory()

    order = services.place_order(member, product)

    member_pass = MemberPass.objects.get(member=member)
    assert member_pass.order_line.order == order and member_pass.is_paid is False
    assert member_pass.price == Decimal("90.00")
    booking = services.book(member, session)
    assert booking.member_pass_id == member_pass.pk and booking.amount_due == 0


def test_c3_p4_paying_the_order_makes_the_same_pass_paid_never_a_second():
    product, session = setup()
    member, staff = UserFactory(), StaffFactory()
    order = services.place_order(member, product)
    services.book(member, session)

    services.mark_paid(order, staff)
    services.mark_paid(order, staff)  # a second time changes nothing

    (member_pass,) = MemberPass.objects.filter(member=member)
    assert member_pass.is_paid and member_pass.paid_at is not None
    assert member_pass.balance == Decimal(9)  # the booking's entry is still used


def test_p4_off_no_pass_until_the_order_is_paid():
    product, _session = setup(redeem_if_unpaid=False)
    member = UserFactory()

    order = services.place_order(member, product)
    assert not MemberPass.objects.filter(member=member).exists()

    services.mark_paid(order, StaffFactory())
    assert MemberPass.objects.get(member=member).is_paid


def test_p4_a_card_order_issues_its_pass_only_when_paid():
    product, _session = setup()
    member = UserFactory()

    services.place_order(member, product, provider="stripe")

    assert not MemberPass.objects.filter(member=member).exists()


def test_p4_an_unused_pass_is_cancelled_with_its_order_and_when_it_expires():
    product, _session = setup()
    member = UserFactory()
    cancelled = services.place_order(member, product)
    expiring = services.place_order(member, product)

    services.cancel_order(cancelled, member)
    assert services.expire_orders(now=expiring.expires_at + dt.timedelta(seconds=1)) == 1

    statuses = sorted(MemberPass.objects.filter(member=member).values_list("status", "balance"))
    assert statuses == [("cancelled", Decimal(0)), ("cancelled", Decimal(0))]
    assert LedgerEntry.objects.filter(kind="cancel").count() == 2


def test_p4_an_order_whose_pass_paid_for_a_session_is_owed():
    product, session = setup()
    member, staff = UserFactory(), StaffFactory()
    order = services.place_order(member, product)
    booking = services.book(member, session)

    for by in (member, staff):
        with pytest.raises(CheckoutError) as caught:
            services.cancel_order(order, by)
        assert caught.value.code == "pass_in_use"
    assert services.expire_orders(now=order.expires_at + dt.timedelta(seconds=1)) == 0
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert MemberPass.objects.get(member=member).status == "active"

    # the booking cancelled (its entry returned), the order can be cancelled after all
    services.cancel_booking(booking, member)
    services.cancel_order(order, member)
    assert Order.objects.get(pk=order.pk).state == OrderState.CANCELLED
    assert MemberPass.objects.get(member=member).status == "cancelled"


def test_c5_p4_an_expired_order_paid_later_issues_fresh_paid_passes():
    product, _session = setup()
    member = UserFactory()
    order = services.place_order(member, product)
    services.expire_orders(now=order.expires_at + dt.timedelta(seconds=1))

    services.mark_paid(order, StaffFactory())

    passes = list(MemberPass.objects.filter(member=member).order_by("pk"))
    assert [(p.status, p.is_paid) for p in passes] == [("cancelled", False), ("active", True)]


def test_r2_p4_an_unpaid_pass_settles_earlier_bookings_only_once_paid():
    product, session = setup()
    member = UserFactory()
    owing = services.book(member, session)  # no pass yet: an amount due (P1)
    assert owing.amount_due > 0

    order = services.place_order(member, product)
    assert Booking.objects.get(pk=owing.pk).member_pass_id is None  # not settled unpaid

    services.mark_paid(order, StaffFactory())
    settled = Booking.objects.get(pk=owing.pk)
    assert settled.member_pass_id == MemberPass.objects.get(member=member).pk
    assert settled.amount_due == 0


def test_p4_the_order_page_says_the_pass_is_ready_to_use(client):
    from bs4 import BeautifulSoup
    from django.urls import reverse

    product, _session = setup()
    member = UserFactory()
    order = services.place_order(member, product)
    client.force_login(member)

    page = BeautifulSoup(
        client.get(reverse("wagtail_passes:order", args=(order.reference,))).content,
        "html.parser",
    )

    section = page.select_one(".wp-order__passes")
    assert "Ready to use" in section.get_text(" ") and product.title in section.get_text(" ")
