from decimal import Decimal

import pytest

from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.services.orders import place_order
from wagtail_passes.test.factories import PassPageFactory, UserFactory

from .fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe


@pytest.fixture
def fake_stripe(monkeypatch):
    fake = FakeStripe()
    monkeypatch.setattr(StripeProvider, "http_client", fake)
    return fake


@pytest.fixture
def stripe_on(settings, fake_stripe):
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = SECRET_KEY
    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return fake_stripe


@pytest.fixture
def member(db):
    return UserFactory(username="kim", first_name="Kim", last_name="Lee")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def product(db):
    return PassPageFactory(title="10-class pass", price=Decimal("90.00"), currency="EUR")


@pytest.fixture
def card_order(member, product, stripe_on):
    """A pending order placed for card payment (no session yet)."""
    return place_order(member, product, provider="stripe")
