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


def test_a2_renewal_asks_no_password_again_but_a_member_who_left_the_group_stops():
    teachers = Group.objects.create(name="Teachers")
    friends = renewing_product(title="Friends monthly")
    restrict(friends, PageViewRestriction.PASSWORD, password="pw")
    club = renewing_product(title="Club monthly")
    restrict(club.get_parent(), PageViewRestriction.PASSWORD, password="pw")  # an ancestor
    for_teachers = renewing_product(title="Teachers monthly")
    restrict(for_teachers, PageViewRestriction.GROUPS, groups=[teachers])
    renewing = [
        renewing_pass(friends, bought=local(2027, 1, 1)),
        renewing_pass(club, bought=local(2027, 1, 1)),
    ]
    teacher, leaver = UserFactory(), UserFactory()
    teacher.groups.add(teachers)
    renewing.append(renewing_pass(for_teachers, bought=local(2027, 1, 1), member=teacher))
    leaver.groups.add(teachers)
    leaves = renewing_pass(for_teachers, bought=local(2027, 1, 1), member=leaver)
    leaver.groups.remove(teachers)

    with at(local(2027, 1, 29)):
        report = run_renewals()

    assert sorted(report.ordered) == sorted(mp.pk for mp in renewing)
    assert report.refused == [leaves.pk]
    for mp in renewing:
        assert Renewal.objects.get(member_pass=mp).order.lines.get().product_id == mp.product_id
    leaves.refresh_from_db()
    assert leaves.auto_renew is False  # stopped; the member and staff are told why
    assert not Order.objects.filter(member=leaver).exists()
