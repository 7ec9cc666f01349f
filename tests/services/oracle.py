"""An independent model of what a member pass's cached fields must be, computed from
its ledger and holds only.

It shares no code with ``wagtail_passes.services`` or ``wagtail_passes.rules``: the
validity window walks the calendar day by day instead of merging holds, the status is
written out from the specification (V6, V7), and the ledger is summed in Python. Tests
compare the pass's stored fields with it after every operation.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.conf import settings

LIMITED = {"entries", "days", "credits", "money"}


def _local_date(moment: dt.datetime) -> dt.date:
    zone = getattr(settings, "WAGTAIL_PASSES_TIME_ZONE", None) or settings.TIME_ZONE
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).date()


def expected_window(mp, first_use: dt.date | None, extended: int, holds) -> tuple:
    """(valid_from, valid_until) by the specification: N days from the start including
    the whole last day, moved out by staff extensions, then one day per held day met
    while walking from the start to the (moving) end."""
    if mp.validity_basis == "purchase":
        start = _local_date(mp.purchased_at)
    elif mp.validity_basis == "payment":
        start = _local_date(mp.paid_at) if mp.paid_at else None
    elif mp.validity_basis == "first_use":
        start = first_use
    else:
        start = mp.fixed_start or _local_date(mp.purchased_at)
    # N1: a renewal starts the day after the pass it renews ends, whatever the duration
    # basis (an unpaid from-payment pass still has not started); fixed dates never renew.
    if mp.starts_on and mp.validity_basis != "fixed":
        start = mp.starts_on if (mp.validity_basis != "payment" or mp.paid_at) else None
    if start is None:
        return None, None
    if mp.validity_basis == "fixed":
        end = mp.fixed_end
    else:
        end = start + dt.timedelta(days=mp.duration_days) if mp.duration_days else None
    if end is None:
        return start, None
    end += dt.timedelta(days=extended)
    held = {
        starts + dt.timedelta(days=i)
        for starts, ends in holds
        for i in range((ends - starts).days + 1)
    }
    day = start
    while day <= end:
        if day in held:
            end += dt.timedelta(days=1)
        day += dt.timedelta(days=1)
    return start, end


def expected_fields(mp, today: dt.date) -> dict:
    """Every cached field of ``mp`` (a fresh MemberPass row) as the ledger says."""
    entries = list(mp.ledger.order_by("pk"))
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
    active_days = [
        e.session_day for e in entries if e.kind == "redeem" and e.pk not in reversed_ids
    ]
    balance = sum((e.amount for e in entries), Decimal(0))
    extended = sum(e.days for e in entries if e.kind == "extend")
    holds = sorted((h.starts_on, h.ends_on) for h in mp.holds.all())
    first = min(active_days, default=None)
    valid_from, valid_until = expected_window(mp, first, extended, holds)
    cancelled = any(e.kind == "cancel" for e in entries)
    if cancelled:
        status = "cancelled"
    elif valid_until is not None and today > valid_until:
        status = "expired"
    elif mp.kind in LIMITED and balance == 0:
        status = "used_up"
    elif any(a <= today <= b for a, b in holds):
        status = "on_hold"
    else:
        status = "active"
    return {
        "balance": balance,
        "first_use_day": first,
        "last_use_day": max(active_days, default=None),
        "extended_days": extended,
        "hold_ranges": [[a.isoformat(), b.isoformat()] for a, b in holds],
        "valid_from": valid_from,
        "valid_until": valid_until,
        "status": status,
    }


def check_pass(mp, today: dt.date) -> None:
    """Assert the stored fields of ``mp`` equal the oracle's, and the ledger rules hold."""
    mp.refresh_from_db()
    expected = expected_fields(mp, today)
    stored = {name: getattr(mp, name) for name in expected}
    stored["hold_ranges"] = sorted(stored["hold_ranges"])
    assert stored == expected, (mp.kind, mp.validity_basis, stored, expected)
    entries = list(mp.ledger.order_by("pk"))
    running = Decimal(0)
    for entry in entries:
        running += entry.amount
        assert entry.balance_after == running >= 0, entry
    if mp.kind == "days":
        check_days(entries)
    if mp.status in ("expired", "cancelled"):
        assert mp.balance == 0, "an expired or cancelled pass holds nothing"


def check_days(entries) -> None:
    """K3: per session day, redemptions and returns net to one day while any session of
    the day is still paid with the pass, else to nothing."""
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
    by_day: dict = {}
    for e in entries:
        if e.kind in ("redeem", "return") and e.session_day is not None:
            net, active = by_day.get(e.session_day, (Decimal(0), False))
            is_active = e.kind == "redeem" and e.pk not in reversed_ids
            by_day[e.session_day] = (net + e.amount, active or is_active)
    for day, (net, active) in by_day.items():
        assert net == (Decimal(-1) if active else Decimal(0)), (day, net, active)
