"""Settings of wagtail_passes, read lazily so tests and host sites can override them.

Every setting is ``WAGTAIL_PASSES_<NAME>`` in the host's Django settings; the
defaults live in ``DEFAULTS``. Read them through ``passes_settings.NAME`` at the
moment you need them, never at import time::

    from wagtail_passes.conf import passes_settings
    horizon = passes_settings.SCHEDULE_HORIZON_DAYS
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings

PREFIX = "WAGTAIL_PASSES_"

DEFAULTS = {
    # The time zone that dates, weeks and months are judged in (SPEC V5, U1).
    # None means Django's TIME_ZONE.
    "TIME_ZONE": None,
    # Currency preselected for new programmes.
    "DEFAULT_CURRENCY": "EUR",
    # How far ahead schedules generate sessions, in days.
    "SCHEDULE_HORIZON_DAYS": 56,
    # Address booking emails are sent from. None means DEFAULT_FROM_EMAIL.
    "FROM_EMAIL": None,
    # The site's address ("https://studio.example.com") that emails link to when no request
    # caused them (a task, the daily job). None means WAGTAILADMIN_BASE_URL, and without
    # that the default Site's root URL (services.base_url).
    "BASE_URL": None,
    # How long an unpaid order holds its stock before it expires (C5): days for a bank
    # transfer, minutes for a card payment.
    "BANK_TRANSFER_HOLD_DAYS": 7,
    "CARD_HOLD_MINUTES": 30,
    # What members read (and are emailed) to pay by bank transfer: account name, IBAN, ...
    # The order's reference is added to it. Empty: "pay at the venue".
    "BANK_TRANSFER_INSTRUCTIONS": "",
    # The payment methods offered at checkout, in this order (C2): "manual" (bank transfer
    # or pay at the venue, always available) and "stripe" (card, through Stripe's hosted
    # Checkout; offered only when both Stripe settings below are set). An entry can also
    # be {"CLASS": "dotted.path.Provider", "OPTIONS": {...}} for a provider of your own.
    "PAYMENT_PROVIDERS": ["manual", "stripe"],
    # Stripe's secret API key ("sk_test_..." or "sk_live_...", or a restricted "rk_..." key
    # allowed to write Checkout Sessions). Keep it out of version control.
    "STRIPE_SECRET_KEY": "",
    # The signing secret ("whsec_...") of the webhook endpoint pointing at
    # <passes URL>/webhooks/stripe/, used to verify the Stripe-Signature header.
    "STRIPE_WEBHOOK_SECRET": "",
    # Renewals (N1): how many times the daily job tries a member's saved card for one
    # renewal order, and how many hours it waits between tries. After the last one the
    # order simply waits for the member to pay it from the emailed link.
    "RENEWAL_CHARGE_ATTEMPTS": 3,
    # A booking paid online (an amount due paid with an order, C6) and cancelled in time:
    # its money goes back as a "refund" (through the provider that took it, or by staff
    # for a bank transfer) or as money "credit" for the programme (a member pass).
    "CANCELLED_BOOKING_MONEY": "refund",
    "RENEWAL_RETRY_HOURS": 24,
    # Expiry reminders (N3): how many days before a pass's last valid day its holder is
    # emailed, once per threshold. [] sends none.
    "EXPIRY_REMINDER_DAYS": [7, 1],
    # When the public pages turn dark (docs/reference/templates.md, "Light and dark"):
    # "host" when the host's page says it is dark (data-theme="dark", class "dark", ...),
    # "os" also when the visitor's system asks for dark and the page does not say light,
    # "never" stays light.
    "DARK_MODE": "host",
    # How long, in seconds, a booking, a checkout or a payment waits for the rows another
    # request has locked before it is refused "busy, try again" (services.lock_waits).
    "LOCK_TIMEOUT": 3,
    # Series bookings (T1): the most dates one "book every Tuesday …" may cover. A longer
    # range is refused with a message, never cut short.
    "MAX_SERIES_DATES": 52,
}


class PassesSettings:
    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(f"wagtail_passes has no setting named {name!r}")
        return getattr(settings, PREFIX + name, DEFAULTS[name])

    @property
    def time_zone_name(self) -> str:
        return self.TIME_ZONE or settings.TIME_ZONE or "UTC"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone_name)

    @property
    def from_email(self) -> str:
        return self.FROM_EMAIL or settings.DEFAULT_FROM_EMAIL


passes_settings = PassesSettings()
