"""When a session can be booked (P8) and cancelled (P6): pure functions of times.

Each moment has one function, and everything that shows it or enforces it calls that
function, so the time a member reads is the time that applies:

- booking opens N *calendar days* before the start, at the same local time
  (``booking_opens_at``; a week before Monday 18:00 is the previous Monday 18:00, also
  across a clock change);
- booking closes M *real minutes* before the start (``booking_closes_at``);
- members may cancel until H *real hours* before the start
  (``cancellation_deadline``): on the morning after the clocks go forward, 24 hours
  before a 09:00 session is 08:00 the day before.

Every function takes and returns aware datetimes; they compare correctly whatever
their time zone, and ``rules.dates.format_moment`` shows them in the zone it is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .dates import format_moment


@dataclass(frozen=True)
class WindowVerdict:
    ok: bool
    code: str = "ok"
    message: str = ""


def _require_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("booking-window rules need aware datetimes")


def booking_opens_at(start: dt.datetime, days_before: int, tz: dt.tzinfo) -> dt.datetime:
    """P8: ``days_before`` calendar days before the start, at the start's local time."""
    _require_aware(start)
    local = start.astimezone(tz)
    wall = local.replace(tzinfo=None) - dt.timedelta(days=days_before)
    return wall.replace(tzinfo=tz)


def booking_closes_at(start: dt.datetime, minutes_before: int) -> dt.datetime:
    """P8: ``minutes_before`` real minutes before the start."""
    _require_aware(start)
    return start.astimezone(dt.UTC) - dt.timedelta(minutes=minutes_before)


def cancellation_deadline(start: dt.datetime, cutoff_hours: int) -> dt.datetime:
    """P6: members may cancel until this moment, ``cutoff_hours`` real hours before the
    start (in UTC; show it with ``presentation.format_moment``)."""
    _require_aware(start)
    return start.astimezone(dt.UTC) - dt.timedelta(hours=cutoff_hours)


def member_may_cancel(*, now: dt.datetime, start: dt.datetime, cutoff_hours: int) -> bool:
    """P6: the deadline itself still counts."""
    return now <= cancellation_deadline(start, cutoff_hours)


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
    (None = as soon as the session exists) and the closing."""
    if is_cancelled:
        return WindowVerdict(False, "session_cancelled", _("This session has been cancelled."))
    if now >= start:
        return WindowVerdict(False, "session_started", _("This session has already started."))
    if opens_days_before is not None:
        opens = booking_opens_at(start, opens_days_before, tz)
        if now < opens:
            return WindowVerdict(
                False,
                "booking_not_open",
                _("Booking opens on %(when)s.") % {"when": format_moment(opens, tz)},
            )
    closes = booking_closes_at(start, closes_minutes_before)
    if now > closes:
        return WindowVerdict(
            False,
            "booking_closed",
            _("Booking closed on %(when)s.") % {"when": format_moment(closes, tz)},
        )
    return WindowVerdict(True)
