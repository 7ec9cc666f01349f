"""Period limits (U1): at most M uses per day, week or calendar month.

Periods are counted on session dates in the site's time zone (V5), so the caller turns each
session start into a local date first, with ``rules.dates.local_date``. A use is one
attendee: a booking for three places uses three of the period's allowance, whatever the
pass kind.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta

from django.utils.translation import gettext as _

from .dates import format_day, format_month, format_weekday
from .types import DAY, MONTH, WEEK, PassTerms, Redemption, Verdict, refuse


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """First and last day (inclusive) of the period containing ``day``.

    Weeks run Monday to Sunday whatever the locale (U1 says so).
    """
    if period == DAY:
        return day, day
    if period == WEEK:
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if period == MONTH:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    raise ValueError(f"unknown period: {period!r}")


def uses_in_period(period: str, day: date, redemptions: Iterable[Redemption]) -> int:
    """Attendees of the redemptions whose session falls in the same period as ``day``."""
    first, last = period_bounds(period, day)
    return sum(r.attendees for r in redemptions if first <= r.day <= last)


def period_limit_allows(max_uses: int, used: int, attendees: int) -> bool:
    return used + attendees <= max_uses


def check_period_limit(
    terms: PassTerms, redemptions: Iterable[Redemption], day: date, attendees: int
) -> Verdict | None:
    """A temporary ("yellow") refusal when the booking would pass the limit, else None."""
    if terms.period_limit is None:
        return None
    period = terms.period_limit
    used = uses_in_period(period, day, redemptions)
    maximum = terms.period_max_uses
    if period_limit_allows(maximum, used, attendees):
        return None
    first, last = period_bounds(period, day)
    values = {
        "used": used,
        "max": maximum,
        "requested": attendees,
        # The session's period is named, not "this week": the session may be weeks away.
        "date": format_month(first) if period == MONTH else format_day(first),
        # When the allowance starts again: the first day of the next period.
        "next": format_weekday(last + timedelta(days=1)),
    }
    if used >= maximum:
        message = {
            DAY: _("Daily limit reached: %(used)s of %(max)s on %(date)s; free again on %(next)s"),
            WEEK: _(
                "Weekly limit reached: %(used)s of %(max)s in the week of %(date)s; "
                "free again on %(next)s"
            ),
            MONTH: _(
                "Monthly limit reached: %(used)s of %(max)s in %(date)s; free again on %(next)s"
            ),
        }[period]
    else:
        message = {
            DAY: _("Daily limit: %(used)s of %(max)s used on %(date)s, %(requested)s requested"),
            WEEK: _(
                "Weekly limit: %(used)s of %(max)s used in the week of %(date)s, "
                "%(requested)s requested"
            ),
            MONTH: _(
                "Monthly limit: %(used)s of %(max)s used in %(date)s, %(requested)s requested"
            ),
        }[period]
    return refuse("period_limit", message % values, temporary=True)
