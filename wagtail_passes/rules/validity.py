"""Validity windows (V1-V4), judged on the session's day (V5), moved by holds (V7).

Every duration includes the whole final day: a window of N days starting on day S ends on
S + N, so a 7-day pass first used on a Monday still books the following Monday (V3). The
same convention holds for V1 and V2 so that one product never means two lengths.
``duration_days == 0`` means no expiry.

Staff extensions (S4) move the end out by their days before holds are applied.

A renewal (N1) has ``starts_on``, the day after the pass it renews ends, so the two windows
neither overlap nor leave a gap. For the duration bases it *is* the start: from purchase (the
renewal is bought ahead of time, two days before the old one ends), from payment (a late
payment does not push the window out: the member pays for the period that follows the old
one, as a contract does; an unpaid pass still has not started) and from first use (a
renewing pass runs back to back, not from its first booking). Fixed-dates products cannot
renew (the product refuses ``allow_auto_renew``), so ``starts_on`` never meets V4.

Holds stop the clock: each day of a hold that falls on or after the window's start, in a hold
that begins no later than the (already moved) end, moves the end out by one day. Holds wholly
before the start or after the end change nothing; overlapping holds count their days once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.utils.translation import gettext as _

from .dates import format_day
from .types import (
    FIXED,
    FROM_FIRST_USE,
    FROM_PAYMENT,
    FROM_PURCHASE,
    Hold,
    PassState,
    PassTerms,
    ValidityWindow,
    Verdict,
    refuse,
)


def merge_holds(holds: Iterable[Hold]) -> tuple[Hold, ...]:
    """Holds sorted by start, overlapping or touching ones joined into one."""
    merged: list[Hold] = []
    for hold in sorted(holds, key=lambda h: (h.starts_on, h.ends_on)):
        if merged and hold.starts_on <= merged[-1].ends_on + timedelta(days=1):
            last = merged[-1]
            merged[-1] = Hold(last.starts_on, max(last.ends_on, hold.ends_on))
        else:
            merged.append(hold)
    return tuple(merged)


def hold_covering(holds: Iterable[Hold], day: date) -> Hold | None:
    """The (merged) hold that contains ``day``, so a message can name when it really ends."""
    for hold in merge_holds(holds):
        if hold.contains(day):
            return hold
    return None


def extend_for_holds(
    start: date, end: date | None, holds: Iterable[Hold]
) -> tuple[date | None, int]:
    """The end moved out by the held days (clock-stop, see module docstring), and by how much."""
    if end is None:
        return None, 0
    moved = 0
    for hold in merge_holds(holds):
        if hold.ends_on < start:
            continue
        if hold.starts_on > end:
            break
        held = (hold.ends_on - max(hold.starts_on, start)).days + 1
        end += timedelta(days=held)
        moved += held
    return end, moved


def _start(terms: PassTerms, state: PassState, extra_first_use_day: date | None) -> date | None:
    basis = terms.validity_basis
    if state.starts_on is not None and basis != FIXED:
        if basis == FROM_PAYMENT and state.paid_on is None:
            return None
        return state.starts_on
    if basis == FROM_PURCHASE:
        return state.purchased_on
    if basis == FROM_PAYMENT:
        return state.paid_on
    if basis == FROM_FIRST_USE:
        days = [r.day for r in state.redemptions]
        if extra_first_use_day is not None:
            days.append(extra_first_use_day)
        return min(days, default=None)
    assert basis == FIXED
    # A season pass with only an end date is valid from the day it was bought.
    return terms.fixed_start or state.purchased_on


def _base_end(terms: PassTerms, start: date, extended_days: int = 0) -> date | None:
    """The end before holds: the product's end, moved out by staff extensions."""
    if terms.validity_basis == FIXED:
        end = terms.fixed_end
    elif terms.duration_days == 0:
        end = None
    else:
        end = start + timedelta(days=terms.duration_days)
    if end is None:
        return None
    return end + timedelta(days=extended_days)


def validity_window(
    terms: PassTerms, state: PassState, *, extra_first_use_day: date | None = None
) -> ValidityWindow:
    """The pass's window, with holds applied.

    For V3, ``extra_first_use_day`` is the day of a session about to be booked: the window
    then starts on the earliest of it and the days already redeemed.
    """
    start = _start(terms, state, extra_first_use_day)
    if start is None:
        return ValidityWindow(starts_on=None, ends_on=None)
    end, moved = extend_for_holds(start, _base_end(terms, start, state.extended_days), state.holds)
    return ValidityWindow(starts_on=start, ends_on=end, hold_days=moved)


def _stranded_day(state: PassState, day: date, ends_on: date) -> date | None:
    """V3: the latest booked day a first use on ``day`` would leave outside the window.

    Only a candidate earlier than every booked day moves the start, so only it can strand
    one; a stranding that already existed (a hold lifted since) is not this booking's fault.
    """
    booked = [r.day for r in state.redemptions]
    if state.starts_on is not None or not booked or day >= min(booked):
        return None
    latest = max(booked)
    return latest if latest > ends_on else None


def judge_day(terms: PassTerms, state: PassState, day: date) -> Verdict | None:
    """Why the pass cannot be used on ``day`` (window first, then holds), or None.

    ``day`` is the session's local date. There is deliberately no "today": V5 judges validity
    on the session, never on when the booking is made.
    """
    first_use = terms.validity_basis == FROM_FIRST_USE
    window = validity_window(terms, state, extra_first_use_day=day if first_use else None)
    if not window.started:
        # Only V2 gets here: the window opens when payment is confirmed or staff activate it.
        return refuse("not_started", _("Starts when payment is confirmed"), temporary=True)
    if day < window.starts_on:
        return refuse(
            "not_started",
            _("Valid from %(start)s; the session is on %(day)s")
            % {"start": format_day(window.starts_on), "day": format_day(day)},
            temporary=True,
        )
    if window.ends_on is not None and day > window.ends_on:
        return refuse(
            "expired",
            _("Valid only until %(end)s; the session is on %(day)s")
            % {"end": format_day(window.ends_on), "day": format_day(day)},
        )
    if first_use and window.ends_on is not None:
        stranded = _stranded_day(state, day, window.ends_on)
        if stranded is not None:
            return refuse(
                "first_use_conflict",
                _(
                    "Cannot start on %(day)s: its %(n)s-day window would end on %(end)s, "
                    "before the session on %(booked)s already booked with it"
                )
                % {
                    "day": format_day(day),
                    "n": terms.duration_days,
                    "end": format_day(window.ends_on),
                    "booked": format_day(stranded),
                },
            )
    hold = hold_covering(state.holds, day)
    if hold is not None:
        return refuse(
            "on_hold",
            _("On hold until %(end)s") % {"end": format_day(hold.ends_on)},
            temporary=True,
        )
    return None
