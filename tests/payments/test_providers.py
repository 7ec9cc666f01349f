"""Providers chosen by settings (C2) and the system check for half-configured Stripe."""

import pytest

from wagtail_passes.checks import check_stripe
from wagtail_passes.payments import available_providers, configured_providers, get_provider
from wagtail_passes.payments.base import PaymentProvider
from wagtail_passes.payments.manual import ManualProvider
from wagtail_passes.payments.stripe import StripeProvider


class CashBox(PaymentProvider):
    name = "cash_box"


def _names(providers):
    return [provider.name for provider in providers]


def test_c2_default_is_bank_transfer_and_stripe_only_when_both_settings_are_set(settings):
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = ""
    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = ""
    assert _names(configured_providers()) == ["manual", "stripe"]
    assert _names(available_providers()) == ["manual"]

    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = "sk_test_x"
    assert _names(available_providers()) == ["manual"]

    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = "whsec_x"
    assert _names(available_providers()) == ["manual", "stripe"]
    assert isinstance(get_provider("stripe"), StripeProvider)
    assert get_provider("paypal") is None


def test_c2_providers_from_settings_with_class_and_options(settings):
    settings.WAGTAIL_PASSES_PAYMENT_PROVIDERS = [
        {"CLASS": "tests.payments.test_providers.CashBox", "OPTIONS": {"till": 2}},
        "manual",
    ]

    [cash, manual] = configured_providers()

    assert (cash.name, cash.options, cash.label) == ("cash_box", {"till": 2}, "cash_box")
    assert isinstance(manual, ManualProvider)
    assert cash.start(None, None) is None


def test_c5_holds_days_for_bank_transfer_minutes_for_card(settings):
    settings.WAGTAIL_PASSES_BANK_TRANSFER_HOLD_DAYS = 5
    settings.WAGTAIL_PASSES_CARD_HOLD_MINUTES = 45
    assert ManualProvider().hold_days == 5
    assert StripeProvider().hold_minutes == 45


def test_c2_stripe_only_configured_nothing_available_falls_back_to_bank_transfer(settings):
    settings.WAGTAIL_PASSES_PAYMENT_PROVIDERS = ["stripe"]
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = ""
    assert _names(available_providers()) == ["manual"]


@pytest.mark.parametrize(
    ("key", "secret", "warned"),
    [
        ("", "", False),
        ("sk_test_x", "whsec_x", False),
        ("sk_test_x", "", True),
        ("", "whsec_x", True),
    ],
)
def test_c2_w002_warns_when_only_one_stripe_setting_is_set(settings, key, secret, warned):
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = key
    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = secret

    messages = check_stripe()

    assert [message.id for message in messages] == (["wagtail_passes.W002"] if warned else [])
    if warned:
        missing = "WEBHOOK_SECRET" if key else "SECRET_KEY"
        assert f"WAGTAIL_PASSES_STRIPE_{missing} is not set" in messages[0].msg
