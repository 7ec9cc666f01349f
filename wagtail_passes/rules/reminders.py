"""Expiry reminders (N3) as pure rules: which thresholds a pass has reached, and the
words of the reminder (what is left, the limit status, when it ends).

A threshold of N days is *reached* once the pass's last valid day is at most N days
away. A run emails for the smallest reached threshold not yet sent, and records every
larger reached one with it, so a late run never sends two reminders at once and a
larger threshold never arrives after a smaller one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .describe import number
from .money import Money
from .types import CREDITS, DAY, DAYS, ENTRIES, MONEY, MONTH, UNLIMITED, WEEK


def days_left(valid_until: date, today: date) -> int:
    """Days from ``today`` to the last valid day: 0 on the last day itself. Dates, not
    moments, so a clock change or a month end cannot shift it."""
    return (valid_until - today).days


def thresholds_to_record(
    days: int, thresholds: Iterable[int], already_sent: Iterable[int]
) -> list[int]:
    """The thresholds to record now, smallest first (the first is the one the email is
    for), or [] when no reminder is due: none reached, the pass has ended (``days`` < 0),
    or the smallest reached threshold was sent already."""
    if days < 0:
        return []
    sent = set(already_sent)
    reached = sorted({t for t in thresholds if days <= t})
    if not reached or reached[0] in sent:
        return []
    return [t for t in reached if t not in sent]


def what_is_left(kind: str, balance: Decimal, currency: str) -> str:
    """ "3 entries left", "5 credits left", "2 days of access left", "€12.50 left",
    "Unlimited sessions"."""
    if kind == UNLIMITED:
        return _("Unlimited sessions")
    if kind == MONEY:
        return _("%(amount)s left") % {"amount": Money(balance, currency)}
    n = int(balance)
    params = {"n": number(balance)}
    if kind == DAYS:
        return ngettext("%(n)s day of access left", "%(n)s days of access left", n) % params
    if kind == CREDITS:
        return ngettext("%(n)s credit left", "%(n)s credits left", n) % params
    if kind == ENTRIES:
        return ngettext("%(n)s entry left", "%(n)s entries left", n) % params
    raise ValueError(f"unknown kind: {kind!r}")


def limit_left(period: str, max_uses: int, used: int, cap: int | None = None) -> str:
    """U1 while the limit is not reached: "weekly limit 2 — 1 left this week". ``cap``
    lowers what is left (an entry pass with fewer entries than the period allows)."""
    left = max(max_uses - used, 0)
    if cap is not None:
        left = min(left, max(cap, 0))
    params = {"max": max_uses, "left": left}
    template = {
        DAY: ngettext(
            "daily limit %(max)s — %(left)s left today",
            "daily limit %(max)s — %(left)s left today",
            max_uses,
        ),
        WEEK: ngettext(
            "weekly limit %(max)s — %(left)s left this week",
            "weekly limit %(max)s — %(left)s left this week",
            max_uses,
        ),
        MONTH: ngettext(
            "monthly limit %(max)s — %(left)s left this month",
            "monthly limit %(max)s — %(left)s left this month",
            max_uses,
        ),
    }.get(period)
    if template is None:
        raise ValueError(f"unknown period: {period!r}")
    return template % params


def summary(left: str, valid_until: str, status: str = "") -> str:
    """ "3 entries left, valid until Friday, 12 June 2026; weekly limit 2 — 1 left this
    week". ``status`` is the limit (or hold) status, left out when empty."""
    text = _("%(left)s, valid until %(day)s") % {"left": left, "day": valid_until}
    if status:
        text = _("%(summary)s; %(status)s") % {"summary": text, "status": status}
    return text


def ends_when(days: int) -> str:
    """When the pass ends, for the subject: "today", "tomorrow", "in 7 days"."""
    if days <= 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    return ngettext("in %(n)s day", "in %(n)s days", days) % {"n": days}
