"""When a session can be booked (P8) and cancelled (P6): pure functions of times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class WindowVerdict:
    ok: bool
    code: str = "ok"
    message: str = ""


def _when(moment: dt.datetime, tz: dt.tzinfo) -> str:
    return date_format(moment.astimezone(tz), "j F Y, H:i")


def booking_window(
    *,
    now: dt.datetime,
    start: dt.datetime,
    is_cancelled: bool,
    opens_days_before: int | None,
    closes_minutes_before: int,
    tz: dt.tzinfo,
) -> WindowVerdict:
    """P8: cancelled sessions never; started ones never; otherwise between the opening
    (N days before the start; None = as soon as it exists) and the closing (M minutes
    before the start)."""
    if is_cancelled:
        return WindowVerdict(False, "session_cancelled", _("This session has been cancelled."))
    if now >= start:
        return WindowVerdict(False, "session_started", _("This session has already started."))
    if opens_days_before is not None:
        opens = start - dt.timedelta(days=opens_days_before)
        if now < opens:
            return WindowVerdict(
                False,
                "booking_not_open",
                _("Booking opens on %(when)s.") % {"when": _when(opens, tz)},
            )
    closes = start - dt.timedelta(minutes=closes_minutes_before)
    if now > closes:
        return WindowVerdict(
            False,
            "booking_closed",
            _("Booking closed on %(when)s.") % {"when": _when(closes, tz)},
        )
    return WindowVerdict(True)


def cancellation_deadline(start: dt.datetime, cutoff_hours: int) -> dt.datetime:
    """P6: members may cancel until this moment."""
    return start - dt.timedelta(hours=cutoff_hours)


def member_may_cancel(*, now: dt.datetime, start: dt.datetime, cutoff_hours: int) -> bool:
    return now <= cancellation_deadline(start, cutoff_hours)
