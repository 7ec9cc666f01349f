"""Payment providers, chosen by ``WAGTAIL_PASSES_PAYMENT_PROVIDERS`` and resolved lazily.

Each entry is a built-in name (``"manual"``, ``"stripe"``) or
``{"CLASS": "dotted.path.Provider", "OPTIONS": {...}}``::

    from wagtail_passes.payments import available_providers, get_provider
    get_provider("stripe").is_available()
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..conf import passes_settings
from . import staff  # noqa: F401  (adds the card payments' audit actions)
from .base import PaymentProvider

BUILT_IN = {
    "manual": "wagtail_passes.payments.manual.ManualProvider",
    "stripe": "wagtail_passes.payments.stripe.StripeProvider",
}


def _build(entry) -> PaymentProvider:
    if isinstance(entry, str):
        path, options = BUILT_IN.get(entry, entry), {}
    elif isinstance(entry, dict) and "CLASS" in entry:
        path, options = entry["CLASS"], dict(entry.get("OPTIONS") or {})
    else:
        raise ImproperlyConfigured(
            f"WAGTAIL_PASSES_PAYMENT_PROVIDERS: {entry!r} is neither a provider name nor "
            '{"CLASS": ..., "OPTIONS": ...}.'
        )
    return import_string(path)(**options)


def configured_providers() -> list[PaymentProvider]:
    """Every configured provider, available or not, in the settings' order."""
    return [_build(entry) for entry in passes_settings.PAYMENT_PROVIDERS]


def available_providers() -> list[PaymentProvider]:
    """What checkout offers now; bank transfer / pay at the venue when nothing else is."""
    found = [provider for provider in configured_providers() if provider.is_available()]
    if not found:
        found = [_build("manual")]
    return found


def get_provider(name: str) -> PaymentProvider | None:
    """The configured provider called ``name`` (available or not), or None."""
    for provider in configured_providers():
        if provider.name == name:
            return provider
    return None
