"""The status of a member pass on a given day (V6, V7): one rule for every place that
stores or shows it.

In order, the first that applies:

1. ``cancelled``: staff cancelled it (final);
2. ``expired``: the day is past its validity window (V6);
3. ``used_up``: an entry, day, credit or money pass with nothing left (V6);
4. ``on_hold``: the day lies inside one of its holds (V7);
5. ``active``.

A pass whose window has not started (first use not yet booked, payment not yet
confirmed) is active: it can still be used.
"""

from __future__ import annotations

from datetime import date

from .types import (
    ACTIVE,
    CANCELLED,
    EXPIRED,
    LIMITED_KINDS,
    ON_HOLD,
    USED_UP,
    PassState,
    PassTerms,
)
from .validity import hold_covering, validity_window


def is_past_window(terms: PassTerms, state: PassState, today: date) -> bool:
    """V6: the whole window lies before ``today`` (its last day is still valid)."""
    end = validity_window(terms, state).ends_on
    return end is not None and today > end


def status_on(terms: PassTerms, state: PassState, today: date, *, expiry: bool = True) -> str:
    """The pass's status on ``today``.

    ``state.status`` only matters for ``cancelled``, the one status no date changes.
    ``expiry=False`` leaves the window out: the status the pass has apart from its
    expiry, which the expiry itself then records (see ``services.ledger``).
    """
    if state.status == CANCELLED:
        return CANCELLED
    if expiry and is_past_window(terms, state, today):
        return EXPIRED
    if terms.kind in LIMITED_KINDS and state.balance <= 0:
        return USED_UP
    if hold_covering(state.holds, today) is not None:
        return ON_HOLD
    return ACTIVE


#: The staff tools on a member pass (V7, R3, S4), in the order the admin offers them.
PASS_TOOLS = ("hold", "adjust", "extend", "cancel")


def pass_tools_open(status: str) -> tuple[str, ...]:
    """The tools that still mean something for a pass in ``status``: none once it is
    cancelled; an expired pass can still be extended (to use it again) or cancelled, but
    not held or adjusted."""
    if status == CANCELLED:
        return ()
    if status == EXPIRED:
        return ("extend", "cancel")
    return PASS_TOOLS
