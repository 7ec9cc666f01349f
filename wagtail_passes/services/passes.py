"""Issuing member passes and the staff tools around them (K6, V7, R2, R3, S4).

Every tool locks the pass, re-checks under the lock, writes through the ledger, logs
the staff action in Wagtail's audit log and sends its signal once committed.

S4: what a tool refuses whatever its input (an unlimited pass has no balance to adjust, a
cancelled pass cannot be extended, ...) is one function per tool (``hold_refusal``,
``adjust_refusal``, ``extend_refusal``, ``cancel_pass_refusal``): the tool raises its answer
under the lock, and the admin asks it before offering the tool's button.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import signals
from ..audit import log_action
from ..exceptions import PassError
from ..models import (
    Booking,
    Hold,
    LedgerEntry,
    LedgerKind,
    MemberPass,
    PassStatus,
    ProductKind,
    ProductMixin,
)
from ..presentation import (
    format_day,
    format_session_time,
    local_day,
    local_today,
    pass_balance_after,
    pass_movement,
)
from ..rules.money import has_valid_precision, minor_unit_digits
from . import lock_waits
from .attendees import attendee
from .facts import active_redemptions, status_today
from .ledger import MAX_BALANCE, record_movement, refresh_validity
from .locking import lock_member_pass
from .permissions import (
    ASSIGN_PASSES,
    MANAGE_PASSES,
    can_manage_passes,
    require_member_or_staff,
    require_staff,
)
from .renewals import (
    follow_renewed_pass_of,
    lock_pending_renewal_orders,
    stop_renewal_of_finished,
)
from .settlement import settle_with

#: Bounds that keep every date computable (a hold or extension to year 9999 overflowed).
MAX_HOLD_DAYS = 366
MAX_EXTENSION_DAYS = 3660
HOLD_HORIZON_DAYS = 2 * 366


def _closed_message(member_pass: MemberPass, action: str) -> str:
    """Why an expired or cancelled pass (by the status rule, today) cannot be held or
    adjusted."""
    expired = status_today(member_pass) == PassStatus.EXPIRED
    return {
        ("hold", True): _("An expired pass cannot be put on hold; extend it first."),
        ("hold", False): _("A cancelled pass cannot be put on hold."),
        ("adjust", True): _("An expired pass cannot be adjusted; extend it first."),
        ("adjust", False): _("A cancelled pass cannot be adjusted."),
    }[(action, expired)]


# ---- what each tool refuses, whatever its input (S4) ---------------------------------


def hold_refusal(member_pass: MemberPass) -> PassError | None:
    """Why ``member_pass`` cannot be put on hold at all now, or None: it is cancelled or
    expired (by the status rule, today). ``hold_pass`` raises it; the admin offers "Put on
    hold" only when it is None."""
    if status_today(member_pass) in (PassStatus.CANCELLED, PassStatus.EXPIRED):
        return PassError(_closed_message(member_pass, "hold"), code="hold_not_allowed")
    return None


def adjust_refusal(member_pass: MemberPass) -> PassError | None:
    """Why ``member_pass``'s balance cannot be adjusted by any amount now, or None: an
    unlimited pass has no balance; an expired or cancelled pass is closed (extend it
    first). ``adjust_pass`` raises it; the admin offers "Adjust balance" only when None."""
    if member_pass.kind == ProductKind.UNLIMITED:
        return PassError(_("An unlimited pass has no balance to adjust."), code="not_adjustable")
    if status_today(member_pass) in (PassStatus.CANCELLED, PassStatus.EXPIRED):
        return PassError(_closed_message(member_pass, "adjust"), code="not_adjustable")
    return None


def extend_refusal(member_pass: MemberPass) -> PassError | None:
    """Why ``member_pass`` cannot be extended by any number of days, or None: it is
    cancelled, or it never expires. ``extend_pass`` raises it; the admin offers "Extend"
    only when None."""
    if member_pass.status == PassStatus.CANCELLED:
        return PassError(_("A cancelled pass cannot be extended."), code="not_extendable")
    never_ends = member_pass.validity_basis != "fixed" and not member_pass.duration_days
    fixed_open = member_pass.validity_basis == "fixed" and member_pass.fixed_end is None
    if never_ends or fixed_open:
        return PassError(
            _("This pass never expires; there is nothing to extend."), code="not_extendable"
        )
    return None


def cancel_pass_refusal(member_pass: MemberPass) -> PassError | None:
    """Why ``member_pass`` cannot be cancelled now, or None: it is cancelled already, or it
    pays for sessions that have not started (cancel those bookings first). ``cancel_pass``
    raises it; the admin offers "Cancel pass" only when None."""
    if member_pass.status == PassStatus.CANCELLED:
        return PassError(_("This pass is already cancelled."), code="already_cancelled")
    upcoming = list(
        Booking.objects.active()
        .filter(member_pass=member_pass, session__start__gt=timezone.now())
        .select_related("session__programme_class")
        .order_by("session__start")[:5]
    )
    if upcoming:
        return PassError(
            _("It pays for upcoming sessions (%(sessions)s); cancel those bookings first.")
            % {"sessions": ", ".join(format_session_time(b.session) for b in upcoming)},
            code="pass_has_bookings",
        )
    return None


def _refuse(refusal: PassError | None) -> None:
    if refusal is not None:
        raise refusal


def _as_product(product) -> ProductMixin:
    specific = getattr(product, "specific", product)
    if not isinstance(specific, ProductMixin):
        raise PassError(
            _("%(page)s is not a pass or credit pack.") % {"page": product}, code="not_a_product"
        )
    return specific


def issue_member_pass(
    member,
    product,
    *,
    paid: bool,
    by=None,
    price: Decimal | None = None,
    purchased_at: dt.datetime | None = None,
    reason: str = "",
    assigned: bool = False,
    settle: bool = True,
    auto_renew: bool = False,
    starts_on: dt.date | None = None,
) -> MemberPass:
    """Create a member pass with its own copy of the product's rules, and its opening
    ledger movement. Later edits of the product page do not change it.

    N1, N2: the product's "renew when" and commitment are copied too; ``auto_renew`` (the
    member's opt-in at checkout, or a renewal) holds only where the product allows it.
    ``starts_on`` is a renewal's first day (the day after the pass it renews ends).

    Then, in the same transaction, the new pass pays the member's earlier unpaid
    bookings it can pay, oldest session first (R2; ``settle=False`` skips it).
    """
    person = attendee(member, PassError)  # F1: a user themself, or a Person of theirs
    member = person.account
    product = _as_product(product)
    now = timezone.now()
    purchased_at = purchased_at or now
    unlimited = product.kind == ProductKind.UNLIMITED
    with lock_waits.atomic():
        member_pass = MemberPass.objects.create(
            member=member,
            person=person,
            product=product,
            title=product.title,
            kind=product.kind,
            quantity=None if unlimited else product.quantity,
            currency=product.currency,
            price=product.price if price is None else price,
            validity_basis=product.validity_basis,
            duration_days=product.duration_days,
            fixed_start=product.fixed_start,
            fixed_end=product.fixed_end,
            period_limit=product.period_limit,
            period_max_uses=product.period_max_uses,
            programme_ids=sorted(product.programmes.values_list("pk", flat=True)),
            class_ids=sorted(product.classes.values_list("pk", flat=True)),
            allows_additional_attendees=product.allows_additional_attendees,
            member_can_hold=product.member_can_hold,
            auto_renew=bool(auto_renew and product.allow_auto_renew),
            renew_when=product.renew_when if product.allow_auto_renew else "",
            commitment_payments=product.commitment_payments if product.allow_auto_renew else 0,
            starts_on=starts_on,
            is_paid=paid,
            purchased_at=purchased_at,
            paid_at=now if paid else None,
            assigned_by=by if assigned else None,
        )
        record_movement(
            member_pass,
            LedgerKind.ISSUE,
            Decimal(0) if unlimited else product.quantity,
            by=by,
            reason=reason,
        )
        if settle:
            member_pass.settled_bookings = settle_with(member_pass, by=by)
        signals.send_on_commit(signals.pass_issued, MemberPass, member_pass=member_pass, by=by)
    return member_pass


def assign_pass(member, product, by, paid: bool = True, reason: str = "") -> MemberPass:
    """K6: staff give a product to a member by hand, free of charge, logged: the pass is
    complimentary — paid, at price 0, ``assigned_by`` the giver. It then settles the
    member's unpaid bookings it can pay (R2). A pass the member pays for is sold at the
    desk instead (``services.desk_sales.sell_at_desk``: an order, paid or owed), so
    ``paid=False`` (an unpaid pass at 0.00, money nobody would ever ask for) is refused
    with ``not_complimentary``."""
    require_staff(by, ASSIGN_PASSES, PassError)
    if paid is not True:
        raise PassError(
            _(
                "An assigned pass is complimentary. To give a pass the member pays for, "
                "sell it at the desk."
            ),
            code="not_complimentary",
        )
    note = (
        _("Complimentary, given by %(staff)s") % {"staff": by}
        if by is not None
        else _("Complimentary")
    )
    if reason.strip():
        note = f"{note}: {reason.strip()}"
    with lock_waits.atomic():
        member_pass = issue_member_pass(
            member, product, paid=True, by=by, price=Decimal(0), reason=note, assigned=True
        )
        log_action(
            member_pass,
            "wagtail_passes.pass.assign",
            by,
            _("Gave “%(title)s” to %(member)s, complimentary")
            % {"title": member_pass.title, "member": member_pass.person.display_name},
            reason=reason.strip(),
            paid=True,
            complimentary=True,
        )
    return member_pass


# ---- hold (V7) ----------------------------------------------------------------------


def _check_hold_dates(member_pass: MemberPass, start, end) -> None:
    if not all(isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in (start, end)):
        raise PassError(_("Enter the first and the last day of the hold."), code="invalid_hold")
    if end < start:
        raise PassError(_("The hold must not end before it starts."), code="invalid_hold")
    if (end - start).days + 1 > MAX_HOLD_DAYS:
        raise PassError(
            _("A hold lasts at most %(n)d days.") % {"n": MAX_HOLD_DAYS}, code="invalid_hold"
        )
    issued = local_day(member_pass.purchased_at)
    if start < issued:
        raise PassError(
            _("The hold cannot start before the pass was issued on %(day)s.")
            % {"day": format_day(issued)},
            code="hold_before_issue",
        )
    if start > local_today() + dt.timedelta(days=HOLD_HORIZON_DAYS):
        raise PassError(_("A hold can start at most two years ahead."), code="hold_too_far_ahead")


def hold_pass(member_pass: MemberPass, start: dt.date, end: dt.date, by, reason: str = "") -> Hold:
    """V7: the pass cannot pay for sessions from ``start`` to ``end`` (inclusive), and its
    expiry moves out by the hold's length. Refused when it would overlap another hold or
    a session already booked with the pass.

    N1: the pass that renews it (when its renewal exists) then starts the day after its new
    end, and the rest of the chain with it; refused with ``renewal_has_bookings`` when that
    pass pays for a session on a day it would lose."""
    staff = by is None or can_manage_passes(by)  # None: the system
    if not staff:
        if by.pk is None or by.pk != member_pass.member_id:
            raise PassError(_("Only staff or the pass's holder can hold it."), code="not_allowed")
        if not member_pass.member_can_hold:
            raise PassError(
                _("This pass cannot be put on hold by its holder."), code="hold_not_allowed"
            )
    _check_hold_dates(member_pass, start, end)
    reason = (reason or "").strip()
    with lock_waits.atomic():
        member_pass = lock_member_pass(member_pass)
        _refuse(hold_refusal(member_pass))
        for held_from, held_until in member_pass.hold_periods:
            if start <= held_until and held_from <= end:
                raise PassError(
                    _("It is already on hold from %(start)s to %(end)s.")
                    % {"start": format_day(held_from), "end": format_day(held_until)},
                    code="hold_overlaps",
                )
        booked = (
            active_redemptions()
            .filter(member_pass=member_pass, session_day__range=(start, end))
            .order_by("session_day")
            .values_list("session_day", flat=True)
        )
        if booked:
            raise PassError(
                _("Sessions on %(days)s are booked with this pass; cancel them first.")
                % {"days": ", ".join(format_day(d) for d in dict.fromkeys(booked))},
                code="hold_has_bookings",
            )
        hold = Hold.objects.create(
            member_pass=member_pass, starts_on=start, ends_on=end, reason=reason, created_by=by
        )
        member_pass.hold_ranges = sorted(
            [*member_pass.hold_ranges, [start.isoformat(), end.isoformat()]]
        )
        refresh_validity(member_pass, by=by)
        follow_renewed_pass_of(member_pass, by=by)
        if by is not None and staff and by.pk != member_pass.member_id:
            log_action(
                member_pass,
                "wagtail_passes.pass.hold",
                by,
                _("On hold from %(start)s to %(end)s")
                % {"start": format_day(start), "end": format_day(end)},
                starts_on=start.isoformat(),
                ends_on=end.isoformat(),
                reason=reason,
            )
        signals.send_on_commit(
            signals.pass_held, MemberPass, member_pass=member_pass, hold=hold, by=by
        )
    return hold


# ---- adjust (R3, S4) ----------------------------------------------------------------


def _check_adjust_amount(member_pass: MemberPass, amount) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount == 0:
        raise PassError(_("Enter a non-zero amount."), code="invalid_amount")
    if abs(amount) > MAX_BALANCE:
        raise PassError(_("That amount is too large."), code="invalid_amount")
    if member_pass.kind == ProductKind.MONEY:
        if not has_valid_precision(amount, member_pass.currency):
            raise PassError(
                _("%(currency)s amounts have at most %(digits)d decimals.")
                % {
                    "currency": member_pass.currency,
                    "digits": minor_unit_digits(member_pass.currency),
                },
                code="invalid_amount",
            )
    elif amount != amount.to_integral_value():
        raise PassError(_("Entries, days and credits are whole numbers."), code="invalid_amount")


def adjust_pass(member_pass: MemberPass, amount: Decimal, by, reason: str) -> LedgerEntry:
    """R3/S4: staff add to or take from the balance, with a reason. Never below zero,
    never beyond what the balance can hold; an expired or cancelled pass cannot be
    adjusted (extend it first)."""
    require_staff(by, MANAGE_PASSES, PassError)
    reason = (reason or "").strip()
    if not reason:
        raise PassError(_("Say why you adjust this pass."), code="reason_required")
    if member_pass.kind == ProductKind.UNLIMITED:  # before the amount: no amount would do
        _refuse(adjust_refusal(member_pass))
    _check_adjust_amount(member_pass, amount)
    with lock_waits.atomic():
        member_pass = lock_member_pass(member_pass)
        _refuse(adjust_refusal(member_pass))
        result = member_pass.balance + amount
        if result < 0:
            raise PassError(
                _("That would leave %(balance)s on the pass; the balance cannot go below 0.")
                % {"balance": pass_balance_after(member_pass, result)},
                code="negative_balance",
            )
        if result > MAX_BALANCE:
            raise PassError(
                _("That would make the balance larger than the pass can hold."),
                code="too_large",
            )
        entry = record_movement(member_pass, LedgerKind.ADJUST, amount, by=by, reason=reason)
        log_action(
            member_pass,
            "wagtail_passes.pass.adjust",
            by,
            _("Adjusted by %(amount)s: %(reason)s")
            % {"amount": pass_movement(member_pass, amount), "reason": reason},
            amount=str(amount),
            reason=reason,
        )
        signals.send_on_commit(
            signals.pass_adjusted, MemberPass, member_pass=member_pass, entry=entry, by=by
        )
    return entry


# ---- extend and cancel (S4) ---------------------------------------------------------


def extend_pass(member_pass: MemberPass, days: int, by, reason: str = "") -> LedgerEntry:
    """S4: move the end of the pass's validity window out by ``days``, as an ``extend``
    movement in its ledger. An expired pass whose new window reaches today is active
    again, and what its expiry wrote off comes back. N1: the pass that renews it moves
    with it, as for a hold (``hold_pass``)."""
    require_staff(by, MANAGE_PASSES, PassError)
    if type(days) is not int or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise PassError(
            _("Extend by 1 to %(max)d days.") % {"max": MAX_EXTENSION_DAYS},
            code="invalid_days",
        )
    with lock_waits.atomic():
        member_pass = lock_member_pass(member_pass)
        _refuse(extend_refusal(member_pass))
        reason = (reason or "").strip()
        entry = record_movement(
            member_pass,
            LedgerKind.EXTEND,
            Decimal(0),
            days=days,
            by=by,
            reason=reason
            or ngettext("Extended by %(n)d day", "Extended by %(n)d days", days) % {"n": days},
        )
        follow_renewed_pass_of(member_pass, by=by)
        log_action(
            member_pass,
            "wagtail_passes.pass.extend",
            by,
            ngettext("Extended by %(n)d day", "Extended by %(n)d days", days) % {"n": days},
            days=days,
            reason=reason,
            valid_until=member_pass.valid_until.isoformat() if member_pass.valid_until else None,
        )
        signals.send_on_commit(
            signals.pass_extended, MemberPass, member_pass=member_pass, days=days, by=by
        )
    return entry


def cancel_pass(member_pass: MemberPass, by, reason: str) -> LedgerEntry:
    """S4: cancel a member pass: a ``cancel`` movement writes off what is left and it can
    never pay again. Refused while it pays for sessions that have not started (cancel
    those bookings first). Refunding the member is a separate step. N1: it stops renewing,
    and its renewal order awaiting payment is cancelled with it (``write_off_pass``)."""
    require_staff(by, MANAGE_PASSES, PassError)
    reason = (reason or "").strip()
    if not reason:
        raise PassError(_("Say why you cancel this pass."), code="reason_required")
    with lock_waits.atomic():
        lock_pending_renewal_orders([member_pass])  # order rows before the pass
        member_pass = lock_member_pass(member_pass)
        _refuse(cancel_pass_refusal(member_pass))
        entry = write_off_pass(member_pass, by, reason)
    return entry


def write_off_pass(member_pass: MemberPass, by, reason: str) -> LedgerEntry:
    """Cancel a member pass whose row lock the caller holds: a ``cancel`` movement writes
    off what is left (its used entries stay in the ledger as they are), logged, with its
    signal once committed. The callers decide who may and when (``cancel_pass``, refunds,
    an unpaid order cancelled or expired).

    N1: a cancelled pass never renews: its renewal stops and its renewal order awaiting
    payment is cancelled, in the same transaction (``renewals.stop_renewal_of_finished``).
    Callers lock that order before the pass (``renewals.lock_pending_renewal_orders``)."""
    member_pass.status = PassStatus.CANCELLED
    entry = record_movement(
        member_pass, LedgerKind.CANCEL, -member_pass.balance, by=by, reason=reason
    )
    log_action(
        member_pass,
        "wagtail_passes.pass.cancel",
        by,
        _("Cancelled: %(reason)s") % {"reason": reason},
        reason=reason,
    )
    signals.send_on_commit(signals.pass_cancelled, MemberPass, member_pass=member_pass, by=by)
    stop_renewal_of_finished(member_pass, by, _("the pass was cancelled"))
    return entry


def member_may_act(member_pass: MemberPass, by) -> None:
    """Refuse anyone but the holder and staff (for host views acting on a pass)."""
    require_member_or_staff(member_pass.member, by, MANAGE_PASSES, PassError)
