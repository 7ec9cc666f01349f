"""The ledger of a member pass (R3): every change of its balance is a movement.

Callers hold the member pass's row lock (``locking.lock_member_pass``) inside a
transaction, so the pass they hand in is current. Each movement changes the cached
balance with one guarded UPDATE — the row only changes if the balance stays at or
above zero — which also rewrites everything cached from the ledger (the first and last
use days, the extension, the validity window and the status), computed as they are
*after* the movement. Then the movement is inserted with the balance after it. The
database constraint on the balance is the last line of defence.

A pass that is expired or cancelled holds nothing: whatever reaches it (an expiry
that finds entries left, a return after it expired) is written off by an ``expire``
or ``cancel`` movement in the same transaction, so the ledger says where it went.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from .. import signals
from ..exceptions import PassError
from ..models import LedgerEntry, LedgerKind, MemberPass, PassStatus, ProductKind, Session
from ..presentation import local_today, pass_balance_after
from ..rules.status import status_on
from ..rules.validity import validity_window
from .facts import active_redemptions, state_of, terms_of, use_bounds

#: The balance column holds 12 digits with 2 decimals.
MAX_BALANCE = Decimal("9999999999.99")

WRITE_OFF_KIND = {PassStatus.EXPIRED: LedgerKind.EXPIRE, PassStatus.CANCELLED: LedgerKind.CANCEL}


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
    days: int = 0,
    today: dt.date | None = None,
) -> LedgerEntry:
    """Insert one movement and move the cached balance and fields with it, never below
    zero. ``member_pass`` is updated in place once the write succeeded."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise TypeError("ledger amounts are finite Decimals")
    today = today or local_today()
    new_balance = member_pass.balance + amount
    if new_balance > MAX_BALANCE:
        raise PassError(
            _("That would make the balance larger than the pass can hold."), code="too_large"
        )
    day = session.local_date if session is not None else None
    cached = _cached_after(member_pass, kind, new_balance, day, reverses, days, today)
    changed = MemberPass.objects.filter(pk=member_pass.pk, balance__gte=-amount).update(
        balance=F("balance") + amount, **cached
    )
    if changed != 1:
        raise PassError(
            _("Not enough left on this pass: %(balance)s left, %(needed)s needed.")
            % {
                "balance": pass_balance_after(member_pass, member_pass.balance),
                "needed": pass_balance_after(member_pass, -amount),
            },
            code="insufficient_balance",
        )
    member_pass.balance = new_balance
    for field, value in cached.items():
        setattr(member_pass, field, value)
    entry = LedgerEntry.objects.create(
        member_pass=member_pass,
        kind=kind,
        amount=amount,
        balance_after=new_balance,
        session=session,
        session_day=day,
        attendees=attendees,
        days=days,
        booking=booking,
        reverses=reverses,
        reason=reason,
        created_by=by,
    )
    refresh_status(member_pass, by=by, today=today)
    return entry


def _cached_after(member_pass, kind, balance, day, reverses, days, today) -> dict:
    """Every cached field of the pass as it will be after the movement."""
    first, last = member_pass.first_use_day, member_pass.last_use_day
    if kind == LedgerKind.REDEEM:
        first, last = min(filter(None, (first, day))), max(filter(None, (last, day)))
    elif reverses is not None and reverses.kind == LedgerKind.REDEEM:
        first, last = use_bounds(member_pass, excluding=reverses)
    extended = member_pass.extended_days + days
    stored = {
        LedgerKind.EXPIRE: PassStatus.EXPIRED,
        LedgerKind.CANCEL: PassStatus.CANCELLED,
    }.get(kind, member_pass.status)
    after = _copy(
        member_pass,
        balance=balance,
        first_use_day=first,
        last_use_day=last,
        extended_days=extended,
        status=stored,
    )
    terms, state = terms_of(after), state_of(after)
    window = validity_window(terms, state)
    if kind in (LedgerKind.EXPIRE, LedgerKind.CANCEL):
        status = stored
    elif stored == PassStatus.EXPIRED:
        # Whether it is valid again is for ``refresh_status`` to decide, right after.
        status = stored
    else:
        # Becoming expired is the expiry's own movement (``refresh_status``).
        status = status_on(terms, state, today, expiry=False)
    return {
        "first_use_day": first,
        "last_use_day": last,
        "extended_days": extended,
        "valid_from": window.starts_on,
        "valid_until": window.ends_on,
        "status": status,
    }


def _copy(member_pass: MemberPass, **changes) -> MemberPass:
    fields = MemberPass._meta.concrete_fields
    copy = MemberPass(**{f.attname: getattr(member_pass, f.attname) for f in fields})
    for field, value in changes.items():
        setattr(copy, field, value)
    return copy


def refresh_status(member_pass: MemberPass, *, by=None, today: dt.date | None = None):
    """Bring the stored status to what ``rules.status`` says on ``today``.

    - Past its window the pass expires: an ``expire`` movement writes off what was left
      (also when nothing was, so the ledger shows when it expired).
    - An expired pass whose window reaches today again (staff extended it; the
      cancelled first use of a from-first-use pass) reopens: what its expiry wrote off
      comes back, as returns pointing at the expiry movements.
    - An expired or cancelled pass that still holds something (a return reached it)
      has that written off.
    - Otherwise only the status changes (on hold, active again).

    Idempotent. Returns the last movement it wrote, if any.
    """
    today = today or local_today()
    status = status_on(terms_of(member_pass), state_of(member_pass), today)
    stored = member_pass.status
    if status == PassStatus.EXPIRED and stored != PassStatus.EXPIRED:
        entry = record_movement(
            member_pass,
            LedgerKind.EXPIRE,
            -member_pass.balance,
            by=by,
            reason=_("Expired: the validity window ended"),
            today=today,
        )
        signals.send_on_commit(signals.pass_expired, MemberPass, member_pass=member_pass)
        return entry
    if stored == PassStatus.EXPIRED and status != PassStatus.EXPIRED:
        return _reopen(member_pass, status, by, today)
    if status in WRITE_OFF_KIND and member_pass.balance > 0:
        return record_movement(
            member_pass,
            WRITE_OFF_KIND[status],
            -member_pass.balance,
            by=by,
            reason=_("Written off: the pass is %(status)s")
            % {"status": PassStatus(status).label.lower()},
            today=today,
        )
    if status != stored:
        MemberPass.objects.filter(pk=member_pass.pk).update(status=status)
        member_pass.status = status
    return None


def _reopen(member_pass: MemberPass, status: str, by, today: dt.date):
    MemberPass.objects.filter(pk=member_pass.pk).update(status=status)
    member_pass.status = status
    write_offs = member_pass.ledger.filter(
        kind=LedgerKind.EXPIRE, amount__lt=0, reversal__isnull=True
    ).order_by("pk")
    last = None
    for write_off in write_offs:
        last = record_movement(
            member_pass,
            LedgerKind.RETURN,
            -write_off.amount,
            by=by,
            reverses=write_off,
            reason=_("Valid again: what its expiry took goes back"),
            today=today,
        )
    return last


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

    It gives back exactly what it took — except on a day pass (K3), where the day is
    what was taken: it stays used while another session that day is still paid with the
    pass, and comes back with the return of the last of them, whichever of them paid
    the day.
    """
    if redemption.kind != LedgerKind.REDEEM:
        raise ValueError("only redemptions can be returned")
    if LedgerEntry.objects.filter(reverses=redemption).exists():
        return None
    member_pass = redemption.member_pass
    amount = -redemption.amount
    if member_pass.kind == ProductKind.DAYS:
        amount = _day_returned(member_pass, redemption)
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
    )


def _day_returned(member_pass: MemberPass, redemption: LedgerEntry) -> Decimal:
    """K3: what the day's redemptions and returns must net to after this return — one
    day taken while any session of the day is still paid with the pass, none otherwise —
    minus what they net to now."""
    day = redemption.session_day
    on_day = LedgerEntry.objects.filter(
        member_pass=member_pass,
        session_day=day,
        kind__in=[LedgerKind.REDEEM, LedgerKind.RETURN],
    )
    net = on_day.aggregate(net=Sum("amount"))["net"] or Decimal(0)
    still_used = (
        active_redemptions()
        .filter(member_pass=member_pass, session_day=day)
        .exclude(pk=redemption.pk)
        .exists()
    )
    target = Decimal(-1) if still_used else Decimal(0)
    return max(target - net, Decimal(0))


def refresh_validity(member_pass: MemberPass, *, by=None) -> None:
    """Recompute the cached window and status after the holds changed."""
    terms, state = terms_of(member_pass), state_of(member_pass)
    window = validity_window(terms, state)
    member_pass.valid_from, member_pass.valid_until = window.starts_on, window.ends_on
    MemberPass.objects.filter(pk=member_pass.pk).update(
        hold_ranges=member_pass.hold_ranges,
        valid_from=window.starts_on,
        valid_until=window.ends_on,
    )
    refresh_status(member_pass, by=by)
