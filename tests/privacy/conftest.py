"""A product index with a public product and private ones, and the visitors to judge."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from wagtail.models import PageViewRestriction

from wagtail_passes.test.factories import PassPageFactory, ProductIndexPageFactory, UserFactory

PASSWORD = "open sesame"  # noqa: S105 - a test page's shared password


def restrict(page, kind, *, groups=(), password=""):
    """Make ``page`` (and what is below it) private, as an editor's Privacy setting does."""
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=kind, password=password
    )
    restriction.groups.set(groups)
    return restriction


@pytest.fixture
def teachers(db):
    return Group.objects.create(name="Teachers")


@pytest.fixture
def member(db):
    return UserFactory(username="lee", first_name="Lee", last_name="Park")


@pytest.fixture
def teacher(teachers):
    user = UserFactory(username="tess")
    user.groups.add(teachers)
    return user


@pytest.fixture
def index(db):
    return ProductIndexPageFactory(title="Passes")


@pytest.fixture
def public(index):
    return PassPageFactory(title="Open pass", parent=index, price=Decimal("40.00"))


@pytest.fixture
def for_teachers(index, teachers):
    page = PassPageFactory(title="Teachers pass", parent=index, price=Decimal("30.00"))
    restrict(page, PageViewRestriction.GROUPS, groups=[teachers])
    return page


@pytest.fixture
def with_password(index):
    page = PassPageFactory(title="Friends pass", parent=index, price=Decimal("20.00"))
    page.restriction = restrict(page, PageViewRestriction.PASSWORD, password=PASSWORD)
    return page
