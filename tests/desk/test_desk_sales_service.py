"""Desk sales (C2, C6, K6): ``services.sell_at_desk`` makes an order at the price staff
confirm, paid now with a method or owed; an owed one holds its stock, never expires, is
listed in Outstanding payments and is paid later with "Mark paid" (C3, once).
``services.mark_paid`` records how the money was taken and who took it, and
``services.assign_pass`` gives complimentary passes only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError, PassError
from wagtail_passes.models import (
    Booking,
    MemberPass,
    Order,
    OrderLine,
    OrderState,
    Payment,
    PaymentState,
)
from wagtail_passes.rules.money import Money
from wagtail_passes.services.desk_sales import DeskLine, desk_products
from wagtail_passes.services.outstanding import ORDER, outstanding
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    """A front-desk seller: sell_at_desk and view_order, nothing else of orders."""
    return StaffFactory(username="desk", permissions=["sell_at_desk", "view_order"])


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee")


@pytest.fixture
def ten_classes():
    return PassPageFactory(title="10-class pass", price=Decimal("90.00"), quantity=Decimal(10))


def sell(member, product, by, *, quantity=1, unit_price=None, reason="", **kwargs):
    kwargs.setdefault("paid", True)
    if kwargs["paid"]:
        kwargs.setdefault("method", "cash")
    line = DeskLine(product, quantity=quantity, unit_price=unit_price, reason=reason)
    return services.sell_at_desk(member, [line], by, **kwargs)


def snapshot():
    return (
        list(Order.objects.order_by("pk").values()),
        list(OrderLine.objects.order_by("pk").values()),
        list(Payment.objects.order_by("pk").values()),
        list(MemberPass.objects.order_by("pk").values()),
    )


def refused(code, call, *args, **kwargs):
    before = snapshot()
    with pytest.raises(CheckoutError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    assert snapshot() == before  # nothing written
    return caught.value


# ---- paid now (C2) ---------------------------------------------------------------------


def test_c2_paid_now_is_fulfilled_with_the_method_and_who_took_it(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk, method="card_terminal", note="receipt 12")

    assert order.fulfilled_now is True
    assert order.state == OrderState.PAID and order.provider == "manual"
    assert order.sold_by == desk and order.expires_at is None
    assert order.total == Decimal("90.00")
    payment = order.payments.get()
    assert (payment.method, payment.recorded_by, payment.amount) == (
        "card_terminal",
        desk,
        Decimal("90.00"),
    )
    assert payment.state == PaymentState.SUCCEEDED and payment.raw["note"] == "receipt 12"
    member_pass = MemberPass.objects.get(member=ann)
    assert member_pass.is_paid and member_pass.order_line.order == order
    assert member_pass.price == Decimal("90.00")


def test_c2_a_desk_sale_is_audited_with_the_seller(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk)

    entry = ModelLogEntry.objects.get(action="wagtail_passes.order.desk_sale")
    assert entry.user == desk and entry.object_id == str(order.pk)
    assert "sold at the desk to Ann Lee (ann): €90.00" in entry.data["message"]


def test_c2_quantity_makes_one_pass_per_unit(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk, quantity=3)

    assert order.total == Decimal("270.00")
    assert MemberPass.objects.filter(member=ann, is_paid=True).count() == 3


def test_c2_a_free_desk_sale_is_paid_at_once_without_a_method(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk, paid=False, unit_price="0", reason="Prize draw")

    assert order.state == OrderState.PAID and order.provider == "free"
    assert MemberPass.objects.get(member=ann).is_paid


# ---- a changed price -----------------------------------------------------------------


def test_c2_a_changed_price_needs_a_reason(desk, ann, ten_classes):
    error = refused("reason_required", sell, ann, ten_classes, desk, unit_price="80")
    assert "list price of €90.00" in error.message


def test_c2_a_changed_price_keeps_the_list_price_and_reason_and_is_audited(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk, quantity=2, unit_price="80.00", reason="Loyal since 2019")

    line = order.lines.get()
    assert (line.unit_price, line.list_price, line.price_reason) == (
        Decimal("80.00"),
        Decimal("90.00"),
        "Loyal since 2019",
    )
    assert line.total == order.total == Decimal("160.00")
    entry = ModelLogEntry.objects.get(action="wagtail_passes.order.desk_sale")
    assert "at €80.00 instead of €90.00: Loyal since 2019" in entry.data["message"]
    assert entry.data["price_changes"] == [
        {
            "product": ten_classes.pk,
            "list_price": "90.00",
            "unit_price": "80.00",
            "reason": "Loyal since 2019",
        }
    ]


def test_c2_the_list_price_confirmed_needs_no_reason(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk, unit_price="90")

    line = order.lines.get()
    assert line.unit_price == Decimal("90.00")
    assert line.list_price is None and line.price_reason == ""


def test_c2_the_list_price_is_todays_pro_rata_price(desk, ann):
    today = timezone.localdate()
    season = PassPageFactory(
        price=Decimal("100.00"),
        validity_basis="fixed",
        fixed_start=today - dt.timedelta(days=50),
        fixed_end=today + dt.timedelta(days=49),
        pro_rata=True,
        pro_rata_from=today - dt.timedelta(days=50),
        pro_rata_minimum_price=Decimal("10.00"),
    )
    listed = services.quote(ann, season).unit_price

    assert listed.amount < Decimal("100.00")
    assert sell(ann, season, desk).total == listed.amount


# ---- not paid yet (C6) -----------------------------------------------------------------


def test_c6_an_unpaid_desk_sale_is_owed_with_its_passes_issued_unpaid(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk, paid=False, note="pays Friday")

    assert order.state == OrderState.PENDING and order.expires_at is None
    assert order.sold_by == desk and not order.payments.exists()
    member_pass = MemberPass.objects.get(member=ann)
    assert member_pass.is_paid is False and member_pass.order_line.order == order
    owed = [item for item in outstanding() if item.kind == ORDER]
    assert [(item.order, item.amount) for item in owed] == [(order, Money(Decimal("90.00"), "EUR"))]


def test_c3_c6_an_unpaid_desk_sale_is_paid_later_once_with_the_same_passes(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk, paid=False, quantity=2)
    issued = set(MemberPass.objects.filter(member=ann).values_list("pk", flat=True))

    paid = services.mark_paid(order, desk, method="bank_transfer", reference="IBAN 7")
    again = services.mark_paid(order, desk, method="cash")

    assert paid.fulfilled_now and not again.fulfilled_now
    assert set(MemberPass.objects.filter(member=ann).values_list("pk", flat=True)) == issued
    assert MemberPass.objects.filter(member=ann, is_paid=True).count() == 2
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.recorded_by) == ("bank_transfer", desk)
    assert [item for item in outstanding() if item.kind == ORDER] == []


def test_c5_an_unpaid_desk_sale_never_expires_and_holds_its_stock(desk, ann):
    last_one = PassPageFactory(price=Decimal("40.00"), stock_limit=1)
    order = sell(ann, last_one, desk, paid=False)
    next_year = timezone.now() + dt.timedelta(days=400)

    assert services.expire_orders(next_year) == 0
    assert services.run_tidy(next_year).orders_expired == 0
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert last_one.sold_count(now=next_year) == 1
    refused("sold_out", sell, UserFactory(), last_one, desk)
    with pytest.raises(CheckoutError) as online:
        services.place_order(UserFactory(), last_one)
    assert online.value.code == "sold_out"


def test_c5_cancelling_an_unpaid_desk_sale_releases_stock_and_passes(ann):
    last_one = PassPageFactory(stock_limit=1)
    manager = StaffFactory(permissions=["change_order"])
    order = sell(ann, last_one, manager, paid=False)

    services.cancel_order(order, manager)

    assert last_one.sold_count() == 0
    assert MemberPass.objects.get(member=ann).status == "cancelled"


def test_c6_a_member_cannot_cancel_what_they_owe_from_the_desk(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk, paid=False)

    with pytest.raises(CheckoutError) as refusal:
        services.cancel_order(order, ann)

    assert refusal.value.code == "sold_at_desk"
    assert services.orders.cancel_refusal(order, ann).code == "sold_at_desk"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert MemberPass.objects.get(member=ann).status == "active"
    # staff still may write it off
    assert services.orders.cancel_refusal(order, StaffFactory(permissions=["change_order"])) is None


@pytest.mark.parametrize("redeem_if_unpaid", [True, False])
def test_p4_an_unpaid_desk_pass_pays_a_booking_only_where_unpaid_passes_may(
    desk, ann, redeem_if_unpaid
):
    programme = ProgrammeFactory(redeem_if_unpaid=redeem_if_unpaid)
    product = PassPageFactory(price=Decimal("90.00"), programmes=[programme])
    start = timezone.now() + dt.timedelta(days=2)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(programme=programme),
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    sell(ann, product, desk, paid=False)

    booking = services.book(ann, session)

    paid_by_pass = booking.member_pass_id is not None
    assert paid_by_pass is redeem_if_unpaid
    assert Booking.objects.get(pk=booking.pk).amount_due == (
        0 if redeem_if_unpaid else programme.default_unit_price
    )


# ---- refusals: what checkout refuses, and the desk's own inputs --------------------------


@pytest.mark.parametrize(
    ("unit_price", "code"),
    [
        ("-1", "invalid_price"),
        ("abc", "invalid_price"),
        ("1.234", "invalid_price"),
        ("NaN", "invalid_price"),
        ("Infinity", "invalid_price"),
        ("1e9", "invalid_price"),
        ("99999999999999999999", "invalid_price"),
        (1.5, "invalid_price"),
        (True, "invalid_price"),
        (Money(Decimal("80"), "USD"), "currency_mismatch"),
    ],
)
def test_c2_a_bad_price_is_refused_and_nothing_written(desk, ann, ten_classes, unit_price, code):
    refused(code, sell, ann, ten_classes, desk, unit_price=unit_price, reason="why not")


@pytest.mark.parametrize("quantity", [0, -1, 21, "x", 1.5, None])
def test_c2_a_quantity_out_of_bounds_is_refused(desk, ann, ten_classes, quantity):
    refused("invalid_quantity", sell, ann, ten_classes, desk, quantity=quantity)


@pytest.mark.parametrize("product", [999999, "x", None, -3])
def test_c2_an_unknown_product_is_refused(desk, ann, product):
    refused("no_such_product", sell, ann, product, desk)


def test_c2_an_unpublished_product_is_refused(desk, ann, ten_classes):
    ten_classes.unpublish()
    refused("no_such_product", sell, ann, ten_classes, desk)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"is_archived": True}, "archived"),
        ({"sale_ends_at": timezone.now() - dt.timedelta(days=1)}, "no_longer_on_sale"),
        ({"sale_starts_at": timezone.now() + dt.timedelta(days=1)}, "not_yet_on_sale"),
    ],
)
def test_c2_a_product_off_sale_is_refused(desk, ann, fields, code):
    refused(code, sell, ann, PassPageFactory(**fields), desk)


def test_a1_a_sold_out_product_is_refused(desk, ann):
    product = PassPageFactory(stock_limit=2)
    sell(UserFactory(), product, desk, quantity=2)
    refused("sold_out", sell, ann, product, desk)


def test_a1_more_than_the_stock_left_is_refused(desk, ann):
    refused("sold_out", sell, ann, PassPageFactory(stock_limit=2), desk, quantity=3)


def test_u5_the_products_buyer_rules_hold_at_the_desk(desk, ann):
    membership = PassPageFactory(title="Club membership")
    members_only = PassPageFactory(required_product=membership)
    refused("membership_required", sell, ann, members_only, desk)


def test_a5_terms_must_be_accepted(desk, ann):
    product = PassPageFactory(terms="<p>No refunds.</p>")
    refused("terms_not_accepted", sell, ann, product, desk)

    order = sell(ann, product, desk, accepted_terms=True)

    assert order.lines.get().terms_acceptances.get().terms == "No refunds."


def test_u6_a_code_only_offer_can_be_sold_at_the_desk(desk, ann):
    private = PassPageFactory(access_code="FRIENDS")
    assert private in desk_products()
    assert sell(ann, private, desk).state == OrderState.PAID


def test_c2_the_same_product_twice_and_mixed_currencies_are_refused(desk, ann, ten_classes):
    twice = [DeskLine(ten_classes), DeskLine(ten_classes)]
    refused("duplicate_product", services.sell_at_desk, ann, twice, desk, paid=True, method="cash")
    dollars = PassPageFactory(currency="USD")
    mixed = [DeskLine(ten_classes), DeskLine(dollars)]
    refused("mixed_currencies", services.sell_at_desk, ann, mixed, desk, paid=True, method="cash")
    refused("empty_order", services.sell_at_desk, ann, [], desk, paid=True, method="cash")


@pytest.mark.parametrize("method", ["", "online", "bitcoin", None])
def test_c2_paid_now_needs_a_desk_method(desk, ann, ten_classes, method):
    refused("invalid_method", sell, ann, ten_classes, desk, method=method)


def test_c2_a_note_too_long_is_refused(desk, ann, ten_classes):
    refused("note_too_long", sell, ann, ten_classes, desk, note="x" * 501)


def test_c2_a_reason_too_long_is_refused(desk, ann, ten_classes):
    refused("reason_too_long", sell, ann, ten_classes, desk, unit_price="1", reason="x" * 256)


def test_c2_the_same_form_token_sells_once(desk, ann, ten_classes):
    order = sell(ann, ten_classes, desk, token="t" * 32)
    error = refused("already_placed", sell, ann, ten_classes, desk, token="t" * 32)
    assert error.details["reference"] == order.reference


def test_c2_only_the_desk_or_order_managers_may_sell(ann, ten_classes):
    for nobody in (ann, UserFactory(), StaffFactory(permissions=["view_order", "add_memberpass"])):
        refused("not_allowed", sell, ann, ten_classes, nobody)
    manager = StaffFactory(permissions=["change_order"])
    assert sell(ann, ten_classes, manager).sold_by == manager


def test_c2_an_inactive_member_is_refused(desk, ten_classes):
    refused("inactive_member", sell, UserFactory(is_active=False), ten_classes, desk)


def test_desk_products_are_those_on_sale_by_title(ten_classes):
    archived = PassPageFactory(title="Old", is_archived=True)
    sold_out = PassPageFactory(title="Gone", stock_limit=1)
    services.sell_at_desk(UserFactory(), [DeskLine(sold_out)], None, paid=True, method="cash")
    draft = PassPageFactory(title="Draft")
    draft.unpublish()
    cheap = PassPageFactory(title="1-class pass")

    assert [p.pk for p in desk_products()] == [cheap.pk, ten_classes.pk]
    assert archived.pk not in [p.pk for p in desk_products()]


# ---- "Mark paid" records the method and who took it (C2) --------------------------------


def test_c2_mark_paid_records_the_method_and_staff(desk, ann, ten_classes):
    order = services.place_order(ann, ten_classes)

    services.mark_paid(order, desk, method="cash", reference="receipt 4")

    payment = order.payments.get()
    assert (payment.method, payment.recorded_by, payment.raw["note"]) == (
        "cash",
        desk,
        "receipt 4",
    )


@pytest.mark.parametrize("method", ["online", "cheque", 3])
def test_c2_mark_paid_refuses_a_method_that_is_not_a_desk_method(desk, ann, ten_classes, method):
    order = services.place_order(ann, ten_classes)
    refused("invalid_method", services.mark_paid, order, desk, method=method)


def test_c2_mark_paid_needs_sell_at_desk_or_change_order(ann, ten_classes):
    order = services.place_order(ann, ten_classes)
    refused("not_allowed", services.mark_paid, order, StaffFactory(permissions=["view_order"]))


# ---- K6: assigning is complimentary -------------------------------------------------------


def test_k6_an_assigned_pass_is_complimentary_paid_at_zero(ann, ten_classes):
    staff = StaffFactory(username="boss")

    member_pass = services.assign_pass(ann, ten_classes, staff, reason="Prize")

    assert member_pass.is_paid and member_pass.paid_at is not None
    assert member_pass.price == Decimal(0) and member_pass.assigned_by == staff
    assert member_pass.order_line is None
    issue = member_pass.ledger.get()
    assert issue.reason == "Complimentary, given by boss: Prize"


def test_k6_assigning_an_unpaid_pass_is_refused_pointing_to_the_desk(ann, ten_classes):
    with pytest.raises(PassError) as caught:
        services.assign_pass(ann, ten_classes, StaffFactory(), paid=False)
    assert caught.value.code == "not_complimentary"
    assert "sell it at the desk" in caught.value.message
    assert not MemberPass.objects.exists()
