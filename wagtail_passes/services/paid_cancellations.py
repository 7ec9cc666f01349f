"""P6 with C6: a booking whose amount due was paid online (an order of amounts due) and is
then cancelled in time gives its money back, like an entry goes back to its pass.

How, the studio decides (``WAGTAIL_PASSES_CANCELLED_BOOKING_MONEY``):

- ``"refund"`` (the default): the order line that paid the booking is refunded, through the
  provider that took the money (requested now, asked of the provider once the cancel has
  committed: ``services.refunds``), or, for money taken by hand (a bank transfer), staff
  are told to give it back ("Payments needing attention"). Once the refund is confirmed
  the booking no longer shows as paid.
- ``"credit"``: the money becomes money credit (K5) for the booking's programme: a member
  pass of that amount, with no end, that pays later bookings; the booking no longer shows
  as paid; the order keeps the money.

A booking cancelled after the cutoff without its entry given back keeps its money too (as
a pass keeps its entry). Staff see every step in the booking's and order's history.

Locks: the order that paid the booking is locked before the booking's session (the lock
order of ``services.orders``); the caller (``booking.cancel_booking``) takes it first.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..conf import passes_settings
from ..models import Booking, LedgerKind, MemberPass, OrderLine, PaymentMethod, ProductKind
from ..models.orders import PAID_STATES
from ..rules.money import Money
from .ledger import record_movement
from .refund_requests import request_line_refund

REFUND, CREDIT = "refund", "credit"
CHOICES = (REFUND, CREDIT)


def paying_line(booking: Booking) -> OrderLine | None:
    """The paid order line that paid ``booking``'s amount due online, if any (read without
    a lock, to know which order to lock first)."""
    if booking.payment_method != PaymentMethod.ONLINE or booking.amount_paid <= 0:
        return None
    return (
        OrderLine.objects.filter(booking=booking, order__state__in=PAID_STATES)
        .select_related("order")
        .order_by("-pk")
        .first()
    )


def give_money_back(booking: Booking, line: OrderLine, by) -> str:
    """The locked, just cancelled ``booking`` was paid online by ``line`` (its order
    locked): its money goes back as the studio chose. Returns what was done: ``refund``,
    ``credit`` or "" (nothing was paid online)."""
    amount = min(line.total, booking.amount_paid)
    if amount <= 0:
        return ""
    how = passes_settings.CANCELLED_BOOKING_MONEY
    if how == CREDIT:
        _as_credit(booking, amount, by)
        return CREDIT
    requested = request_line_refund(
        line.order,
        line,
        reason=_("Booking cancelled in time: %(session)s") % {"session": line.title},
        by=by if getattr(by, "is_authenticated", False) else None,
    )
    facts = {"amount": Money(amount, line.order.currency), "reference": line.order.reference}
    log_action(
        booking,
        "wagtail_passes.booking.payment_refunded",
        by,
        (
            _("%(amount)s paid online goes back with a refund of order %(reference)s")
            if requested
            else _("%(amount)s paid with order %(reference)s: staff give it back by hand")
        )
        % facts,
        amount=str(amount),
        order=line.order.reference,
    )
    return REFUND


def _as_credit(booking: Booking, amount: Decimal, by) -> MemberPass:
    currency = booking.currency or booking.session.programme.currency
    programme = booking.session.programme
    credit = MemberPass.objects.create(
        member=booking.member,
        person_id=booking.person_id,  # F1: the credit is the attending person's
        product=None,
        title=_("Credit from a cancelled booking"),
        kind=ProductKind.MONEY,
        quantity=amount,
        currency=currency,
        price=Decimal(0),
        validity_basis="purchase",
        duration_days=0,
        programme_ids=[programme.pk],
        class_ids=[],
        is_paid=True,
        purchased_at=timezone.now(),
        paid_at=timezone.now(),
    )
    record_movement(
        credit,
        LedgerKind.ISSUE,
        amount,
        by=by,
        reason=_("Booking %(booking)s cancelled in time") % {"booking": booking.pk},
    )
    booking.amount_paid = Decimal(0)
    booking.save(update_fields=["amount_paid"])
    log_action(
        booking,
        "wagtail_passes.booking.payment_refunded",
        by,
        _("%(amount)s paid online given back as money credit")
        % {"amount": Money(amount, currency)},
        amount=str(amount),
        credit_pass=credit.pk,
    )
    return credit
