"""Registering for a programme (P9, P10) and orders of several products (C1).

Expected totals and lines are worked out by hand in each test from the prices set up in it.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import (
    DiscountRedemption,
    MemberPass,
    Order,
    OrderLine,
    OrderState,
    ProgrammeProduct,
    Registration,
    TermsAcceptance,
)
from wagtail_passes.services.orders import Item
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    DiscountCodeFactory,
    PassPageFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db

MANDATORY = ProgrammeProduct.Role.MANDATORY
OPTIONAL = ProgrammeProduct.Role.OPTIONAL


@pytest.fixture
def swim():
    """A swim club: a season pass (40.00) everyone must hold, a 10-swim pack (90.00) and a
    towel hire pass (15.00) offered as add-ons."""
    programme = ProgrammeFactory(name="Swim club", slug="swim-club")
    season = PassPageFactory(title="Season pass", price=Decimal("40.00"), currency="EUR")
    swims = CreditPackPageFactory(title="10 swims", price=Decimal("90.00"), currency="EUR")
    towel = PassPageFactory(title="Towel hire", price=Decimal("15.00"), currency="EUR")
    ProgrammeProduct.objects.create(programme=programme, product=season, role=MANDATORY)
    ProgrammeProduct.objects.create(programme=programme, product=swims, role=OPTIONAL)
    ProgrammeProduct.objects.create(programme=programme, product=towel, role=OPTIONAL)
    programme.season, programme.swims, programme.towel = season, swims, towel
    return programme


@pytest.fixture
def member():
    return UserFactory()


def nothing_written():
    assert Registration.objects.count() == 0
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0


def lines_of(order):
    return [(line.title, line.quantity, line.total) for line in order.lines.order_by("pk")]


# ---- P9: what the registering order carries --------------------------------------------


def test_p9_the_order_carries_the_mandatory_product_and_the_chosen_add_on(swim, member):
    done = services.register(member, swim, add_ons=[swim.swims.pk])

    assert done.created is True
    assert done.registration.member == member and done.registration.programme == swim
    assert done.order.registration == done.registration
    assert lines_of(done.order) == [
        ("Season pass", 1, Decimal("40.00")),
        ("10 swims", 1, Decimal("90.00")),
    ]
    assert done.order.total == Decimal("130.00") and done.order.state == OrderState.PENDING


def test_p9_without_add_ons_the_order_carries_the_mandatory_product_only(swim, member):
    done = services.register(member, swim)

    assert lines_of(done.order) == [("Season pass", 1, Decimal("40.00"))]


def test_p9_a_mandatory_product_the_member_holds_is_not_charged_again(swim, member):
    member_pass(member, swim.season)

    done = services.register(member, swim, add_ons=[swim.towel.pk])

    assert lines_of(done.order) == [("Towel hire", 1, Decimal("15.00"))]


def test_p9_holding_the_mandatory_product_and_no_add_on_registers_without_an_order(swim, member):
    member_pass(member, swim.season)

    done = services.register(member, swim)

    assert done.created is True and done.order is None
    assert services.registration_status(member, swim).is_complete


def test_p9_a_mandatory_product_awaiting_payment_elsewhere_is_not_ordered_twice(swim, member):
    elsewhere = services.place_order(member, swim.season)

    done = services.register(member, swim)

    assert done.created is True and done.order is None
    status = services.registration_status(member, swim)
    assert [(a.product.pk, a.order.pk) for a in status.awaiting_payment] == [
        (swim.season.pk, elsewhere.pk)
    ]
    assert not status.is_complete


def test_p9_the_offer_lists_the_add_ons_and_prices_the_chosen_ones(swim, member):
    offer = services.registration_offer(member, swim, add_ons=[str(swim.towel.pk)])

    assert [p.title for p in offer.add_ons] == ["10 swims", "Towel hire"]
    assert offer.chosen == {swim.towel.pk}
    assert offer.basket.total.amount == Decimal("55.00")
    assert offer.is_locked(swim.season) and not offer.is_locked(swim.towel)


def test_p9_an_unpublished_add_on_is_not_offered(swim, member):
    swim.towel.unpublish()

    offer = services.registration_offer(member, swim)

    assert [p.title for p in offer.add_ons] == ["10 swims"]
    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim, add_ons=[swim.towel.pk])
    assert caught.value.code == "not_an_add_on"
    nothing_written()


@pytest.mark.parametrize(
    "add_ons",
    [["999999"], ["x"], [None], ["1.5"], ["mandatory"], ["other programme"]],
    ids=["unknown id", "not a number", "None", "decimal", "the mandatory one", "elsewhere"],
)
def test_p9_an_add_on_that_is_not_offered_is_refused_and_nothing_is_written(swim, member, add_ons):
    other = PassPageFactory(title="Other")
    ProgrammeProduct.objects.create(programme=ProgrammeFactory(), product=other, role=OPTIONAL)
    add_ons = [
        {"mandatory": swim.season.pk, "other programme": other.pk}.get(value, value)
        for value in add_ons
    ]

    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim, add_ons=add_ons)

    assert caught.value.code == "not_an_add_on"
    nothing_written()


def test_p9_a_sold_out_mandatory_product_refuses_registration_and_writes_nothing(swim, member):
    swim.season.stock_limit = 1
    swim.season.save_revision().publish()
    services.place_order(UserFactory(), swim.season)
    before = Order.objects.count()

    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim, add_ons=[swim.towel.pk])

    assert caught.value.code == "sold_out"
    assert Registration.objects.count() == 0 and Order.objects.count() == before


def test_p9_a_sold_out_add_on_refuses_the_whole_order_and_keeps_the_other_stock(swim, member):
    for product, limit in ((swim.season, 5), (swim.towel, 1)):
        product.stock_limit = limit
        product.save_revision().publish()
    services.place_order(UserFactory(), swim.towel)

    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim, add_ons=[swim.towel.pk])

    assert caught.value.code == "sold_out"
    assert Registration.objects.count() == 0
    assert swim.season.sold_count() == 0 and swim.towel.sold_count() == 1


# ---- A5: terms, per product ------------------------------------------------------------


def with_terms(product, text):
    product.terms = f"<p>{text}</p>"
    product.save_revision().publish()
    product.refresh_from_db()


def test_a5_p9_each_products_terms_must_be_accepted(swim, member):
    with_terms(swim.season, "Season rules")
    with_terms(swim.swims, "Swims rules")

    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim, add_ons=[swim.swims.pk], accepted_terms={swim.swims.pk})
    assert caught.value.code == "terms_not_accepted" and "Season pass" in caught.value.message
    nothing_written()

    done = services.register(
        member, swim, add_ons=[swim.swims.pk], accepted_terms={swim.season.pk, swim.swims.pk}
    )
    accepted = TermsAcceptance.objects.filter(line__order=done.order).order_by("line__pk")
    assert [a.terms for a in accepted] == ["Season rules", "Swims rules"]


@pytest.mark.parametrize("accepted", ["yes", 1, "on", {"x"}, None])
def test_a5_only_true_or_the_product_ids_accept_terms(swim, member, accepted):
    with_terms(swim.season, "Season rules")

    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim, accepted_terms=accepted)

    assert caught.value.code == "terms_not_accepted"
    nothing_written()


# ---- A4: a discount code on some lines --------------------------------------------------


def test_a4_p9_a_code_for_one_product_takes_off_that_line_only(swim, member):
    code = DiscountCodeFactory(
        code="SWIM10", kind="percentage", value=Decimal("10"), products=[swim.swims]
    )

    done = services.register(member, swim, add_ons=[swim.swims.pk], discount_code="swim10")

    # 10 % of 90.00 = 9.00 off the swims; the season pass keeps its 40.00.
    assert [
        (line.title, line.discount, line.total) for line in done.order.lines.order_by("pk")
    ] == [
        ("Season pass", Decimal("0.00"), Decimal("40.00")),
        ("10 swims", Decimal("9.00"), Decimal("81.00")),
    ]
    assert done.order.total == Decimal("121.00")
    redemption = DiscountRedemption.objects.get(order=done.order)
    assert (redemption.code, redemption.amount) == (code, Decimal("9.00"))


def test_a4_a_code_covering_nothing_in_the_order_is_refused(swim, member):
    DiscountCodeFactory(code="TOWEL", products=[swim.towel])

    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim, add_ons=[swim.swims.pk], discount_code="TOWEL")

    assert caught.value.code == "code_not_for_product"
    assert "anything in this order" in caught.value.message
    nothing_written()


def test_a4_a_fixed_code_takes_its_amount_off_each_covered_line(swim, member):
    DiscountCodeFactory(code="FIVE", kind="fixed", value=Decimal("5.00"), currency="EUR")

    done = services.register(member, swim, add_ons=[swim.towel.pk], discount_code="FIVE")

    # No chosen products: the code covers both lines, 5.00 off each (40 + 15 - 10).
    assert done.order.total == Decimal("45.00")
    assert DiscountRedemption.objects.get(order=done.order).amount == Decimal("10.00")


# ---- the total seen, the token ----------------------------------------------------------


def test_a6_a_total_other_than_todays_is_refused_with_the_new_total(swim, member):
    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim, add_ons=[swim.towel.pk], seen_total=Decimal("40.00"))

    assert caught.value.code == "price_changed"
    assert caught.value.details["total"].amount == Decimal("55.00")
    nothing_written()


def test_c1_the_same_form_registers_once(swim, member):
    first = services.register(member, swim, token="form-1")

    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim, add_ons=[swim.towel.pk], token="form-1")

    assert caught.value.code == "already_placed"
    assert caught.value.details["reference"] == first.order.reference
    assert Order.objects.count() == 1


# ---- P10: once, and due until held --------------------------------------------------------


def test_p10_registered_once_then_completed_with_what_is_due(swim, member):
    first = services.register(member, swim)
    services.cancel_order(first.order, member)

    again = services.register(member, swim, add_ons=[swim.towel.pk])

    assert again.created is False and again.registration == first.registration
    assert lines_of(again.order) == [
        ("Season pass", 1, Decimal("40.00")),
        ("Towel hire", 1, Decimal("15.00")),
    ]
    assert Registration.objects.count() == 1


def test_p10_registered_with_nothing_due_and_no_add_on_is_refused(swim, member):
    member_pass(member, swim.season)
    services.register(member, swim)

    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim)

    assert caught.value.code == "already_registered"


def test_p10_registering_again_while_the_order_awaits_payment_leads_to_it(swim, member):
    first = services.register(member, swim)

    with pytest.raises(CheckoutError) as caught:
        services.register(member, swim)

    assert caught.value.code == "awaiting_payment"
    assert caught.value.details["reference"] == first.order.reference


def test_p10_the_database_refuses_a_second_current_registration(swim, member):
    Registration.objects.create(member=member, programme=swim)

    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(member=member, programme=swim)


def test_p10_the_mandatory_product_is_due_until_held(swim, member):
    staff = StaffFactory()
    done = services.register(member, swim)

    def shown():
        status = services.registration_status(member, swim)
        return (
            [p.title for p in status.due],
            [a.product.title for a in status.awaiting_payment],
            [p.title for p in status.held],
            status.is_complete,
        )

    assert shown() == ([], ["Season pass"], [], False)
    # the hold runs out unpaid: due again, and listed as owed
    services.expire_orders(now=done.order.expires_at + dt.timedelta(seconds=1))
    assert shown() == (["Season pass"], [], [], False)
    assert [s.programme for s in services.registrations.registrations_with_dues(member)] == [swim]
    # paid after all (C5: honoured): held, complete
    services.mark_paid(done.order, staff)
    assert shown() == ([], [], ["Season pass"], True)
    assert services.registrations.registrations_with_dues(member) == []
    # refunded: the pass is cancelled, so it is due again
    services.refund_order(Order.objects.get(pk=done.order.pk), staff, reason="moved away")
    assert MemberPass.objects.get(member=member).status == "cancelled"
    assert shown() == (["Season pass"], [], [], False)


def test_p10_a_free_registration_order_is_paid_at_once_and_complete(member):
    programme = ProgrammeFactory()
    free = PassPageFactory(title="Club membership", price=Decimal("0.00"))
    ProgrammeProduct.objects.create(programme=programme, product=free, role=MANDATORY)

    done = services.register(member, programme)

    assert done.order.state == OrderState.PAID
    assert services.registration_status(member, programme).is_complete


def test_p10_a_programme_without_products_registers_at_once(member):
    programme = ProgrammeFactory()

    done = services.register(member, programme)

    assert done.order is None and done.created
    assert services.registration_status(member, programme).is_complete


def test_p10_staff_withdraw_a_registration_and_the_member_may_register_again(swim, member):
    staff = StaffFactory()
    first = services.register(member, swim)
    services.cancel_order(first.order, member)

    with pytest.raises(CheckoutError) as caught:
        services.withdraw_registration(first.registration, member)
    assert caught.value.code == "not_allowed"

    services.withdraw_registration(first.registration, staff, reason="left the club")
    assert services.registrations.registrations_with_dues(member) == []
    assert not services.registration_status(member, swim).is_registered
    with pytest.raises(CheckoutError) as caught:
        services.withdraw_registration(first.registration, staff)
    assert caught.value.code == "already_withdrawn"

    again = services.register(member, swim)
    assert again.created and again.registration != first.registration


def test_p10_an_anonymous_visitor_is_asked_to_log_in(swim):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(CheckoutError) as caught:
        services.register(AnonymousUser(), swim)

    assert caught.value.code == "not_logged_in"
    nothing_written()


# ---- orders of several products ----------------------------------------------------------


def test_c1_an_order_of_several_products_and_its_refusals(member):
    a = PassPageFactory(price=Decimal("10.00"), currency="EUR")
    b = PassPageFactory(price=Decimal("2.50"), currency="EUR")
    gbp = PassPageFactory(price=Decimal("5.00"), currency="GBP")

    order = services.place_basket(member, [Item(a, 2), Item(b)])
    assert order.total == Decimal("22.50")

    for items, code in (
        ([], "empty_order"),
        ([Item(a), Item(a.pk)], "duplicate_product"),
        ([Item(a), Item(gbp)], "mixed_currencies"),
        ([Item(a), Item(b, 0)], "invalid_quantity"),
    ):
        with pytest.raises(CheckoutError) as caught:
            services.place_basket(member, items)
        assert caught.value.code == code
    assert Order.objects.count() == 1


def test_c3_paying_a_registration_order_issues_one_pass_per_line(swim, member):
    done = services.register(member, swim, add_ons=[swim.swims.pk, swim.towel.pk])

    services.mark_paid(done.order, StaffFactory(), reference="bank")

    passes = MemberPass.objects.filter(member=member).order_by("product__title")
    assert [(p.product.title, p.price) for p in passes] == [
        ("10 swims", Decimal("90.00")),
        ("Season pass", Decimal("40.00")),
        ("Towel hire", Decimal("15.00")),
    ]
    assert all(p.order_line.order_id == done.order.pk for p in passes)
    assert timezone.now() >= done.order.created_at
