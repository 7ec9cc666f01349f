"""Whether one member pass pays for one session, and why not (R4), and which pays first (R1).

``evaluate`` runs the checks below in this order and returns the first refusal, so the reason
shown is the most lasting one: a cancelled or expired pass says so before a weekly limit does.

1. ``cancelled``: stored status
2. ``expired``: stored status, set once the expiry has been written off (V6)
3. ``not_paid``: unpaid and the programme does not redeem unpaid passes (P4)
4. ``already_redeemed``: this pass already pays for this session (a booking still active)
5. ``not_covered``: outside the product's programmes and classes (U2, P5)
6. ``free_session``: the effective price is 0 (U4)
7. ``wrong_currency``: a money credit in another currency than the price (K5)
8. ``single_attendee``: several places on a one-place-per-session pass (U3)
9. ``not_started`` / ``expired`` / ``first_use_conflict``, then ``on_hold`` (V1-V4, V6, V7)
10. ``used_up`` / ``insufficient_balance`` (K1-K5, V6)
11. ``period_limit`` (U1)

There is no "today" anywhere: every date rule is judged on the session's day (V5).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .ages import age_refusal
from .coverage import check_coverage
from .dates import format_day
from .money import Money
from .periods import check_period_limit
from .pricing import redemption_cost
from .types import (
    CANCELLED,
    CREDITS,
    DAYS,
    ENTRIES,
    EXPIRED,
    LIMITED_KINDS,
    MONEY,
    PassState,
    PassTerms,
    SessionFacts,
    Verdict,
    refuse,
)
from .validity import judge_day, validity_window


def reads_nearby_redemptions(terms: PassTerms) -> bool:
    """Whether judging the pass needs its redemptions around the session's day: a day pass
    (K3: a day already used costs nothing more) and a period limit (U1) count them. Every
    other check reads the pass's cached first and last use days (``PassState``), and
    "already used for this session" needs only that one redemption."""
    return terms.kind == DAYS or terms.period_limit is not None


def day_already_used(state: PassState, day: date) -> bool:
    """K3: a day with an active redemption costs a day pass nothing more."""
    return any(r.day == day for r in state.redemptions)


def evaluate(
    terms: PassTerms,
    state: PassState,
    session: SessionFacts,
    attendees: int = 1,
    *,
    allow_unpaid: bool,
    class_names: Mapping[int, str] | None = None,
    owed: Money | None = None,
) -> Verdict:
    """The verdict for paying ``session`` for ``attendees`` places with this pass.

    ``allow_unpaid`` is the programme's "redeem if unpaid" setting (P4); ``class_names``
    maps class ids to names so a refusal can say "Not valid for Pilates". ``owed`` is the
    amount an existing booking owes (R2): a money credit pays exactly that, not today's
    price.
    """
    if attendees < 1:
        raise ValueError("a booking has at least one attendee")
    price = owed if owed is not None else session.unit_price * attendees
    refusal = (
        _check_status(terms, state)
        or _check_paid(state, allow_unpaid)
        or _check_not_redeemed(state, session)
        or check_coverage(terms, session, class_names)
        or age_refusal(
            terms.min_age, terms.max_age, state.holder_born, session.day, state.holder_name
        )
        or _check_priced(terms, price)
        or _check_attendees(terms, attendees)
        or judge_day(terms, state, session.day)
    )
    if refusal:
        return refusal
    cost = redemption_cost(
        terms,
        session,
        attendees,
        day_already_used=day_already_used(state, session.day),
        price=price,
    )
    refusal = _check_balance(terms, state, cost) or check_period_limit(
        terms, state.redemptions, session.day, attendees
    )
    if refusal:
        return refusal
    return Verdict(ok=True, code="ok", message=_ok_message(terms, state, cost), cost=cost)


def redemption_sort_key(kind: str, purchased_at: datetime, pass_id: int) -> tuple:
    """R1: entry, unlimited, day and credit passes before money credit, oldest first within
    each group, then the lower pass id, so two passes bought in the same instant still sort
    the same way every time."""
    return (kind == MONEY, purchased_at, pass_id)


def _count(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return str(value.normalize())


def _amount(terms: PassTerms, value: Decimal, *, unit: bool = True) -> str:
    """A balance or cost for messages; money always keeps its currency."""
    if terms.kind == MONEY:
        return str(Money(value, terms.currency))
    if not unit:
        return _count(value)
    n = int(value)
    words = {
        ENTRIES: ngettext("%(n)s entry", "%(n)s entries", n),
        DAYS: ngettext("%(n)s day", "%(n)s days", n),
        CREDITS: ngettext("%(n)s credit", "%(n)s credits", n),
    }[terms.kind]
    return words % {"n": _count(value)}


def _check_status(terms: PassTerms, state: PassState) -> Verdict | None:
    if state.status == CANCELLED:
        return refuse("cancelled", _("Cancelled"))
    if state.status == EXPIRED:
        # The expiry task has run (and written off what was left): final, whatever the day.
        end = validity_window(terms, state).ends_on
        if end is None:
            return refuse("expired", _("Expired"))
        return refuse("expired", _("Expired on %(date)s") % {"date": format_day(end)})
    return None


def _check_paid(state: PassState, allow_unpaid: bool) -> Verdict | None:
    if state.paid or allow_unpaid:
        return None
    return refuse("not_paid", _("Not paid yet: usable once payment is confirmed"), temporary=True)


def _check_not_redeemed(state: PassState, session: SessionFacts) -> Verdict | None:
    if any(r.session_id == session.session_id and r.for_active_booking for r in state.redemptions):
        return refuse("already_redeemed", _("Already used for this session"))
    return None


def _check_priced(terms: PassTerms, price: Money) -> Verdict | None:
    if price.is_zero:
        return refuse("free_session", _("Free session: no pass is needed"))
    if terms.kind == MONEY and price.currency != terms.currency:
        return refuse(
            "wrong_currency",
            _("Holds %(have)s; this session is priced in %(want)s")
            % {"have": terms.currency, "want": price.currency},
        )
    return None


def _check_attendees(terms: PassTerms, attendees: int) -> Verdict | None:
    if attendees == 1 or terms.allows_additional_attendees:
        return None
    return refuse(
        "single_attendee",
        _("Valid for one place per session; %(n)s requested") % {"n": attendees},
    )


def _check_balance(terms: PassTerms, state: PassState, cost: Decimal) -> Verdict | None:
    if terms.kind not in LIMITED_KINDS or cost == 0:
        return None
    if state.balance <= 0:
        nothing = {
            ENTRIES: _("Used up: no entries left"),
            DAYS: _("Used up: no days left"),
            CREDITS: _("Used up: no credits left"),
            MONEY: _("Used up: no money left"),
        }[terms.kind]
        return refuse("used_up", nothing)
    if cost > state.balance:
        return refuse(
            "insufficient_balance",
            _("%(left)s left, %(needed)s needed")
            % {"left": _amount(terms, state.balance), "needed": _amount(terms, cost, unit=False)},
        )
    return None


def _ok_message(terms: PassTerms, state: PassState, cost: Decimal) -> str:
    if terms.kind not in LIMITED_KINDS:
        return _("Unlimited pass: nothing is used")
    if cost == 0 and terms.kind == DAYS:
        return _("This day is already in use: no extra day is used")
    if cost == 0:
        return _("Nothing is used")
    return _("Uses %(cost)s; %(left)s left afterwards") % {
        "cost": _amount(terms, cost),
        "left": _amount(terms, state.balance - cost, unit=False),
    }
