"""R2: a new (or newly paid) member pass pays the member's earlier unpaid bookings."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from ..audit import log_action
from ..exceptions import PassError
from ..models import Booking, BookingStatus, MemberPass
from ..rules.money import Money
from . import lock_waits
from .eligibility import evaluate
from .ledger import redeem
from .locking import lock_member_pass, lock_session
from .permissions import MANAGE_PASSES, is_self, require_member_or_staff


def settle_unpaid(member_pass: MemberPass, by=None) -> list[Booking]:
    """R2: let a pass pay the member's unpaid bookings, oldest session first.

    Each booking is paid exactly what it owes: an entry, day or credit pass pays the
    places, a money credit pays the amount due — not today's price, which may have
    changed since (A6). Bookings the pass cannot pay (not covered, outside its window,
    not enough left) stay unpaid. Locks the bookings' sessions in primary-key order,
    then the bookings, then the pass. Returns the bookings it paid.
    """
    require_member_or_staff(member_pass.member_id, by, MANAGE_PASSES, PassError)
    return settle_with(member_pass, by)


def settle_with(member_pass: MemberPass, by=None) -> list[Booking]:
    """``settle_unpaid`` without the permission check, for services that already made
    it (issuing or assigning the pass)."""
    unpaid = list(
        Booking.objects.unpaid()
        .filter(person_id=member_pass.person_id, member_pass__isnull=True)
        .values_list("pk", "session_id")
    )
    if not unpaid:
        return []
    settled = []
    with lock_waits.atomic():
        for session_id in sorted({s for _, s in unpaid}):
            lock_session(session_id)
        bookings = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(pk__in=[pk for pk, _ in unpaid], amount_due__gt=0, member_pass__isnull=True)
            .exclude(status=BookingStatus.CANCELLED)
            .select_related("session__programme_class__programme")
            .order_by("session__start", "pk")
        )
        member_pass = lock_member_pass(member_pass)
        # Who may settle was checked by the caller; anyone else than the member is staff.
        staff = by is not None and not is_self(member_pass.member_id, by)
        for booking in bookings:
            owed = Money(booking.amount_due, booking.currency or booking.session.programme.currency)
            verdict = evaluate(member_pass, booking.session, booking.attendees, owed=owed)
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
            if staff:
                log_action(
                    booking,
                    "wagtail_passes.booking.settle",
                    by,
                    _("Paid with “%(pass)s”") % {"pass": member_pass.title},
                    member_pass=member_pass.pk,
                )
            settled.append(booking)
    return settled
