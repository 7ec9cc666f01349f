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


# ---- localstripe: a fake Stripe server in its own process (localstripe_server.py) ----------


@pytest.fixture(scope="session")
def localstripe_server():
    """localstripe started once for the session on 127.0.0.1 (a free port) and stopped at
    the end; every test using it is skipped, with the reason, when it cannot start."""
    from .localstripe_server import LocalStripe, LocalStripeUnavailable

    server = LocalStripe()
    try:
        server.start()
    except LocalStripeUnavailable as error:
        pytest.skip(f"localstripe is not available: {error}")
    yield server
    server.stop()


@pytest.fixture
def localstripe(localstripe_server, settings, monkeypatch):
    """Stripe is localstripe for this test, emptied first: ``StripeProvider`` talks to it
    with stripe-python's own HTTP client. Yields a ``stripe.StripeClient`` on it."""
    import stripe

    from .localstripe_server import SECRET_KEY as LOCAL_KEY

    localstripe_server.reset()
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = LOCAL_KEY
    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    monkeypatch.setattr(StripeProvider, "http_client", None)
    monkeypatch.setattr(StripeProvider, "api_base", localstripe_server.url)
    return stripe.StripeClient(LOCAL_KEY, base_addresses={"api": localstripe_server.url})


@pytest.fixture
def cards(settings, monkeypatch):
    """Stripe is ``FakeStripeCards`` (customers, saved cards, PaymentIntents) for this test."""
    from .fake_stripe_cards import FakeStripeCards

    fake = FakeStripeCards()
    monkeypatch.setattr(StripeProvider, "http_client", fake)
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = SECRET_KEY
    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return fake
