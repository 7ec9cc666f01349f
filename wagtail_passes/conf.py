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
