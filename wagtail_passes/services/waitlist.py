"""Waiting lists (P7): a member who finds a session full waits; a freed place goes to
the first waiting member who can be booked, before any newcomer.

Promotion happens inside the transaction that frees the place (a cancellation, a
larger capacity), under the session's lock, so no newcomer can take the place in
between and a failed promotion never turns a committed cancellation into an error.
The passes of every waiting member are locked up front, in primary-key order together
with the passes the freeing transaction itself needs, so the lock order stays
session → booking → passes by primary key.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..audit import log_action
from ..exceptions import BookingError, PassError
from ..models import Booking, MemberPass, PassStatus, Session, WaitlistEntry, WaitlistStatus
from . import lock_waits, notifications
from .attendees import attendee
from .booking_core import (
    already_booked,
    book_locked,
    check_open,
    is_staff_action,
    places_left,
)
from .inputs import check_attendees
from .locking import lock_member_passes, lock_session
from .permissions import MANAGE_BOOKINGS, require_member_or_staff

logger = logging.getLogger(__name__)


def join_waitlist(member, session: Session, attendees: int = 1, by=None) -> WaitlistEntry:
    """P7: wait for a place on a full session. ``member`` is a user (themself) or a
    ``Person`` of their household (F1); staff (``by``) may add anyone."""
    check_attendees(attendees)
    person = attendee(member)
    member = person.account
    require_member_or_staff(member, by, MANAGE_BOOKINGS, BookingError)
    staff = is_staff_action(member, by)
    named = not person.is_holder or staff  # the refusal names who, unless it is "you"
    with transaction.atomic():
        session = lock_session(session)
        check_open(session, member, by)
        if session.bookings.active().filter(person=person).exists():
            raise already_booked(person, by)
        if session.waitlist.filter(person=person, status=WaitlistStatus.WAITING).exists():
            if named:
                message = _("%(member)s is already on the waiting list.") % {
                    "member": person.display_name
                }
            else:
                message = _("You are already on the waiting list.")
            raise BookingError(message, code="already_waiting")
        if places_left(session) >= attendees:
            raise BookingError(
                _("There are places left: book the session instead."), code="places_left"
            )
        entry = WaitlistEntry.objects.create(
            member=member,
            person=person,
            session=session,
            attendees=attendees,
            created_by=by or member,
        )
        if staff:
            log_action(
                session,
                "wagtail_passes.waitlist.add",
                by,
                _("%(member)s added to the waiting list") % {"member": person.display_name},
                member=member.pk,
                person=person.pk,
                attendees=attendees,
            )
    return entry


def leave_waitlist(entry: WaitlistEntry, by=None) -> WaitlistEntry:
    """Leave (or, for staff, remove a member from) a waiting list. Leaving twice is a
    no-op; who removed the entry, and when, is recorded."""
    require_member_or_staff(entry.member, by, MANAGE_BOOKINGS, BookingError)
    with lock_waits.atomic():
        waiting = WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.WAITING)
        left = lock_waits.bounded(waiting).update(
            status=WaitlistStatus.LEFT, closed_at=timezone.now(), closed_by=by or entry.member
        )
        if left and is_staff_action(entry.member, by):
            log_action(
                entry.session,
                "wagtail_passes.waitlist.remove",
                by,
                _("%(member)s removed from the waiting list") % {"member": entry.person},
                member=entry.member_id,
            )
    entry.refresh_from_db()
    return entry


def promote_waitlist(session: Session) -> list[Booking]:
    """P7: book waiting members into the session's free places, in the order they
    joined. For the host's own code after it freed places some other way; the services
    that free places promote by themselves."""
    with transaction.atomic():
        session = lock_session(session)
        lock_waiting_passes(session)
        return promote_locked(session)


def waiting_entries(session: Session, *, exclude_person=None):
    entries = (
        session.waitlist.filter(status=WaitlistStatus.WAITING)
        .select_related("member", "person__account")
        .order_by("created_at", "pk")
    )
    if exclude_person is not None:
        entries = entries.exclude(person=exclude_person)
    return entries


def lock_waiting_passes(session: Session, extra_pass_ids=(), *, exclude_person=None) -> None:
    """Lock the usable passes of every waiting person, with ``extra_pass_ids``, in
    primary-key order. The caller holds the session's lock."""
    people = waiting_entries(session, exclude_person=exclude_person).values("person_id")
    ids = set(
        MemberPass.objects.filter(person_id__in=people)
        .exclude(status__in=[PassStatus.CANCELLED, PassStatus.EXPIRED])
        .values_list("pk", flat=True)
    )
    ids |= {pk for pk in extra_pass_ids if pk is not None}
    if ids:
        lock_member_passes(ids)


def promote_locked(session: Session, *, exclude_person=None) -> list[Booking]:
    """Promotion inside the caller's transaction, which holds the session's lock and the
    waiting members' passes (``lock_waiting_passes``).

    Each waiting member is tried in turn, in a savepoint: one who cannot be booked right
    now (no pass and the programme requires one, a limit reached, the booking window
    closed, more places wanted than are free) stays waiting, and the next one gets the
    chance. Emails and signals go out once the caller commits.
    """
    promoted: list[Booking] = []
    for entry in waiting_entries(session, exclude_person=exclude_person):
        left = places_left(session)
        if left == 0:
            break
        if entry.attendees > left:
            continue
        try:
            with transaction.atomic():
                booking = book_locked(
                    entry.person, session, entry.attendees, None, None, promoted=True
                )
        except (BookingError, PassError) as refusal:
            logger.info("Waiting member %s not booked: %s", entry.member_id, refusal.code)
            continue
        entry.status, entry.booking = WaitlistStatus.BOOKED, booking
        notifications.email_on_commit(
            notifications.WAITLIST_PROMOTED, entry.member, booking=booking
        )
        signals.send_on_commit(signals.waitlist_promoted, Booking, booking=booking, entry=entry)
        signals.send_on_commit(signals.booking_created, Booking, booking=booking, by=None)
        promoted.append(booking)
    return promoted
