"""The booking that started a checkout (C3): a member pressed Book on a session no pass of
theirs paid for, bought a pass instead, and is booked on that session with it once the
pass exists.

The order remembers the session (``Order.book_session``). When the order is paid — or, under
P4, as soon as its unpaid passes exist — the member is booked with one of **the order's own
passes**, never left with an amount due: a pass that does not cover the session is not used
to book it. It runs once the order's transaction has committed, in a transaction of its own
(``services.book`` locks the session, then the passes), so it never holds the order's lock
while taking a session's, and a booking refused (the session filled up, booking closed) never
undoes the payment. Whatever happens is in the order's history; the order page says whether
the member is booked and offers the calendar's Book otherwise.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..exceptions import BookingError, CheckoutError
from ..models import Booking, MemberPass, Order, PassStatus, Session
from .lock_waits import BUSY

logger = logging.getLogger("wagtail_passes.orders")


def session_to_book(session_or_id) -> Session | None:
    """The session an order should book once paid, refusing one that cannot be booked
    any more (unknown, cancelled, started)."""
    if session_or_id in (None, ""):
        return None
    pk = getattr(session_or_id, "pk", session_or_id)
    try:
        pk = int(str(pk))
    except (TypeError, ValueError):
        pk = None
    session = Session.objects.filter(pk=pk).first() if pk is not None else None
    if session is None or session.is_cancelled or session.start <= timezone.now():
        raise CheckoutError(
            _("That session can no longer be booked; buy the pass on its own."),
            code="session_not_bookable",
        )
    return session


def book_when_committed(order: Order) -> None:
    """After the order's transaction commits, book its session with its passes."""
    if order.book_session_id is None:
        return
    pk = order.pk
    transaction.on_commit(lambda: book_with_order_passes(pk))


def is_booked(order: Order) -> bool:
    """Someone the order bought for (F1) holds an active booking of the order's session."""
    return (
        order.book_session_id is not None
        and Booking.objects.active()
        .filter(
            person__member_passes__order_line__order=order, session_id=order.book_session_id
        )
        .exists()
    )


def book_with_order_passes(order_pk: int) -> Booking | None:
    """Book the order's session with the first of its passes that pays for it; None when
    none does or the booking is refused (recorded in the order's history)."""
    from .booking import book  # late: booking imports the order services' neighbours

    order = Order.objects.select_related("book_session", "member").filter(pk=order_pk).first()
    if order is None or order.book_session is None or is_booked(order):
        return None
    passes = (
        MemberPass.objects.filter(
            order_line__order=order, status__in=[PassStatus.ACTIVE, PassStatus.ON_HOLD]
        )
        .select_related("person__account")
        .order_by("pk")
    )
    refusal = None
    for member_pass in passes:
        try:
            # F1: the pass's holder attends (the person the order bought it for).
            booking = book(member_pass.person, order.book_session, member_pass=member_pass)
        except BookingError as error:
            refusal = error
            if error.code == "already_booked":
                return None
            if error.code == BUSY:  # the next pass would wait for the same lock
                break
            continue
        log_action(
            order,
            "wagtail_passes.order.booked",
            None,
            _("Booked %(session)s with %(pass)s")
            % {"session": order.book_session, "pass": member_pass.title},
        )
        return booking
    if refusal is not None and order.paid_at is not None:  # before payment it is tried again
        log_action(
            order,
            "wagtail_passes.order.booked",
            None,
            _("Could not book %(session)s: %(reason)s")
            % {"session": order.book_session, "reason": refusal.message},
            refused=refusal.code,
        )
        logger.info("Order %s: booking after payment refused: %s", order.reference, refusal)
    return None
