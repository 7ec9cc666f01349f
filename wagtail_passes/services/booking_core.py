"""The steps every booking write shares, for callers that already hold the session's
lock: ``services.booking`` (book, cancel), ``services.waitlist`` (promotion) and
``services.session_changes`` (cancel or change a session).

Not a public API: the public functions are in ``wagtail_passes.services``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..exceptions import BookingError
from ..models import (
    Booking,
    BookingStatus,
    LedgerEntry,
    LedgerKind,
    MemberPass,
    PassStatus,
    Person,
    Session,
    WaitlistEntry,
    WaitlistStatus,
    attendee_filter,
)
from ..presentation import pass_end_reason
from .catalogue import products_covering
from .eligibility import evaluate_member_passes
from .facts import session_facts
from .inputs import check_member
from .ledger import redeem, return_redemption
from .pass_offers import offered
from .permissions import MANAGE_BOOKINGS, acts_for_member
from .standing_sql import occupancy


def is_staff_action(member, by) -> bool:
    """Staff acting for a member (at the desk, in the admin), not the member themself."""
    return acts_for_member(member, by, MANAGE_BOOKINGS)


def places_taken(session: Session) -> int:
    taken = session.bookings.active().aggregate(n=Sum("attendees"))["n"]
    return taken or 0


def places_left(session: Session) -> int:
    return max(session.effective_capacity - places_taken(session), 0)


def check_open(session: Session, member, by) -> None:
    """P8; staff may book outside the window and after the start, never when cancelled."""
    verdict = session.booking_window()
    staff_may_override = verdict.code in {"booking_not_open", "booking_closed", "session_started"}
    if not verdict.ok and not (staff_may_override and is_staff_action(member, by)):
        raise BookingError(verdict.message, code=verdict.code)


def book_locked(
    person: Person,
    session: Session,
    attendees: int,
    chosen_pass,
    by,
    *,
    promoted: bool = False,
    token: str | None = None,
) -> Booking:
    """Everything of ``book`` once the session row is locked: window, duplicates,
    capacity, what pays (under the passes' locks), the booking and its redemption, and
    the person's own waiting-list entry closed (P7). ``person`` (F1) attends, with its
    ``account`` loaded: the account holder pays and is ``booking.member``.

    ``token`` is the booking form's one-time token: when a booking was already made with
    it (the same form sent again, even after that booking was cancelled), that booking is
    returned and nothing is written."""
    member = person.account
    check_member(member)  # also for a waiting member whose account was closed since
    check_open(session, member, by)
    seen = occupancy(session.pk, person.pk, token)
    if seen.token_booking_id is not None:
        earlier = Booking.objects.get(pk=seen.token_booking_id)
        earlier.replayed = True
        return earlier
    if seen.booking_id is not None:
        raise already_booked(person, by)
    left = max(session.effective_capacity - seen.taken, 0)
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
    payer, cost, evaluated = choose_payer(person, session, attendees, chosen_pass)
    price = session.effective_unit_price * attendees
    booking = Booking(
        member=member,
        person=person,
        session=session,
        attendees=attendees,
        created_by=by or member,
        price=price.amount,
        currency=price.currency,
        token=token or None,
    )
    if payer is None and not price.is_zero:
        if session.programme.require_valid_pass:
            raise no_valid_pass(person, session, evaluated, for_staff=is_staff_action(member, by))
        booking.amount_due = price.amount
    booking.member_pass = payer
    try:
        # The checks above run under the session lock; the constraints are the backstop.
        booking.save()
    except IntegrityError as exc:
        raise already_booked(person, by) from exc
    booking.replayed = False  # made now (``book(token=...)``)
    if payer is not None:
        redeem(payer, session, cost=cost, attendees=attendees, by=by or member, booking=booking)
    if seen.waiting:
        close_own_waiting_entry(person, session, booking, promoted=promoted)
    return booking


def close_own_waiting_entry(person, session: Session, booking: Booking, *, promoted=False):
    """P7: a person who is booked leaves the session's waiting list, so a later
    cancellation of theirs never promotes them into the place they just gave up."""
    WaitlistEntry.objects.filter(
        person=person, session=session, status=WaitlistStatus.WAITING
    ).update(
        status=WaitlistStatus.BOOKED if promoted else WaitlistStatus.BOOKED_DIRECTLY,
        booking=booking,
        closed_at=timezone.now(),
    )


def choose_payer(person, session, attendees, chosen_pass):
    """The pass that pays, what it costs, and every pass evaluated (for a refusal that
    explains each), decided once under the passes' locks.

    All the person's usable passes are locked (primary-key order) and evaluated in one
    go, so no other booking can spend them between the decision and the redemption.
    """
    if chosen_pass is not None and chosen_pass.person_id != person.pk:
        raise BookingError(_("That pass belongs to someone else."), code="not_your_pass")
    passes = evaluate_member_passes(person, session, attendees, lock=True)
    if chosen_pass is not None:
        chosen = next((p for p in passes if p.pk == chosen_pass.pk), None)
        if chosen is None:
            raise BookingError(_("That pass can no longer be used."), code="pass_unusable")
        if not chosen.verdict.ok:
            raise BookingError(chosen.verdict.message, code=chosen.verdict.code)
        return chosen, chosen.verdict.cost, passes
    for candidate in passes:
        if candidate.verdict.ok:
            return candidate, candidate.verdict.cost, passes
    return None, Decimal(0), passes


def already_booked(person: Person, by) -> BookingError:
    if person.is_holder and not is_staff_action(person.account, by):
        message = _("You have already booked this session.")
    else:
        message = _("%(member)s has already booked this session.") % {"member": person.display_name}
    return BookingError(message, code="already_booked")


def pass_reasons(member, evaluated) -> list[tuple[str, str]]:
    """(pass title, why it cannot pay) for each of the member's passes: the usable ones
    just evaluated, else their most recent expired or cancelled ones (R4)."""
    reasons = [(p.title, p.verdict.message) for p in evaluated if not p.verdict.ok]
    if reasons or evaluated:
        return reasons
    finished = MemberPass.objects.filter(
        attendee_filter(member), status__in=[PassStatus.EXPIRED, PassStatus.CANCELLED]
    ).order_by("-valid_until", "-pk")[:3]
    return [(p.title, pass_end_reason(p)) for p in finished]


def no_valid_pass(
    member, session, evaluated, *, for_staff: bool = False, passed_view_restrictions=()
) -> BookingError:
    """P3 with R4: the session needs a pass; say for each pass held why it cannot pay,
    then which products on sale to the member would (leaving out those the member holds a
    pass of that is only held back for a while, and those whose page they may not view, A2:
    ``passed_view_restrictions`` are the page passwords they entered)."""
    reasons = pass_reasons(member, evaluated)
    facts = session_facts(session)
    covering = products_covering(
        session, member=member, passed_view_restrictions=passed_view_restrictions, facts=facts
    )  # ``member``: the attending person (U5), or a user meaning themself
    # Only what "Get a pass" offers (not a pass held back for a while, one that could pay).
    products = offered(covering, evaluated, facts)
    if reasons:
        # The reason keeps its own capital: lowercasing translated words breaks German nouns.
        listed = "; ".join(f"{title}: {why}" for title, why in reasons)
        if for_staff:
            message = _(
                "This session needs a valid pass, and none of the member's passes can pay "
                "for it. %(reasons)s."
            )
        else:
            message = _(
                "This session needs a valid pass, and none of yours can pay for it. %(reasons)s."
            )
        message %= {"reasons": listed}
    elif for_staff:
        message = _("This session needs a valid pass, and the member holds none.")
    else:
        message = _("This session needs a valid pass, and you hold none.")
    if products:
        message += " " + _("On sale and valid for it: %(titles)s.") % {
            "titles": ", ".join(p.title for p in products)
        }
    return BookingError(message, code="no_valid_pass", products=products, reasons=reasons)


def release(booking: Booking, by, give_back: bool) -> bool:
    """Return the booking's redemptions (if ``give_back``) and clear its amount due.
    The caller holds the pass's lock."""
    returned = False
    if booking.member_pass_id is not None and give_back:
        for redemption in LedgerEntry.objects.filter(
            booking=booking, kind=LedgerKind.REDEEM, reversal__isnull=True
        ).select_related("member_pass", "session"):
            returned |= (
                return_redemption(redemption, by=by, reason=_("Booking cancelled")) is not None
            )
    booking.amount_due = Decimal(0)
    return returned


def mark_cancelled(booking: Booking, by) -> None:
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancelled_by = by
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "amount_due"])
