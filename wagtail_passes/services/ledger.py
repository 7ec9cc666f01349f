"""The ledger of a member pass (R3): every change of its balance is a movement.

Callers hold the member pass's row lock (``locking.lock_member_pass``) inside a
transaction, so the pass they hand in is current. Each movement changes the cached
balance with one guarded UPDATE — the row only changes if the balance stays at or
above zero — which also refreshes what depends on it (the used-up status, the first
and last use days, the validity window), then inserts the movement with the balance
after it. The database constraint on the balance is the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext as _

from ..exceptions import PassError
from ..models import LedgerEntry, LedgerKind, MemberPass, PassStatus, ProductKind, Session
from ..rules.validity import validity_window
from .facts import active_redemptions, state_of, terms_of, use_bounds


def record_movement(
    member_pass: MemberPass,
    kind: str,
    amount: Decimal,
    *,
    by=None,
    reason: str = "",
    session: Session | None = None,
    attendees: int = 0,
    booking=None,
    reverses: LedgerEntry | None = None,
    use_bounds_changed: bool = False,
) -> LedgerEntry:
    """Insert one movement and move the cached balance with it, never below zero.

    A redemption widens the first/last use days in place; ``use_bounds_changed`` makes
    them be read back from the ledger (after a return).
    """
    if not isinstance(amount, Decimal):
        raise TypeError("ledger amounts are Decimal")
    day = session.local_date if session is not None else None
    if use_bounds_changed:
        member_pass.first_use_day, member_pass.last_use_day = use_bounds(member_pass)
    elif kind == LedgerKind.REDEEM:
        _widen_use_bounds(member_pass, day)
    new_balance = member_pass.balance + amount
    status = _status_for(member_pass, new_balance)
    changed = MemberPass.objects.filter(pk=member_pass.pk, balance__gte=-amount).update(
        balance=F("balance") + amount, status=status, **_window_fields(member_pass)
    )
    if changed != 1:
        raise PassError(
            _("Not enough left on this pass: %(balance)s left, %(needed)s needed.")
            % {"balance": member_pass.balance, "needed": -amount},
            code="insufficient_balance",
        )
    member_pass.balance, member_pass.status = new_balance, status
    return LedgerEntry.objects.create(
        member_pass=member_pass,
        kind=kind,
        amount=amount,
        balance_after=new_balance,
        session=session,
        session_day=day,
        attendees=attendees,
        booking=booking,
        reverses=reverses,
        reason=reason,
        created_by=by,
    )


def _widen_use_bounds(member_pass: MemberPass, day: dt.date) -> None:
    days = [d for d in (member_pass.first_use_day, member_pass.last_use_day, day) if d]
    member_pass.first_use_day, member_pass.last_use_day = min(days), max(days)


def _status_for(member_pass: MemberPass, balance: Decimal) -> str:
    """V6: used up at 0, active again when a return or an adjustment gives back."""
    if member_pass.kind == ProductKind.UNLIMITED:
        return member_pass.status
    if balance == 0 and member_pass.status == PassStatus.ACTIVE:
        return PassStatus.USED_UP
    if balance > 0 and member_pass.status == PassStatus.USED_UP:
        return PassStatus.ACTIVE
    return member_pass.status


def redeem(
    member_pass: MemberPass,
    session: Session,
    *,
    cost: Decimal,
    attendees: int,
    by=None,
    booking=None,
    reason: str = "",
) -> LedgerEntry:
    """Spend ``cost`` (entries, days, credits or money; 0 for unlimited or a day already
    used) on ``session``. The movement records the session and its local date."""
    return record_movement(
        member_pass,
        LedgerKind.REDEEM,
        -cost,
        by=by,
        reason=reason,
        session=session,
        attendees=attendees,
        booking=booking,
    )


def return_redemption(redemption: LedgerEntry, *, by=None, reason: str = "") -> LedgerEntry | None:
    """Give a redemption back to its pass. Returning it twice is a no-op (returns None).

    A day pass keeps its day used while another session on the same day still holds a
    redemption of it (K3), so that return gives back nothing.
    """
    if redemption.kind != LedgerKind.REDEEM:
        raise ValueError("only redemptions can be returned")
    if LedgerEntry.objects.filter(reverses=redemption).exists():
        return None
    member_pass = redemption.member_pass
    amount = -redemption.amount
    if member_pass.kind == ProductKind.DAYS and amount:
        same_day = (
            active_redemptions()
            .filter(member_pass=member_pass, session_day=redemption.session_day)
            .exclude(pk=redemption.pk)
        )
        if same_day.exists():
            amount = Decimal(0)
    return record_movement(
        member_pass,
        LedgerKind.RETURN,
        amount,
        by=by,
        reason=reason,
        session=redemption.session,
        attendees=redemption.attendees,
        booking=redemption.booking,
        reverses=redemption,
        use_bounds_changed=True,
    )


def _window_fields(member_pass: MemberPass) -> dict:
    """The cached use days and validity window, set on ``member_pass`` and returned as
    the fields to write with the same UPDATE."""
    window = validity_window(terms_of(member_pass), state_of(member_pass))
    member_pass.valid_from, member_pass.valid_until = window.starts_on, window.ends_on
    return {
        "first_use_day": member_pass.first_use_day,
        "last_use_day": member_pass.last_use_day,
        "valid_from": window.starts_on,
        "valid_until": window.ends_on,
    }


def refresh_validity(member_pass: MemberPass) -> None:
    """Recompute the cached use days and validity window (after a hold moved it)."""
    member_pass.first_use_day, member_pass.last_use_day = use_bounds(member_pass)
    MemberPass.objects.filter(pk=member_pass.pk).update(**_window_fields(member_pass))
