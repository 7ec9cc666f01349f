"""F2: who may hold a product, by age: an age range (5 to 12), a lower bound ("adults
only": 18 and over) or an upper one, judged on a session's date for a booking and on
the day of purchase for a sale. Pure functions: one rule for what the product page says,
what checkout refuses and what the eligibility engine answers."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from .dates import format_day
from .types import Verdict, refuse

#: The oldest age a range may name.
MAX_AGE = 120


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years on ``day`` (a birthday on 29 February counts on 1 March in other years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def describe(min_age: int | None, max_age: int | None) -> str:
    """ "Ages 5 to 12", "Ages 18 and over", "Ages up to 12"; "" without limits."""
    if min_age is not None and max_age is not None:
        return _("Ages %(min)d to %(max)d") % {"min": min_age, "max": max_age}
    if min_age is not None:
        return _("Ages %(min)d and over") % {"min": min_age}
    if max_age is not None:
        return _("Ages up to %(max)d") % {"max": max_age}
    return ""


def age_refusal(
    min_age: int | None, max_age: int | None, born: dt.date | None, day: dt.date, name: str = ""
) -> Verdict | None:
    """Why someone born on ``born`` may not hold it on ``day``, or None when they may.

    Without a date of birth nobody is let in under a limit (``needs_birth_date``)."""
    if min_age is None and max_age is None:
        return None
    limits = describe(min_age, max_age)
    if born is None:
        return refuse(
            "needs_birth_date",
            _("%(limits)s: add %(name)s's date of birth to use it.")
            % {"limits": limits, "name": name or _("the holder")},
        )
    age = age_on(born, day)
    if (min_age is not None and age < min_age) or (max_age is not None and age > max_age):
        return refuse(
            "age_out_of_range",
            _("%(limits)s: %(name)s is %(age)d on %(day)s.")
            % {
                "limits": limits,
                "name": name or _("the holder"),
                "age": age,
                "day": format_day(day),
            },
        )
    return None
