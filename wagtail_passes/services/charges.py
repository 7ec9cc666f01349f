"""Attendance policies applied (L1-L3): charges for late cancellations and no-shows.

What a policy does is ``rules.attendance_policy``'s to say; this module reads the
programme and the attendee's other no-shows, and writes what the rule decided:

- ``apply_no_show_locked`` (from ``mark_attendance`` and the daily job) and
  ``apply_late_cancel_locked`` (from ``cancel_booking``) run under the caller's locks
  (session, then booking) and lock the booking's pass themselves (it comes after);
- ``undo_no_show_locked``: marking a no-show back (booked, attended) undoes its charge;
- ``apply_pending_no_shows``: the daily job's backstop.

Staff waiving, giving back and taking payments are ``services.charge_actions``. Locks, in
the project's order (docs/concepts/concurrency.md): the session, the booking, its
charges, then the member pass.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..audit import log_action
from ..conf import passes_settings
from ..exceptions import BookingError, PassError
from ..models import (
    AttendanceCharge,
    Booking,
    BookingStatus,
    ChargeKind,
    ChargeState,
    LedgerEntry,
    LedgerKind,
)
from ..presentation import local_day
from ..rules import attendance_policy as policies
from ..rules.money import Money
from ..rules.periods import period_bounds
from . import lock_waits, notifications
from .ledger import redeem, return_redemption
from .locking import lock_member_pass, lock_session

#: The daily job looks this many days back for no-shows no policy was applied to.
NO_SHOW_LOOKBACK_DAYS = 7
MAX_REASON = 255


def same_attendee(booking: Booking) -> Q:
    """The bookings of the person who attended ``booking``: the one place that says whose
    no-shows a grace counts (F1: per person, so a child's no-shows never use up the
    parent's grace)."""
    return Q(person_id=booking.person_id)


def _local_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = passes_settings.tzinfo
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def other_no_shows(booking: Booking, period: str) -> int:
    """L2: the attendee's other no-shows whose session falls in the same day, week or
    month as ``booking``'s (session dates in the site's time zone, U1)."""
    first, last = period_bounds(period, local_day(booking.session.start))
    start, end = _local_bounds(first, last)
    return (
        Booking.objects.filter(
            same_attendee(booking),
            status=BookingStatus.NO_SHOW,
            session__start__gte=start,
            session__start__lt=end,
        )
        .exclude(pk=booking.pk)
        .count()
    )


def no_show_outcome(booking: Booking) -> policies.Outcome:
    """What marking ``booking`` a no-show costs now (the one rule, with its count)."""
    policy = booking.session.programme_class.programme.attendance_policy()
    others = other_no_shows(booking, policy.grace_period) if policy.grace else 0
    return policies.no_show_outcome(policy, others_in_period=others)


def late_cancel_outcome(booking: Booking) -> policies.Outcome:
    """What cancelling ``booking`` after the cutoff costs (the one rule)."""
    programme = booking.session.programme_class.programme
    due = Money(booking.amount_due, booking.currency or programme.currency)
    return policies.late_cancel_outcome(
        programme.attendance_policy(),
        pass_paid=booking.member_pass_id is not None,
        amount_due=due,
    )


def currency_of(booking: Booking) -> str:
    return booking.currency or booking.session.programme_class.programme.currency


def return_entry(booking: Booking, by, reason: str) -> Decimal:
    """Give the booking's redemptions back (under the pass's lock). Returns what went back."""
    if booking.member_pass_id is None:
        return Decimal(0)
    lock_member_pass(booking.member_pass_id)
    returned = Decimal(0)
    redemptions = LedgerEntry.objects.filter(
        booking=booking, kind=LedgerKind.REDEEM, reversal__isnull=True
    ).select_related("member_pass", "session")
    for redemption in redemptions:
        movement = return_redemption(redemption, by=by, reason=reason)
        if movement is not None:
            returned += movement.amount
    return returned


def _write_charge(booking: Booking, outcome: policies.Outcome, by, **fields) -> AttendanceCharge:
    charge = AttendanceCharge(
        booking=booking,
        kind=outcome.kind,
        state=outcome.state,
        amount=outcome.fee.amount if outcome.fee is not None else Decimal(0),
        currency=outcome.fee.currency if outcome.fee is not None else currency_of(booking),
        reason=str(outcome.reason)[:MAX_REASON],
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **fields,
    )
    charge.save()
    log_action(
        booking,
        "wagtail_passes.booking.charge",
        by,
        f"{outcome.reason}: {outcome.fee}" if outcome.fee is not None else str(outcome.reason),
        charge=charge.pk,
        kind=charge.kind,
        state=charge.state,
        amount=str(charge.amount),
    )
    signals.send_on_commit(signals.charge_created, AttendanceCharge, charge=charge, by=by)
    if charge.kind == ChargeKind.NO_SHOW and charge.state == ChargeState.DUE:
        # A late cancellation's charge is named in its cancellation email.
        notifications.email_on_commit(
            notifications.ATTENDANCE_CHARGE, booking.member, booking=booking
        )
    return charge


def current_charge(booking: Booking, kind: str) -> AttendanceCharge | None:
    return (
        AttendanceCharge.objects.select_for_update(of=("self",))
        .filter(booking=booking, kind=kind)
        .current()
        .first()
    )


def apply_no_show_locked(booking: Booking, by) -> AttendanceCharge | None:
    """L2: the no-show policy on the locked ``booking`` just marked (or found) no-show,
    once: a booking with a no-show charge already, even a waived one, is left alone.
    Nothing is recorded at the default policy (the entry is kept, as before policies)."""
    if AttendanceCharge.objects.filter(booking=booking, kind=ChargeKind.NO_SHOW).exists():
        return None
    outcome = no_show_outcome(booking)
    if not outcome.record:
        return None
    returned = cleared = Decimal(0)
    if outcome.return_entry:
        returned = return_entry(booking, by, str(outcome.reason))
        if booking.amount_due > 0:
            cleared = booking.amount_due
            booking.amount_due = Decimal(0)
            booking.save(update_fields=["amount_due"])
    try:
        return _write_charge(booking, outcome, by, entry_returned=returned, due_cleared=cleared)
    except IntegrityError as exc:  # the constraint is the backstop of the check above
        raise BookingError(_("This no-show was charged already."), code="already_charged") from exc


def undo_no_show_locked(booking: Booking, by) -> None:
    """A no-show marked back (booked or attended) undoes what its policy did: a fee
    still due is dropped, a paid one is waived and flagged for a refund, and an entry or
    amount due given back is taken again (refused ``entry_gone`` when the pass no longer
    holds it: adjust the pass first)."""
    charge = current_charge(booking, ChargeKind.NO_SHOW)
    if charge is None:
        return
    if charge.entry_returned and booking.member_pass_id is not None:
        member_pass = lock_member_pass(booking.member_pass_id)
        try:
            redeem(
                member_pass,
                booking.session,
                cost=charge.entry_returned,
                attendees=booking.attendees,
                by=by,
                booking=booking,
                reason=_("No-show undone"),
            )
        except PassError as exc:
            raise BookingError(
                _(
                    "The entry given back for this no-show is no longer on the pass "
                    "(%(why)s): adjust the pass before changing the mark."
                )
                % {"why": exc.message},
                code="entry_gone",
            ) from exc
    if charge.due_cleared and booking.member_pass_id is None:
        booking.amount_due += charge.due_cleared
        booking.save(update_fields=["amount_due"])
    if charge.state == ChargeState.PAID:
        waive_locked(charge, by, _("No-show undone: give the money paid back"))
    else:
        log_action(
            booking,
            "wagtail_passes.booking.charge_undone",
            by,
            _("No-show undone: %(reason)s dropped") % {"reason": charge.reason},
            charge=charge.pk,
        )
        if charge.order_lines.exists():  # kept for the order's history
            waive_locked(charge, by, _("No-show undone"))
        else:
            charge.delete()


def apply_late_cancel_locked(booking: Booking, outcome: policies.Outcome, by):
    """L1: record what a late cancellation under a policy did (the caller cancelled the
    locked booking, giving the entry back or not as ``outcome`` said)."""
    if not outcome.record:
        return None
    return _write_charge(booking, outcome, by)


def waive_locked(charge: AttendanceCharge, by, reason: str) -> None:
    charge.state = ChargeState.WAIVED
    charge.waived_at = timezone.now()
    charge.waived_by = by if getattr(by, "is_authenticated", False) else None
    charge.waived_reason = reason[:MAX_REASON]
    charge.save(update_fields=["state", "waived_at", "waived_by", "waived_reason"])
    log_action(
        charge.booking,
        "wagtail_passes.booking.charge_waived",
        by,
        _("%(charge)s waived: %(reason)s") % {"charge": charge.reason, "reason": reason},
        charge=charge.pk,
        amount=str(charge.amount),
        refund_needed=charge.refund_needed,
    )
    signals.send_on_commit(signals.charge_waived, AttendanceCharge, charge=charge, by=by)


# ---- the daily job --------------------------------------------------------------------


def apply_pending_no_shows(now: dt.datetime | None = None) -> list[int]:
    """L2 for the daily job: bookings marked no-show (in the last
    ``NO_SHOW_LOOKBACK_DAYS`` days) that no policy was applied to yet get their
    programme's policy, one booking per transaction under its locks. Marking a no-show
    applies it already, so this finds only no-shows marked another way; twice, nothing
    more happens. Returns the bookings charged."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=NO_SHOW_LOOKBACK_DAYS)
    candidates = (
        Booking.objects.filter(status=BookingStatus.NO_SHOW, session__start__gte=since)
        .exclude(charges__kind=ChargeKind.NO_SHOW)
        .exclude(
            session__programme_class__programme__no_show_policy=policies.KEEP_ENTRY,
            session__programme_class__programme__no_show_grace=0,
        )
        .values_list("pk", "session_id")
        .order_by("pk")
    )
    applied = []
    for pk, session_id in candidates:
        with lock_waits.atomic():
            lock_session(session_id)
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("session__programme_class__programme", "member")
                .get(pk=pk)
            )
            if booking.status != BookingStatus.NO_SHOW:
                continue
            if apply_no_show_locked(booking, None) is not None:
                applied.append(pk)
    return applied


def charge_words(charge: AttendanceCharge) -> str:
    """A charge as the member reads it: "No-show fee, €10.00: due"."""
    what = f"{charge.reason}, {charge.money}" if charge.is_fee else str(charge.reason)
    if charge.state == ChargeState.WAIVED:
        text = _("%(what)s: waived (%(why)s)") % {"what": what, "why": charge.waived_reason}
        if charge.refund_needed:
            text += " " + _("The money paid comes back to you.")
        return text
    if charge.state == ChargeState.DUE:
        return _("%(what)s: due") % {"what": what}
    if charge.state == ChargeState.PAID:
        return _("%(what)s: paid") % {"what": what}
    return what


def charge_tools_open(booking: Booking) -> tuple[str, ...]:
    """L3: what staff can still do about ``booking``'s charges: take a fee's payment at the
    desk, waive a fee or a kept entry, give back an entry kept (also at the default
    policy, where no charge records it)."""
    states = set(booking.charges.current().values_list("state", flat=True))
    tools = []
    if ChargeState.DUE in states:
        tools.append("charge_payment")
    if states & {ChargeState.DUE, ChargeState.KEPT}:
        tools.append("waive_charge")
    kept = (
        booking.status in (BookingStatus.NO_SHOW, BookingStatus.CANCELLED)
        and booking.member_pass_id is not None
        and ChargeState.KEPT not in states
        and LedgerEntry.objects.filter(
            booking=booking, kind=LedgerKind.REDEEM, reversal__isnull=True
        ).exists()
    )
    if kept:
        tools.append("give_back")
    return tuple(tools)
