"""A product in plain words, for visitors: "10 entries, valid 90 days from first use, max 2
per week, for Pay-as-you-go Yoga".

Pure functions of plain values (the page passes in names, not querysets), translated with
Django's gettext. ``describe_product`` returns the phrases in a fixed order (what it gives,
how long it is valid, its period limit, what it covers, additional attendees);
``summarize`` joins them into one sentence. Dates read like "31 March 2027" and money like
"50.00 GBP", as in the eligibility messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .money import Money
from .types import (
    BASES,
    CREDITS,
    DAY,
    DAYS,
    ENTRIES,
    FIXED,
    FROM_FIRST_USE,
    FROM_PAYMENT,
    FROM_PURCHASE,
    KINDS,
    MONEY,
    MONTH,
    PERIODS,
    UNLIMITED,
    WEEK,
)

# Who may buy (U5); the same values as the model's BuyerRestriction.
ANYONE = "anyone"
NEW_JOINERS = "new_joiners"
ACTIVE_MEMBERS = "active_members"


def format_date(day: date) -> str:
    return date_format(day, "j F Y")


def join_names(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C" (the last link translated)."""
    names = [str(name) for name in names]
    if len(names) <= 1:
        return "".join(names)
    return _("%(items)s and %(last)s") % {"items": ", ".join(names[:-1]), "last": names[-1]}


def gives(kind: str, quantity: Decimal | None, currency: str) -> str:
    """What the product holds (K1-K5)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind: {kind!r}")
    if kind == UNLIMITED:
        return _("unlimited")
    if quantity is None:
        raise ValueError(f"a {kind} product needs a quantity")
    if kind == MONEY:
        return _("%(amount)s of credit") % {"amount": Money(quantity, currency)}
    n = int(quantity)
    template = {
        ENTRIES: ngettext("%(n)s entry", "%(n)s entries", n),
        DAYS: ngettext("%(n)s day of access", "%(n)s days of access", n),
        CREDITS: ngettext("%(n)s credit", "%(n)s credits", n),
    }[kind]
    return template % {"n": n}


def validity(
    basis: str,
    duration_days: int = 0,
    fixed_start: date | None = None,
    fixed_end: date | None = None,
    *,
    today: date | None = None,
) -> str:
    """How long it is valid (V1-V4). A duration of 0 days never expires.

    With fixed dates, once ``today`` is inside the season only the end date is worth saying.
    """
    if basis not in BASES:
        raise ValueError(f"unknown validity basis: {basis!r}")
    if basis == FIXED:
        if fixed_start and fixed_end and not (today and today >= fixed_start):
            return _("valid from %(start)s to %(end)s") % {
                "start": format_date(fixed_start),
                "end": format_date(fixed_end),
            }
        if fixed_end:
            return _("valid until %(end)s") % {"end": format_date(fixed_end)}
        if fixed_start:
            return _("valid from %(start)s") % {"start": format_date(fixed_start)}
        return _("valid on fixed dates")
    if duration_days < 0:
        raise ValueError("duration_days cannot be negative")
    if duration_days == 0:
        return _("no expiry")
    n = duration_days
    template = {
        FROM_PURCHASE: ngettext(
            "valid %(n)s day from purchase", "valid %(n)s days from purchase", n
        ),
        FROM_PAYMENT: ngettext("valid %(n)s day from payment", "valid %(n)s days from payment", n),
        FROM_FIRST_USE: ngettext(
            "valid %(n)s day from first use", "valid %(n)s days from first use", n
        ),
    }[basis]
    return template % {"n": n}


def period_limit(period: str | None, max_uses: int | None) -> str:
    """The U1 limit, or "" when there is none (or it is only half set up)."""
    if not period or max_uses is None:
        return ""
    if period not in PERIODS:
        raise ValueError(f"unknown period: {period!r}")
    n = max_uses
    template = {
        DAY: ngettext("max %(n)s per day", "max %(n)s per day", n),
        WEEK: ngettext("max %(n)s per week", "max %(n)s per week", n),
        MONTH: ngettext("max %(n)s per calendar month", "max %(n)s per calendar month", n),
    }[period]
    return template % {"n": n}


def coverage(programme_names: Sequence[str] = (), class_names: Sequence[str] = ()) -> str:
    """What it may pay for (U2): programmes first, then single classes; none = everything."""
    names = [*programme_names, *class_names]
    if not names:
        return _("for all classes")
    return _("for %(names)s") % {"names": join_names(names)}


def describe_product(
    *,
    kind: str,
    quantity: Decimal | None,
    currency: str,
    validity_basis: str,
    duration_days: int = 0,
    fixed_start: date | None = None,
    fixed_end: date | None = None,
    period: str | None = None,
    period_max_uses: int | None = None,
    programme_names: Sequence[str] = (),
    class_names: Sequence[str] = (),
    allows_additional_attendees: bool = False,
    today: date | None = None,
) -> tuple[str, ...]:
    """The phrases that describe a product, in reading order."""
    phrases = [
        gives(kind, quantity, currency),
        validity(validity_basis, duration_days, fixed_start, fixed_end, today=today),
        period_limit(period, period_max_uses),
        coverage(programme_names, class_names),
    ]
    if allows_additional_attendees:
        phrases.append(_("valid for additional attendees in one booking"))
    return tuple(phrase for phrase in phrases if phrase)


def summarize(phrases: Sequence[str]) -> str:
    """One sentence of the phrases: "10 entries, no expiry, for all classes"."""
    text = ", ".join(str(phrase) for phrase in phrases)
    return text[:1].upper() + text[1:]


def who_may_buy(restriction: str = ANYONE, required_product: str | None = None) -> tuple[str, ...]:
    """Notes for the visitor about who may buy it (U5); empty when anyone may."""
    notes = []
    if restriction == NEW_JOINERS:
        notes.append(_("Only for new joiners (no earlier bookings)."))
    elif restriction == ACTIVE_MEMBERS:
        notes.append(_("Only for members who have booked before."))
    elif restriction != ANYONE:
        raise ValueError(f"unknown buyer restriction: {restriction!r}")
    if required_product:
        notes.append(
            _("Only for members holding an active “%(product)s”.") % {"product": required_product}
        )
    return tuple(notes)
