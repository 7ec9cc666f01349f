"""U5: "membership required" holds only with a usable pass of the membership that is paid or
that staff gave; a pass issued before its bank transfer arrives (P4) does not count. What the
product page says and what the checkout refuses come from the same requirements."""

from decimal import Decimal

import pytest

from tests.checkout import checkout_url, form_data, soup_of, words
from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import MemberPass, Order, PassStatus
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def club():
    """A programme that redeems unpaid passes (P4), its membership and a members-only pass."""
    programme = ProgrammeFactory(name="Club", redeem_if_unpaid=True)
    membership = PassPageFactory(
        title="Club membership",
        kind="unlimited",
        quantity=None,
        duration_days=365,
        price=Decimal("60.00"),
        programmes=[programme],
    )
    members_only = PassPageFactory(
        title="Members' 10-class pass",
        price=Decimal("80.00"),
        programmes=[programme],
        required_product=membership,
    )
    return membership, members_only


def refusal(call, *args, **kwargs) -> CheckoutError:
    with pytest.raises(CheckoutError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_u5_unpaid_membership_does_not_unlock_members_only_product(club):
    membership, members_only = club
    member, staff = UserFactory(), StaffFactory()
    membership_order = services.place_order(member, membership)  # by bank transfer
    unpaid = MemberPass.objects.get(member=member, product=membership)
    assert (unpaid.is_paid, unpaid.status) == (False, PassStatus.ACTIVE)  # P4: issued at once

    for call in (services.quote, services.place_order):
        error = refusal(call, member, members_only)
        assert error.code == "membership_required"
        assert "not paid yet" in error.message
    assert not Order.objects.filter(lines__product=members_only).exists()

    services.mark_paid(membership_order, staff)

    order = services.place_order(member, members_only)
    assert order.lines.get().product_id == members_only.pk


def test_u5_cancelled_unpaid_membership_never_bought_the_members_only_product(club):
    membership, members_only = club
    member = UserFactory()
    membership_order = services.place_order(member, membership)
    refusal(services.place_order, member, members_only)

    services.cancel_order(membership_order, by=member)

    error = refusal(services.place_order, member, members_only)
    assert error.code == "membership_required"
    assert "not paid yet" not in error.message  # no membership at all now
    assert not MemberPass.objects.filter(member=member, product=members_only).exists()


def test_u5_a_membership_staff_gave_counts_one_awaiting_its_transfer_does_not(club):
    membership, members_only = club
    ordered, given = UserFactory(), UserFactory()
    services.place_order(ordered, membership)
    assigned = services.assign_pass(given, membership, StaffFactory())
    assert assigned.is_paid is True  # K6: complimentary

    assert refusal(services.place_order, ordered, members_only).code == "membership_required"
    assert services.place_order(given, members_only).state == "pending"


def test_u5_the_checkout_page_refuses_an_unpaid_membership_and_places_nothing(client, club):
    membership, members_only = club
    member = UserFactory()
    client.force_login(member)
    membership_order = services.place_order(member, membership)
    orders = Order.objects.count()

    for response in (
        client.get(checkout_url(members_only)),
        client.post(
            checkout_url(members_only), {"quantity": "1", "seen_total": "80.00", "token": "t"}
        ),
    ):
        assert response.status_code == 200
        refused = soup_of(response).select_one("[data-refusal]")
        assert refused["data-refusal"] == "membership_required"
        assert "Club membership" in words(refused) and "not paid yet" in words(refused)
        assert soup_of(response).select_one("form.wp-checkout") is None
    assert Order.objects.count() == orders

    services.mark_paid(membership_order, StaffFactory())
    page = client.get(checkout_url(members_only))
    response = client.post(checkout_url(members_only), form_data(page))
    assert response.status_code == 303
    assert Order.objects.filter(lines__product=members_only, member=member).count() == 1


def test_u5_what_the_page_says_is_what_the_checkout_enforces(client, club):
    """The product page's note names the same condition the refusal does."""
    membership, members_only = club
    notes = [
        li.get_text(strip=True)
        for li in soup_of(client.get(members_only.url)).select(".wp-notes li")
    ]
    assert notes == [
        "Only for members holding an active, paid “Club membership” (or one the studio gave them)."
    ]
    error = refusal(services.quote, UserFactory(), members_only)
    assert "active, paid “Club membership”" in error.message
