"""Booking and cancelling sessions (P1-P8, R1, R2, U3), without overbooking or
double-spending whatever the concurrency.

Every write follows the same steps (see docs/concepts/concurrency.md):

1. ``transaction.atomic()``;
2. lock the rows decided on, always in this order: the session, then the booking,
   then member passes by primary key;
3. re-check every rule under the locks;
4. write (ledger movements through ``services.ledger``);
5. emails and waiting-list promotion with ``transaction.on_commit``.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..conf import passes_settings
from ..exceptions import BookingError
from ..models import (
    Booking,
    BookingStatus,
    LedgerEntry,
    LedgerKind,
    MemberPass,
    Session,
    WaitlistEntry,
    WaitlistStatus,
)
from ..rules.booking_window import booking_window, member_may_cancel
from . import notifications
from .catalogue import products_covering
from .eligibility import evaluate, evaluate_member_passes
from .ledger import redeem, return_redemption
from .locking import lock_member_pass, lock_session

logger = logging.getLogger(__name__)


def _is_staff_action(member, by) -> bool:
    """Staff acting for a member (at the desk, in the admin), not the member themself.
    Staff means permission to manage bookings, not Django's ``is_staff`` flag, which
    many Wagtail editors do not have."""
    return by is not None and by.pk != member.pk and by.has_perm("wagtail_passes.change_booking")


def places_taken(session: Session) -> int:
    taken = session.bookings.active().aggregate(n=Sum("attendees"))["n"]
    return taken or 0


def _occupancy(session: Session, member) -> tuple[int, bool]:
    """Places taken on the session, and whether ``member`` already holds one (one query)."""
    counts = session.bookings.active().aggregate(
        taken=Sum("attendees"), mine=Count("pk", filter=Q(member=member))
    )
    return counts["taken"] or 0, bool(counts["mine"])


def places_left(session: Session) -> int:
    return max(session.effective_capacity - places_taken(session), 0)


# ---- book ---------------------------------------------------------------------------


def book(member, session: Session, attendees: int = 1, member_pass=None, by=None) -> Booking:
    """Book ``attendees`` places on ``session`` for ``member``.

    A member pass pays when one can (R1 order, or ``member_pass`` if given and
    eligible); otherwise the booking owes the effective unit price × attendees (P1),
    unless the programme requires a valid pass (P3: ``no_valid_pass``, with
    ``error.details["products"]`` listing products that would pay). Staff (``by``)
    may book outside the booking window, never beyond capacity.
    """
    if attendees < 1:
        raise BookingError(_("Book at least one place."), code="invalid_attendees")
    with transaction.atomic():
        session = lock_session(session)
        booking = _book_locked(member, session, attendees, member_pass, by)
    notifications.email_on_commit(notifications.BOOKING_CONFIRMED, member, booking=booking)
    return booking


def _book_locked(member, session, attendees, chosen_pass, by) -> Booking:
    """Everything of ``book`` once the session row is locked."""
    _check_open(session, member, by)
    taken, already = _occupancy(session, member)
    if already:
        raise _already_booked(member, by)
    left = max(session.effective_capacity - taken, 0)
    if attendees > left:
        raise BookingError(
            ngettext(
                "This session is full: %(left)d place left, %(wanted)d wanted.",
                "This session is full: %(left)d places left, %(wanted)d wanted.",
                left,
            )
            % {"left": left, "wanted": attendees},
            code="session_full",
            places_left=left,
        )
    payer, cost = _choose_payer(member, session, attendees, chosen_pass)
    price = session.effective_unit_price * attendees
    booking = Booking(
        member=member,
        session=session,
        attendees=attendees,
        created_by=by or member,
        price=price.amount,
        currency=price.currency,
    )
    if payer is None and not price.is_zero:
        if session.programme.require_valid_pass:
            raise _no_valid_pass(session, for_staff=_is_staff_action(member, by))
        booking.amount_due = price.amount
    booking.member_pass = payer
    try:
        # The check above runs under the session lock; the constraint is the backstop.
        # Raising rolls the whole transaction back, so no savepoint is needed.
        booking.save()
    except IntegrityError as exc:
        raise _already_booked(member, by) from exc
    if payer is not None:
        redeem(payer, session, cost=cost, attendees=attendees, by=by or member, booking=booking)
    return booking


def _check_open(session, member, by) -> None:
    programme = session.programme
    verdict = booking_window(
        now=timezone.now(),
        start=session.start,
        is_cancelled=session.is_cancelled,
        opens_days_before=programme.booking_opens_days_before,
        closes_minutes_before=programme.booking_closes_minutes_before,
        tz=passes_settings.tzinfo,
    )
    staff_may_override = verdict.code in {"booking_not_open", "booking_closed", "session_started"}
    if not verdict.ok and not (staff_may_override and _is_staff_action(member, by)):
        raise BookingError(verdict.message, code=verdict.code)


def _choose_payer(member, session, attendees, chosen_pass) -> tuple[MemberPass | None, Decimal]:
    """The pass that pays and what it costs, decided once under the passes' locks.

    All the member's usable passes are locked (primary-key order) and evaluated in one
    go, so no other booking can spend them between the decision and the redemption.
    """
    if chosen_pass is not None and chosen_pass.member_id != member.pk:
        raise BookingError(_("That pass belongs to someone else."), code="not_your_pass")
    passes = evaluate_member_passes(member, session, attendees, lock=True)
    if chosen_pass is not None:
        chosen = next((p for p in passes if p.pk == chosen_pass.pk), None)
        if chosen is None:
            raise BookingError(_("That pass can no longer be used."), code="pass_unusable")
        if not chosen.verdict.ok:
            raise BookingError(chosen.verdict.message, code=chosen.verdict.code)
        return chosen, chosen.verdict.cost
    for candidate in passes:
        if candidate.verdict.ok:
            return candidate, candidate.verdict.cost
    return None, Decimal(0)


def _already_booked(member, by) -> BookingError:
    if _is_staff_action(member, by):
        message = _("%(member)s has already booked this session.") % {"member": member}
    else:
        message = _("You have already booked this session.")
    return BookingError(message, code="already_booked")


def _no_valid_pass(session, *, for_staff: bool = False) -> BookingError:
    products = products_covering(session)
    if for_staff:
        message = _("This session needs a valid pass, and no pass the member holds can pay for it.")
    else:
        message = _("This session needs a valid pass, and none of yours can pay for it.")
    if products:
        message += " " + _("These would: %(titles)s.") % {
            "titles": ", ".join(p.title for p in products)
        }
    return BookingError(message, code="no_valid_pass", products=products)


# ---- cancel -------------------------------------------------------------------------


def cancel_booking(booking: Booking, by=None, *, return_entry: bool | None = None) -> Booking:
    """P6: cancel a booking. ``by`` None means the member themself.

    Members may cancel until the programme's cutoff; the entry, credit or money goes
    back to the pass it came from as a ledger movement and the amount due becomes 0.
    After the cutoff only staff can, choosing with ``return_entry`` whether it goes
    back (default: back before the cutoff, kept after it). Cancelling a cancelled
    booking is a no-op. The returned booking's ``entry_returned`` says whether a return
    movement was written.
    """
    with transaction.atomic():
        session = lock_session(booking.session_id)
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        if booking.status == BookingStatus.CANCELLED:
            booking.entry_returned = False
            return booking
        if booking.status != BookingStatus.BOOKED:
            raise BookingError(
                _("This booking is already marked %(status)s.")
                % {"status": booking.get_status_display().lower()},
                code="booking_finished",
            )
        staff = _is_staff_action(booking.member, by)
        in_time = member_may_cancel(
            now=timezone.now(),
            start=session.start,
            cutoff_hours=session.programme.cancellation_cutoff_hours,
        )
        if not in_time and not staff:
            raise BookingError(
                _("Bookings can be cancelled until %(when)s; please contact the studio.")
                % {"when": date_format(session.cancellation_deadline, "j F Y, H:i")},
                code="cancellation_closed",
            )
        give_back = in_time if return_entry is None else return_entry
        returned = _release(booking, by or booking.member, give_back)
        _mark_cancelled(booking, by or booking.member)
    booking.entry_returned = returned  # whether a ledger return was written
    notifications.email_on_commit(
        notifications.BOOKING_CANCELLED, booking.member, booking=booking, returned=returned
    )
    transaction.on_commit(lambda: promote_waitlist(session))
    return booking


def _release(booking: Booking, by, give_back: bool) -> bool:
    """Return the booking's redemptions (if ``give_back``) and clear its amount due."""
    returned = False
    if booking.member_pass_id is not None and give_back:
        lock_member_pass(booking.member_pass_id)
        for redemption in LedgerEntry.objects.filter(
            booking=booking, kind=LedgerKind.REDEEM, reversal__isnull=True
        ).select_related("member_pass", "session"):
            returned |= (
                return_redemption(redemption, by=by, reason=_("Booking cancelled")) is not None
            )
    booking.amount_due = Decimal(0)
    return returned


def _mark_cancelled(booking: Booking, by) -> None:
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancelled_by = by
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "amount_due"])


def cancel_session(session: Session, by) -> list[Booking]:
    """P8: cancel a session, cancel every booking on it, return every entry, tell everyone."""
    with transaction.atomic():
        session = lock_session(session)
        if not session.is_cancelled:
            session.is_cancelled, session.cancelled_at = True, timezone.now()
            session.save(update_fields=["is_cancelled", "cancelled_at"])
        bookings = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(session=session, status=BookingStatus.BOOKED)
            .select_related("member", "member_pass")
            .order_by("pk")
        )
        # Passes in primary-key order, all locked before any is written.
        for pass_id in sorted({b.member_pass_id for b in bookings} - {None}):
            lock_member_pass(pass_id)
        for booking in bookings:
            _release(booking, by, give_back=True)
            _mark_cancelled(booking, by)
        session.waitlist.filter(status=WaitlistStatus.WAITING).update(
            status=WaitlistStatus.CANCELLED
        )
    for booking in bookings:
        notifications.email_on_commit(
            notifications.SESSION_CANCELLED, booking.member, booking=booking, session=session
        )
    return bookings


# ---- waiting list -------------------------------------------------------------------


def join_waitlist(member, session: Session, attendees: int = 1) -> WaitlistEntry:
    """P7: wait for a place on a full session."""
    if attendees < 1:
        raise BookingError(_("Wait for at least one place."), code="invalid_attendees")
    with transaction.atomic():
        session = lock_session(session)
        _check_open(session, member, None)
        if session.bookings.active().filter(member=member).exists():
            raise BookingError(_("You have already booked this session."), code="already_booked")
        if session.waitlist.filter(member=member, status=WaitlistStatus.WAITING).exists():
            raise BookingError(_("You are already on the waiting list."), code="already_waiting")
        if places_left(session) >= attendees:
            raise BookingError(
                _("There are places left: book the session instead."), code="places_left"
            )
        return WaitlistEntry.objects.create(member=member, session=session, attendees=attendees)


def leave_waitlist(entry: WaitlistEntry) -> WaitlistEntry:
    WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.WAITING).update(
        status=WaitlistStatus.LEFT
    )
    entry.refresh_from_db()
    return entry


def promote_waitlist(session: Session) -> list[Booking]:
    """P7: book waiting members, first come first served, while places are free.

    Each promotion is its own transaction (session lock, then that member's passes),
    the same locks as ``book``. A waiting member who cannot be booked right now (no
    pass and the programme requires one, a limit reached) stays waiting; the next one
    gets the chance.
    """
    promoted: list[Booking] = []
    tried: set[int] = set()
    while True:
        with transaction.atomic():
            locked = lock_session(session)
            entry = (
                locked.waitlist.filter(status=WaitlistStatus.WAITING)
                .exclude(pk__in=tried)
                .select_related("member")
                .order_by("created_at", "pk")
                .first()
            )
            left = places_left(locked) if entry is not None else 0
            if left == 0:
                return promoted
            tried.add(entry.pk)
            if entry.attendees > left:
                continue
            try:
                with transaction.atomic():
                    booking = _book_locked(entry.member, locked, entry.attendees, None, None)
            except BookingError as refusal:
                logger.info("Waiting member %s not booked: %s", entry.member_id, refusal.code)
                continue
            entry.status, entry.booking = WaitlistStatus.BOOKED, booking
            entry.save(update_fields=["status", "booking"])
            notifications.email_on_commit(
                notifications.WAITLIST_PROMOTED, entry.member, booking=booking
            )
            promoted.append(booking)


# ---- settle earlier bookings (R2) ---------------------------------------------------


def settle_unpaid(member_pass: MemberPass, by=None) -> list[Booking]:
    """R2: let a pass pay the member's unpaid bookings, oldest session first.

    Bookings it cannot pay (not covered, outside its window, nothing left) stay unpaid.
    Locks the bookings' sessions in primary-key order, then the pass.
    """
    unpaid = list(
        Booking.objects.unpaid()
        .filter(member_id=member_pass.member_id, member_pass__isnull=True)
        .values_list("pk", "session_id")
    )
    if not unpaid:
        return []
    settled = []
    with transaction.atomic():
        for session_id in sorted({s for _, s in unpaid}):
            lock_session(session_id)
        member_pass = lock_member_pass(member_pass)
        bookings = (
            Booking.objects.select_for_update(of=("self",))
            .filter(pk__in=[pk for pk, _ in unpaid], amount_due__gt=0, member_pass__isnull=True)
            .exclude(status=BookingStatus.CANCELLED)
            .select_related("session__programme_class__programme")
            .order_by("session__start", "pk")
        )
        for booking in bookings:
            verdict = evaluate(member_pass, booking.session, booking.attendees)
            if not verdict.ok:
                continue
            booking.member_pass, booking.amount_due = member_pass, Decimal(0)
            booking.save(update_fields=["member_pass", "amount_due"])
            redeem(
                member_pass,
                booking.session,
                cost=verdict.cost,
                attendees=booking.attendees,
                by=by,
                booking=booking,
                reason=_("Paid an earlier booking"),
            )
            settled.append(booking)
    return settled


# ---- attendance (S3) ----------------------------------------------------------------


def mark_attendance(booking: Booking, attended: bool, by) -> Booking:
    """S3: mark a booking attended or no-show (or back to booked with ``None``)."""
    status = {
        True: BookingStatus.ATTENDED,
        False: BookingStatus.NO_SHOW,
        None: BookingStatus.BOOKED,
    }[attended]
    with transaction.atomic():
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        if booking.status == BookingStatus.CANCELLED:
            raise BookingError(
                _("A cancelled booking has no attendance."), code="booking_cancelled"
            )
        booking.status = status
        booking.save(update_fields=["status"])
    return booking
