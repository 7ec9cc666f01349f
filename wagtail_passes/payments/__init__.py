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
from .base import PaymentProvider

BUILT_IN = {
    "manual": "wagtail_passes.payments.manual.ManualProvider",
    "stripe": "wagtail_passes.payments.stripe.StripeProvider",
    "free": "wagtail_passes.payments.free.FreeProvider",
}
#: Always there, configured or not: staff can always record a payment by hand, and an
#: order of 0.00 is always paid when placed.
ALWAYS = ("manual", "free")


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
    """The configured provider called ``name`` (available or not), or None; "manual" and
    "free" always exist. This is the gateway resolver the services use
    (``services.gateway``, registered in ``apps.WagtailPassesConfig.ready``)."""
    for provider in configured_providers():
        if provider.name == name:
            return provider
    if name in ALWAYS:
        return _build(name)
    return None


def online_providers() -> list[PaymentProvider]:
    """The available providers a member pays with online ("Pay by card"), in order."""
    return [provider for provider in available_providers() if provider.pays_online]


def pay_online_provider(order) -> PaymentProvider | None:
    """The provider a member pays ``order`` with online ("Pay by card"): the one it was
    placed for when that pays online, else the first available one that does."""
    providers = online_providers()
    for provider in providers:
        if provider.name == order.provider:
            return provider
    return providers[0] if providers else None
