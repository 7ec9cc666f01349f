"""Signals a host site can listen to (docs/reference/signals.md).

Every signal is sent once the transaction that caused it has committed — never for a
change that was rolled back — with ``send_robust``: a failing receiver is logged and
never undoes or breaks the booking, cancellation or payment that caused it.

``by`` is the user who acted (staff, or the member), or None for the system.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

#: A booking was made (``booking``, ``by``); also after a waiting-list promotion.
booking_created = Signal()
#: A series was booked (``series``, ``dates``: its SeriesDate rows as judged, ``by``), or
#: some of its held dates were booked when their booking opened (``by`` None).
series_booked = Signal()
#: A series was cancelled, whole or date by date (``series``, ``dates``: the dates
#: cancelled, ``refused``: (date, reason) of those that could not be, ``by``).
series_cancelled = Signal()
#: A booking was cancelled (``booking``, ``by``, ``returned``: whether its entry went back).
booking_cancelled = Signal()
#: A waiting member was booked into a freed place (``booking``, ``entry``).
waitlist_promoted = Signal()
#: An amount due was recorded as paid at the desk (``booking``, ``by``).
booking_paid = Signal()
#: Attendance was marked (``booking``, ``by``).
attendance_marked = Signal()
#: A session was cancelled with its bookings (``session``, ``bookings``, ``by``).
session_cancelled = Signal()
#: A session was moved or its capacity changed (``session``, ``by``, ``moved``).
session_changed = Signal()
#: A member pass was issued or assigned (``member_pass``, ``by``).
pass_issued = Signal()
#: Staff adjusted a balance (``member_pass``, ``entry``, ``by``).
pass_adjusted = Signal()
#: A pass was put on hold (``member_pass``, ``hold``, ``by``).
pass_held = Signal()
#: Staff extended a pass (``member_pass``, ``days``, ``by``).
pass_extended = Signal()
#: Staff cancelled a pass (``member_pass``, ``by``).
pass_cancelled = Signal()
#: A pass expired: its window ended (``member_pass``).
pass_expired = Signal()
#: A late cancellation or no-show policy recorded a charge (``charge``, ``by``; L1, L2).
charge_created = Signal()
#: Staff waived a charge or gave its entry back, or a no-show was undone (``charge``, ``by``; L3).
charge_waived = Signal()
#: An order, or some of its lines, was refunded (``order``, ``refunds``, ``by``; C4).
order_refunded = Signal()


def send_on_commit(signal: Signal, sender, **kwargs) -> None:
    """Send ``signal`` after the current transaction commits (at once outside one)."""

    def send():
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "Receiver %r of a wagtail_passes signal failed",
                    receiver,
                    exc_info=(type(result), result, result.__traceback__),
                )

    transaction.on_commit(send)
