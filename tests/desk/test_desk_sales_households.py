"""Selling at the desk for someone of a household (F3): the form offers the member's
household ("For"); the passes go to the person chosen and the account holder pays."""

from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.models import MemberPass, Order, OrderState
from wagtail_passes.test.factories import PassPageFactory, UserFactory

from ..admin import post_form
from .test_desk_sales_admin import SELL_URL, field_errors, messages_of, sale, soup, written

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def maya():
    return UserFactory(username="maya", first_name="Maya", last_name="Lind", email="m@x.org")


@pytest.fixture
def leo(maya):
    return services.add_dependant(maya, "Leo")


@pytest.fixture
def kids_ten():
    return PassPageFactory(title="Kids ten", price=Decimal("50.00"), quantity=Decimal(10))


def test_F3_the_sale_form_offers_the_members_household(admin, maya, leo, kids_ten):
    response = admin.get(SELL_URL, {"member": maya.pk, "person": leo.pk})

    select = soup(response).find("select", attrs={"name": "person"})
    assert [o.get_text() for o in select.find_all("option")] == [
        "Maya Lind (account holder)",
        "Leo",
    ]
    assert response.context["form"]["person"].value() == str(leo.pk)


def test_F3_a_household_of_one_is_not_asked_for_whom(admin, kids_ten):
    ann = UserFactory(username="ann")

    response = admin.get(SELL_URL, {"member": ann.pk})

    assert "person" not in response.context["form"].fields


def test_F3_a_pass_sold_for_a_dependant_is_theirs_and_the_holder_pays(admin, maya, leo, kids_ten):
    response = post_form(
        admin, f"{SELL_URL}?member={maya.pk}", sale(maya, kids_ten, person=str(leo.pk))
    )

    assert response.status_code == 302, field_errors(response)
    order = Order.objects.get()
    assert (order.member, order.state) == (maya, OrderState.PAID)
    sold = MemberPass.objects.get()
    assert (sold.person, sold.member) == (leo, maya)
    assert messages_of(response) == ["Sold Kids ten to Leo for €50.00, paid: Cash at the desk."]


def test_F3_selling_for_someone_of_another_household_is_refused(admin, maya, leo, kids_ten):
    stranger = services.add_dependant(UserFactory(), "Zed")

    response = post_form(
        admin, f"{SELL_URL}?member={maya.pk}", sale(maya, kids_ten, person=str(stranger.pk))
    )

    assert "person" in field_errors(response)
    assert written() == (0, 0, 0)
