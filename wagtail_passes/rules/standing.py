"""How a member pass stands today, for the member's own pages (M1): green when it can be
used now, yellow when something that lifts by itself holds it back (a period limit, a
hold, a window that has not opened), red once it is over (cancelled, expired, used up).

Nothing here is a second eligibility engine: the status is ``rules.status.status_on``
(the one status rule), the hold is ``rules.validity.hold_covering``, the window
``rules.validity.validity_window`` and the limit ``rules.periods.check_period_limit``,
each asked about ``today`` instead of a session's day. This module only says which of
their answers the member reads first, and when a limit lifts.

The second half words the rest of a member's view of a pass and a booking, from plain
values: what it has used, how long it has left, whether it renews, an amount it took.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .dates import format_day, format_weekday
from .describe import number, why_ended
from .money import Money
from .periods import check_period_limit, period_bounds, uses_in_period
from .status import status_on
from .types import (
    CANCELLED,
    CREDITS,
    DAY,
    DAYS,
    EXPIRED,
    FROM_FIRST_USE,
    FROM_PAYMENT,
    MONEY,
    MONTH,
    ON_HOLD,
    UNLIMITED,
    USED_UP,
    WEEK,
    PassState,
    PassTerms,
)
from .validity import hold_covering, validity_window

#: The colours of M1; pages always show the words beside them.
GREEN = "green"
YELLOW = "yellow"
RED = "red"


@dataclass(frozen=True)
class Standing:
    """``colour`` (green, yellow, red), a stable ``code`` (``ok``, ``period_limit``,
    ``on_hold``, ``not_started``, ``cancelled``, ``expired``, ``used_up``) and the
    ``message`` the member reads beside the colour."""

    colour: str
    code: str
    message: str

    @property
    def is_current(self) -> bool:
        """Not over: the pass belongs with the member's current passes."""
        return self.colour != RED


def limit_lifts_on(period: str, day: date) -> date:
    """U1: the first day on which a limit reached in the period containing ``day`` no
    longer applies: the first day of the next day, week (Monday) or calendar month."""
    return period_bounds(period, day)[1] + timedelta(days=1)


def standing(terms: PassTerms, state: PassState, today: date) -> Standing:
    """The pass on ``today`` (the site's local date). ``state.redemptions`` must hold at
    least the redemptions of today's day, week and month for the limit to count."""
    status = status_on(terms, state, today)
    if status == CANCELLED:
        return Standing(RED, CANCELLED, why_ended(True, None))
    if status == EXPIRED:
        return Standing(RED, EXPIRED, why_ended(False, validity_window(terms, state).ends_on))
    if status == USED_UP:
        return Standing(RED, USED_UP, _("Used up"))
    if status == ON_HOLD:
        hold = hold_covering(state.holds, today)
        return Standing(
            YELLOW, ON_HOLD, _("On hold until %(end)s") % {"end": format_day(hold.ends_on)}
        )
    if terms.validity_basis != FROM_FIRST_USE:  # a first use can always start today
        window = validity_window(terms, state)
        if not window.started and terms.validity_basis == FROM_PAYMENT:
            return Standing(YELLOW, "not_started", _("Starts when payment is confirmed"))
        if window.started and today < window.starts_on:
            return Standing(
                YELLOW,
                "not_started",
                _("Valid from %(start)s") % {"start": format_day(window.starts_on)},
            )
    if check_period_limit(terms, state.redemptions, today, 1) is not None:
        period = terms.period_limit
        values = {
            "used": uses_in_period(period, today, state.redemptions),
            "max": terms.period_max_uses,
            "next": format_weekday(limit_lifts_on(period, today)),
        }
        message = {
            DAY: _("Daily limit reached (%(used)s of %(max)s): available again on %(next)s"),
            WEEK: _("Weekly limit reached (%(used)s of %(max)s): available again on %(next)s"),
            MONTH: _("Monthly limit reached (%(used)s of %(max)s): available again on %(next)s"),
        }[period]
        return Standing(YELLOW, "period_limit", message % values)
    return Standing(GREEN, "ok", _("Available now"))


# ---- the member's pages in words -----------------------------------------------


def amount(kind: str, value: Decimal, currency: str) -> str:
    """ "1 entry", "2 days", "3 credits", "€12.00"."""
    if kind == MONEY:
        return str(Money(value, currency))
    n = int(value)
    params = {"n": number(value)}
    if kind == DAYS:
        return ngettext("%(n)s day", "%(n)s days", n) % params
    if kind == CREDITS:
        return ngettext("%(n)s credit", "%(n)s credits", n) % params
    return ngettext("%(n)s entry", "%(n)s entries", n) % params


def usage(kind: str, used: Decimal, total: Decimal, currency: str, uses: int = 0) -> str:
    """ "3 of 10 entries used", "€12.00 of €50.00 used"; an unlimited pass says so, with
    the places it paid for."""
    if kind == UNLIMITED:
        return ngettext(
            "Unlimited: %(n)s place booked so far",
            "Unlimited: %(n)s places booked so far",
            uses,
        ) % {"n": uses}
    if kind == MONEY:
        return _("%(used)s of %(total)s used") % {
            "used": Money(used, currency),
            "total": Money(total, currency),
        }
    params = {"used": number(used), "total": number(total)}
    n = int(total)
    if kind == DAYS:
        return ngettext("%(used)s of %(total)s day used", "%(used)s of %(total)s days used", n) % (
            params
        )
    if kind == CREDITS:
        return (
            ngettext("%(used)s of %(total)s credit used", "%(used)s of %(total)s credits used", n)
            % params
        )
    return (
        ngettext("%(used)s of %(total)s entry used", "%(used)s of %(total)s entries used", n)
        % params
    )


def time_left(valid_until: date | None, today: date, *, ended: bool, fallback: str) -> str:
    """ "Valid until Friday, 12 June 2026 — 5 days left"; the last day says so; a pass that
    is over only says until when; ``fallback`` when there is no last day ("No expiry",
    "Starts at first use")."""
    if valid_until is None:
        return fallback
    until = {"day": format_weekday(valid_until)}
    if ended or valid_until < today:
        return _("Valid until %(day)s") % until
    left = (valid_until - today).days
    if left == 0:
        return _("Valid until %(day)s — last day today") % until
    return ngettext(
        "Valid until %(day)s — %(n)s day left", "Valid until %(day)s — %(n)s days left", left
    ) % {**until, "n": left}


def renewal(auto_renew: bool, renew_when: str | None) -> str:
    """N1: what the member chose, for the product's "renew when" (``RenewWhen`` value,
    "used_up" or "expired"). Whole sentences per choice: gluing a lowercased label into
    "Renews %s" breaks languages whose nouns keep their capital."""
    if not auto_renew:
        return _("Does not renew")
    if renew_when == "used_up":
        return _("Renews when it is used up")
    if renew_when == "expired":
        return _("Renews when it expires")
    return _("Set to renew")
