"""A product in plain words, for visitors: "10 entries, valid 90 days from first use, max 2
per week, for Pay-as-you-go Yoga".

Pure functions of plain values (the page passes in names, not querysets), translated with
Django's gettext. ``describe_product`` returns the phrases in a fixed order (what it gives,
how long it is valid, its period limit, what it covers, additional attendees);
``summarize`` joins them into one sentence. Dates read like "31 March 2027" (``rules.dates``)
and money like "£50.00", as in the eligibility messages.

The second half words one member pass for staff and members alike (its balance, window,
rules and ledger amounts), again from plain values; ``wagtail_passes.presentation`` reads
them off a ``MemberPass``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .buyers import who_may_buy as who_may_buy  # U5's notes, with the checks they describe
from .dates import format_day, format_short_day
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
                "start": format_day(fixed_start),
                "end": format_day(fixed_end),
            }
        if fixed_end:
            return _("valid until %(end)s") % {"end": format_day(fixed_end)}
        if fixed_start:
            return _("valid from %(start)s") % {"start": format_day(fixed_start)}
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


# ---- one member pass in words ------------------------------------------------------

EMPTY = "—"  # a value that does not apply


def number(value: Decimal) -> str:
    """7.00 -> "7"; 2.50 stays "2.50" (only money has fractions)."""
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value)


def _units(kind: str, left: str, total: Decimal) -> str:
    params = {"left": left, "total": number(total)}
    count = int(total)
    if kind == DAYS:
        return ngettext("%(left)s of %(total)s day", "%(left)s of %(total)s days", count) % params
    if kind == CREDITS:
        return (
            ngettext("%(left)s of %(total)s credit", "%(left)s of %(total)s credits", count)
            % params
        )
    return ngettext("%(left)s of %(total)s entry", "%(left)s of %(total)s entries", count) % params


def balance(kind: str, left: Decimal, quantity: Decimal | None, currency: str) -> str:
    """What is left: "7 of 10 entries", "Unlimited", "£32.50"."""
    if kind == UNLIMITED:
        return _("Unlimited")
    if kind == MONEY:
        return str(Money(left, currency))
    if quantity is None:
        return number(left)
    return _units(kind, number(left), quantity)


def amount_left(kind: str, left: Decimal, currency: str) -> str:
    """What a pass would hold, in its units: "6 entries", "1 day", "€38.00"."""
    if kind == MONEY:
        return str(Money(left, currency))
    n = int(left)
    params = {"n": number(left)}
    if kind == DAYS:
        return ngettext("%(n)s day", "%(n)s days", n) % params
    if kind == CREDITS:
        return ngettext("%(n)s credit", "%(n)s credits", n) % params
    if kind == ENTRIES:
        return ngettext("%(n)s entry", "%(n)s entries", n) % params
    return number(left)


def issued_with(kind: str, quantity: Decimal | None, currency: str) -> str:
    """What the pass held when issued, as its product says it (``gives``): "10 entries"."""
    if kind == UNLIMITED or quantity is None:
        return _("Unlimited")
    text = gives(kind, quantity, currency)
    return text[:1].upper() + text[1:]


def not_started(basis: str, duration_days: int, valid_from: date | None) -> str | None:
    """Why a pass with a time frame has no window yet (V2, V3), or None."""
    if valid_from is not None or basis == FIXED or not duration_days:
        return None
    if basis == FROM_FIRST_USE:
        return _("Starts at first use")
    if basis == FROM_PAYMENT:
        return _("Starts when paid")
    return None


def last_valid_day(
    valid_until: date | None,
    *,
    basis: str,
    duration_days: int,
    valid_from: date | None,
    short: bool = False,
) -> str:
    """The last valid day ("9 March 2027", or "9 Mar 2027" in lists), or why there is none:
    "No expiry", "Starts at first use", "Starts when paid"."""
    if valid_until is not None:
        return format_short_day(valid_until) if short else format_day(valid_until)
    return not_started(basis, duration_days, valid_from) or _("No expiry")


def first_valid_day(valid_from: date | None, *, basis: str, duration_days: int) -> str:
    if valid_from is not None:
        return format_day(valid_from)
    return not_started(basis, duration_days, valid_from) or EMPTY


def validity_rule(
    basis: str,
    duration_days: int = 0,
    fixed_start: date | None = None,
    fixed_end: date | None = None,
) -> str:
    """The validity rule a pass copied from its product, exactly (V1-V4), for staff and
    its holder; ``validity`` is the shorter wording for visitors."""
    if basis == FIXED:
        if fixed_start:
            return _("Fixed dates: from %(start)s to %(end)s") % {
                "start": format_day(fixed_start),
                "end": format_day(fixed_end) if fixed_end else EMPTY,
            }
        if fixed_end:
            return _("Fixed dates: from purchase until %(end)s") % {"end": format_day(fixed_end)}
        return _("valid on fixed dates")
    n = duration_days
    if not n:
        return _("Never expires")
    if basis == FROM_PAYMENT:
        return ngettext("%(n)s day from payment", "%(n)s days from payment", n) % {"n": n}
    if basis == FROM_FIRST_USE:
        return ngettext(
            "%(n)s day from the first session booked with it, including the whole last day",
            "%(n)s days from the first session booked with it, including the whole last day",
            n,
        ) % {"n": n}
    return ngettext("%(n)s day from purchase", "%(n)s days from purchase", n) % {"n": n}


def usage_limit(period: str | None, max_uses: int | None) -> str:
    """U1 in full: "At most 2 uses per week (Monday to Sunday)", or "No limit"."""
    if not period or not max_uses:
        return _("No limit")
    if period not in PERIODS:
        raise ValueError(f"unknown period: {period!r}")
    n = max_uses
    template = {
        DAY: ngettext("At most %(n)s use per day", "At most %(n)s uses per day", n),
        WEEK: ngettext(
            "At most %(n)s use per week (Monday to Sunday)",
            "At most %(n)s uses per week (Monday to Sunday)",
            n,
        ),
        MONTH: ngettext(
            "At most %(n)s use per calendar month", "At most %(n)s uses per calendar month", n
        ),
    }[period]
    return template % {"n": n}


def coverage_in_full(
    programme_names: Sequence[str] = (),
    class_names: Sequence[str] = (),
    *,
    limited: bool | None = None,
) -> str:
    """U2 in full, for staff: "Programmes: Yoga; Classes (and the classes linked to them):
    Swim – Lanes". ``limited`` says the pass names programmes or classes at all (by
    default: some names are given); when all it named are gone, it says so."""
    limited = bool(programme_names or class_names) if limited is None else limited
    if not limited:
        return _("Every programme and class")
    parts = []
    if programme_names:
        parts.append(_("Programmes: %(names)s") % {"names": ", ".join(programme_names)})
    if class_names:
        parts.append(
            _("Classes (and the classes linked to them): %(names)s")
            % {"names": ", ".join(class_names)}
        )
    return "; ".join(parts) or _("Programmes and classes that no longer exist")


def attendees_rule(allows_additional_attendees: bool) -> str:
    """U3."""
    if allows_additional_attendees:
        return _("One booking may hold several places, each paid by the pass")
    return _("One place per session")


def signed_amount(kind: str, amount: Decimal, currency: str) -> str:
    """A ledger movement with its sign: "+10", "-1", "-€12.00"."""
    text = str(Money(abs(amount), currency)) if kind == MONEY else number(abs(amount))
    if amount > 0:
        return f"+{text}"
    return f"-{text}" if amount < 0 else text


def balance_after(kind: str, value: Decimal, currency: str) -> str:
    """The balance a ledger movement left: "9", "£37.50", or nothing for unlimited."""
    if kind == UNLIMITED:
        return EMPTY
    if kind == MONEY:
        return str(Money(value, currency))
    return number(value)


def why_ended(cancelled: bool, valid_until: date | None) -> str:
    """Why a finished pass cannot pay any more (R4): "Cancelled", "Expired on 9 March 2027"."""
    if cancelled:
        return _("Cancelled")
    if valid_until is not None:
        return _("Expired on %(date)s") % {"date": format_day(valid_until)}
    return _("Expired")
