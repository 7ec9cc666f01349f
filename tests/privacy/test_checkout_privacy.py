"""A2: a product whose page Wagtail keeps private (to logged-in users, to groups, behind a
password; on the page or an ancestor) is sold only to members who may view that page: by the
services (quote, place_order, place_basket, registering) and through the checkout URL."""

from decimal import Decimal

import pytest
from django.urls import reverse
from wagtail.models import PageViewRestriction

from tests.checkout import checkout_url, form_data, soup_of, words
from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import MemberPass, Order, OrderLine, ProgrammeProduct
from wagtail_passes.services.orders import Item
from wagtail_passes.test.factories import PassPageFactory, ProgrammeFactory

from .conftest import PASSWORD, restrict

pytestmark = pytest.mark.django_db


def refused(code, call, *args, **kwargs) -> CheckoutError:
    with pytest.raises(CheckoutError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def nothing_written():
    assert Order.objects.count() == 0
    assert MemberPass.objects.count() == 0
    assert not OrderLine.objects.filter(holds_stock=True).exists()  # no stock taken


# ---- the services ------------------------------------------------------------------------


def test_a2_a_group_products_checkout_refuses_members_outside_the_group(
    member, teacher, superuser, for_teachers
):
    for_teachers.stock_limit = 5
    for_teachers.save()
    for call in (services.quote, services.place_order):
        error = refused("not_visible", call, member, for_teachers)
        assert error.details["password"] is False
        assert "Teachers pass" not in error.message  # a private page's title is not told
    refused("not_visible", services.place_basket, member, [Item(for_teachers)])
    nothing_written()

    order = services.place_order(teacher, for_teachers)
    assert order.lines.get().product_id == for_teachers.pk
    assert services.quote(superuser, for_teachers).product.pk == for_teachers.pk  # as Wagtail


def test_a2_a_restriction_on_an_ancestor_applies_to_the_products_below(
    member, teacher, teachers, index, public
):
    restrict(index, PageViewRestriction.GROUPS, groups=[teachers])

    refused("not_visible", services.place_order, member, public)
    assert services.place_order(teacher, public).state == "pending"


def test_a2_a_password_product_is_sold_only_when_the_caller_says_it_was_entered(
    member, with_password
):
    error = refused("not_visible", services.place_order, member, with_password)
    assert error.details["password"] is True
    refused(
        "not_visible",
        services.place_order,
        member,
        with_password,
        passed_view_restrictions=[with_password.restriction.pk + 1000],
    )
    nothing_written()

    order = services.place_order(
        member, with_password, passed_view_restrictions=[with_password.restriction.pk]
    )
    assert order.lines.get().product_id == with_password.pk


def test_a2_privacy_is_decided_before_anything_else_is_said_of_the_product(member, index):
    sold_out = PassPageFactory(parent=index, stock_limit=0, access_code="SECRET")
    restrict(sold_out, PageViewRestriction.LOGIN)
    outsider = PassPageFactory(parent=index, is_archived=True)
    restrict(outsider, PageViewRestriction.PASSWORD, password="x")

    refused("sold_out", services.quote, member, sold_out, access_code="SECRET")  # logged in
    refused("not_visible", services.quote, member, outsider)  # not "archived"


@pytest.mark.parametrize("junk", ["1", None, 1.0, [["1"]], object()])
def test_a2_passed_restrictions_that_are_not_ids_pass_nothing(member, with_password, junk):
    refused(
        "not_visible",
        services.place_order,
        member,
        with_password,
        passed_view_restrictions=junk,
    )
    nothing_written()


# ---- registering (P9 with A2) ------------------------------------------------------------


@pytest.fixture
def swim(for_teachers, public):
    programme = ProgrammeFactory(name="Swim", slug="swim")
    ProgrammeProduct.objects.create(programme=programme, product=public, role="optional")
    ProgrammeProduct.objects.create(programme=programme, product=for_teachers, role="optional")
    return programme


def test_a2_registration_offers_a_private_add_on_only_to_who_may_view_it(
    member, teacher, swim, public, for_teachers
):
    offer = services.registrations.registration_offer(member, swim)
    assert [p.pk for p in offer.add_ons] == [public.pk]
    refused(
        "not_an_add_on",
        services.registrations.register,
        member,
        swim,
        add_ons=[for_teachers.pk],
    )
    assert not Order.objects.exists()

    offer = services.registrations.registration_offer(teacher, swim)
    assert {p.pk for p in offer.add_ons} == {public.pk, for_teachers.pk}
    registered = services.registrations.register(teacher, swim, add_ons=[for_teachers.pk])
    assert registered.order.lines.get().product_id == for_teachers.pk


def test_a2_a_private_mandatory_product_refuses_the_registration_to_others(
    member, teacher, for_teachers
):
    programme = ProgrammeFactory(name="Staff training", slug="staff-training")
    ProgrammeProduct.objects.create(programme=programme, product=for_teachers, role="mandatory")

    refused("not_visible", services.registrations.registration_offer, member, programme)
    refused("not_visible", services.registrations.register, member, programme)
    assert not Order.objects.exists()
    assert services.registrations.register(teacher, programme).order is not None


# ---- the checkout URL ----------------------------------------------------------------------


def test_a2_the_checkout_url_refuses_a_group_product_to_outsiders_and_sells_it_to_the_group(
    client, member, teacher, for_teachers
):
    client.force_login(member)

    page = client.get(checkout_url(for_teachers))
    sent = client.post(
        checkout_url(for_teachers), {"quantity": "1", "seen_total": "30.00", "token": "t"}
    )

    for response in (page, sent):
        assert response.status_code == 403
        soup = soup_of(response)
        assert soup.select_one("[data-refusal]")["data-refusal"] == "not_visible"
        assert soup.select_one("form.wp-checkout") is None
        assert "Teachers pass" not in words(soup)  # the private page's title is not shown
        assert for_teachers.url not in response.content.decode()
    nothing_written()

    client.force_login(teacher)

    page = client.get(checkout_url(for_teachers))
    assert page.status_code == 200
    response = client.post(checkout_url(for_teachers), form_data(page))

    assert response.status_code == 303
    assert Order.objects.get().lines.get().product_id == for_teachers.pk


def test_a2_a_password_product_is_sold_once_its_password_was_entered_on_its_page(
    client, member, with_password
):
    client.force_login(member)
    assert client.get(with_password.url).status_code == 200  # Wagtail's password form
    assert "password" in client.get(with_password.url).content.decode().lower()

    refused_page = client.get(checkout_url(with_password))
    assert refused_page.status_code == 403
    soup = soup_of(refused_page)
    assert soup.select_one("[data-refusal]")["data-refusal"] == "not_visible"
    assert soup.select_one(f"a[href='{with_password.url}']") is not None  # enter it there

    # The member enters the password on the page, as Wagtail's form posts it.
    restriction = with_password.restriction
    wrong = client.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, with_password.pk]),
        {"password": "guess", "return_url": with_password.url},
    )
    assert wrong.status_code == 200  # Wagtail shows its form again
    assert client.get(checkout_url(with_password)).status_code == 403
    client.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, with_password.pk]),
        {"password": PASSWORD, "return_url": with_password.url},
    )

    page = client.get(checkout_url(with_password))
    assert page.status_code == 200
    response = client.post(checkout_url(with_password), form_data(page))
    assert response.status_code == 303
    assert Order.objects.get().total == Decimal("20.00")


def test_a2_a_password_entered_in_another_session_does_not_count(
    client, member, with_password, django_user_model
):
    other = client.__class__()
    other.force_login(member)
    restriction = with_password.restriction
    other.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, with_password.pk]),
        {"password": PASSWORD, "return_url": with_password.url},
    )
    assert other.get(checkout_url(with_password)).status_code == 200

    client.force_login(member)
    assert client.get(checkout_url(with_password)).status_code == 403


@pytest.mark.parametrize(
    "junk", ["not a list", {"a": 1}, [None, "x", 1.5], 12, [True, False], [[1]]]
)
def test_a2_a_tampered_session_value_is_no_500_and_sells_nothing(
    client, member, with_password, junk
):
    client.force_login(member)
    session = client.session
    session[PageViewRestriction.passed_view_restrictions_session_key] = junk
    session.save()

    page = client.get(checkout_url(with_password))
    sent = client.post(
        checkout_url(with_password), {"quantity": "x", "seen_total": "no", "token": "t"}
    )

    assert (page.status_code, sent.status_code) == (403, 403)
    nothing_written()


def test_a2_a_members_area_is_hidden_from_visitors_and_sold_to_any_member(
    client, member, index, public
):
    restrict(index, PageViewRestriction.LOGIN)
    assert client.get(index.url).status_code == 302  # Wagtail sends visitors to log in
    assert services.catalogue.products_on_sale() == []

    client.force_login(member)
    assert client.get(checkout_url(public)).status_code == 200
    assert services.catalogue.products_on_sale(member=member) == [public]
