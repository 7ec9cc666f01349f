"""A2 and the renewal job: a holder keeps renewing a product behind a page password (they
entered it to buy); a member no longer in the group a product's page is restricted to stops
renewing it, told why, as for any renewal that can no longer be ordered."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import PageViewRestriction

from wagtail_passes.models import Order, Renewal
from wagtail_passes.services.renewals import run_renewals
from wagtail_passes.test.factories import UserFactory

from .helpers import at, local, renewing_pass, renewing_product

pytestmark = pytest.mark.django_db


def restrict(page, kind, **fields):
    groups = fields.pop("groups", ())
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=kind, **fields)
    restriction.groups.set(groups)
    return restriction


def test_a2_a_password_product_keeps_renewing_for_its_holder():
    product = renewing_product(title="Friends monthly")
    restrict(product, PageViewRestriction.PASSWORD, password="pw")
    mp = renewing_pass(product, bought=local(2027, 1, 1))

    with at(local(2027, 1, 29)):
        report = run_renewals()

    assert report.ordered == [mp.pk] and report.refused == []
    assert Renewal.objects.get(member_pass=mp).order.lines.get().product_id == product.pk


def test_a2_a_password_on_an_ancestor_is_not_asked_again_either():
    product = renewing_product(title="Friends monthly")
    restrict(product.get_parent(), PageViewRestriction.PASSWORD, password="pw")
    mp = renewing_pass(product, bought=local(2027, 1, 1))

    with at(local(2027, 1, 29)):
        assert run_renewals().ordered == [mp.pk]


def test_a2_a_member_who_left_the_products_group_stops_renewing_it():
    teachers = Group.objects.create(name="Teachers")
    member = UserFactory()
    member.groups.add(teachers)
    product = renewing_product(title="Teachers monthly")
    restrict(product, PageViewRestriction.GROUPS, groups=[teachers])
    stays = renewing_pass(product, bought=local(2027, 1, 1), member=member)
    leaver = UserFactory()
    leaver.groups.add(teachers)
    leaves = renewing_pass(product, bought=local(2027, 1, 1), member=leaver)
    leaver.groups.remove(teachers)

    with at(local(2027, 1, 29)):
        report = run_renewals()

    assert report.ordered == [stays.pk] and report.refused == [leaves.pk]
    leaves.refresh_from_db()
    assert leaves.auto_renew is False
    assert not Order.objects.filter(member=leaver).exists()
