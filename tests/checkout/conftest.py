from decimal import Decimal

import pytest

from wagtail_passes.test.factories import PassPageFactory, UserFactory


@pytest.fixture
def member(db):
    return UserFactory(username="lee", first_name="Lee", last_name="Park")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def product(db):
    return PassPageFactory(title="10-class pass", price=Decimal("90.00"), currency="EUR")
