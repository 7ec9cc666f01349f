"""The named permission decisions (services.permissions) the admin and the services share:
each answers from the app's Django permissions, never from ``is_staff``."""

import pytest
from django.contrib.auth.models import AnonymousUser

from wagtail_passes.services import permissions
from wagtail_passes.test.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

DECISIONS = {
    "can_view_bookings": {"view_booking"},
    "can_manage_bookings": {"change_booking"},
    "can_book_members": {"add_booking", "change_booking"},
    "can_view_passes": {"view_memberpass"},
    "can_assign_passes": {"add_memberpass"},
    "can_manage_passes": {"change_memberpass"},
    "can_cancel_sessions": {"change_session"},
    "can_see_session_history": {"view_session"},
    "can_generate_sessions": {"change_schedule"},
    "can_choose_members": {"add_memberpass"},
}


@pytest.mark.parametrize(("name", "codenames"), DECISIONS.items(), ids=list(DECISIONS))
def test_each_decision_needs_its_permissions(name, codenames):
    decide = getattr(permissions, name)

    assert decide(StaffFactory(permissions=sorted(codenames)))
    assert not decide(StaffFactory(permissions=[]))
    assert not decide(UserFactory(is_staff=True))  # the flag is not a permission
    assert not decide(AnonymousUser())
    assert not decide(None)


def test_booking_a_member_needs_both_add_and_change():
    assert not permissions.can_book_members(StaffFactory(permissions=["add_booking"]))
    assert not permissions.can_book_members(StaffFactory(permissions=["change_booking"]))


def test_choosing_members_is_for_those_who_assign_passes_or_manage_bookings():
    assert permissions.can_choose_members(StaffFactory(permissions=["change_booking"]))
    assert not permissions.can_choose_members(StaffFactory(permissions=["view_booking"]))


def test_an_inactive_superuser_may_do_nothing():
    boss = UserFactory(is_superuser=True, is_active=False)
    assert not any(getattr(permissions, name)(boss) for name in DECISIONS)
    boss.is_active = True
    assert all(getattr(permissions, name)(boss) for name in DECISIONS)
