"""The member passes an order issues, and P4: passes that exist while a bank transfer is on
its way.

A product line issues one member pass per unit. Normally that happens when the order is paid
(C3). When the order is paid by bank transfer or at the venue (``manual``) and the product is
valid for a programme that lets unpaid passes be redeemed (P4 "redeem if unpaid"), the passes
are issued **unpaid when the order is placed**, so the member can book at once; the
eligibility engine lets an unpaid pass pay only in programmes with that setting on. Paying
the order marks those passes paid and lets them settle earlier unpaid bookings (R2) — an
unpaid pass settles nothing, so an order that never gets paid has paid for nothing.

An order whose unpaid passes are unused is cancelled or expires as any other and its passes
are cancelled through the ledger. Once a pass of it has paid for a session the member owes
the order: it cannot be cancelled (``pass_in_use``: staff first cancel those bookings, or
mark the order paid) and it does not expire; it stays awaiting payment.

Locks: the caller holds the order's row lock; member passes are locked by primary key.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..exceptions import CheckoutError
from ..models import (
    MemberPass,
    Order,
    OrderLine,
    PassStatus,
    ProductMixin,
    Programme,
    Renewal,
)
from ..rules.money import quantize
from .facts import active_redemptions
from .locking import lock_member_pass, lock_member_passes
from .passes import issue_member_pass, write_off_pass
from .renewals import follow_renewed_pass
from .settlement import settle_with

MANUAL = "manual"


def issued_when_placed(product: ProductMixin, provider: str) -> bool:
    """P4: a bank-transfer (or pay-at-the-venue) order of ``product`` issues its passes at
    once, unpaid, when some programme the product is valid for redeems unpaid passes. A
    product valid for no programme in particular is valid for all of them."""
    if provider != MANUAL:
        return False
    programmes = Programme.objects.filter(redeem_if_unpaid=True)
    programme_ids = list(product.programmes.values_list("pk", flat=True))
    class_programme_ids = list(product.classes.values_list("programme_id", flat=True))
    if programme_ids or class_programme_ids:
        programmes = programmes.filter(Q(pk__in=programme_ids) | Q(pk__in=class_programme_ids))
    return programmes.exists()


def issue_line_passes(order: Order, line: OrderLine, *, paid: bool) -> list[MemberPass]:
    """One member pass per unit of ``line``, priced at its share of the line, bought when
    the order was placed. Unpaid passes settle nothing (R2 waits for the payment).

    N1: the passes renew when the member opted in (``line.auto_renew``). A renewal order's
    pass continues the pass it renews: it starts the day after that pass ends now
    (``renewals.follow_renewed_pass``, under the renewed pass's lock, so a hold given to it
    meanwhile waits and then moves this pass too), renews in turn and is recorded as the
    renewal's new pass (``services.renewals``)."""
    share = quantize(line.total / line.quantity, order.currency)
    reason = _("Order %(reference)s") % {"reference": order.reference}
    renewal = Renewal.objects.filter(order=order, new_pass__isnull=True).first()
    if renewal is not None:
        lock_member_pass(renewal.member_pass_id)  # issued before the new pass: a smaller pk
        follow_renewed_pass(renewal, strict=False)
    issued = []
    # F1: the line's person holds the passes; a renewal continues the renewed pass's
    # holder; lines from before households are the account holder's.
    holder = line.person or (renewal.member_pass.person if renewal is not None else None)
    for _unit in range(line.quantity):
        member_pass = issue_member_pass(
            holder or order.member,
            line.product,
            paid=paid,
            by=None,
            price=share,
            purchased_at=order.created_at,
            reason=reason,
            settle=paid,
            auto_renew=line.auto_renew or renewal is not None,
            starts_on=renewal.starts_on if renewal is not None else None,
        )
        member_pass.order_line = line
        member_pass.save(update_fields=["order_line"])
        if renewal is not None:
            renewal.new_pass = member_pass
            renewal.save(update_fields=["new_pass"])
            renewal = None  # a renewal order has one line of one pass
        issued.append(member_pass)
    return issued


def unpaid_passes(order: Order) -> list[MemberPass]:
    """The order's passes issued unpaid (P4) and not cancelled, by primary key."""
    return list(
        MemberPass.objects.filter(order_line__order=order, is_paid=False)
        .exclude(status=PassStatus.CANCELLED)
        .order_by("pk")
    )


def pay_line_passes(order: Order, line: OrderLine, *, now=None) -> bool:
    """C3 under P4: the line's unpaid passes become paid and settle the member's earlier
    unpaid bookings (R2). False when the line has none (issue them now instead).

    N1: a renewal order's pass, issued when the order was placed, starts again where the
    pass it renews ends now (a hold or an extension given to it since), as when the pass is
    issued at payment (``renewals.follow_renewed_pass``)."""
    waiting = [p for p in unpaid_passes(order) if p.order_line_id == line.pk]
    if not waiting:
        return False
    now = now or timezone.now()
    renewal = Renewal.objects.filter(order=order).first()
    renewed = [renewal.member_pass_id] if renewal is not None else []
    locked = [p for p in lock_member_passes([*renewed, *waiting]) if p.pk not in renewed]
    if renewal is not None:
        follow_renewed_pass(renewal, strict=False)
        for member_pass in locked:
            member_pass.refresh_from_db()  # its window as moved
    for member_pass in locked:
        member_pass.is_paid, member_pass.paid_at = True, now
        member_pass.save(update_fields=["is_paid", "paid_at"])
        log_action(
            member_pass,
            "wagtail_passes.pass.paid",
            None,
            _("Paid with order %(reference)s") % {"reference": order.reference},
        )
        settle_with(member_pass)
    return True


def in_use(member_passes) -> list[MemberPass]:
    """Those of ``member_passes`` that pay for a session (a redemption not given back)."""
    ids = [p.pk for p in member_passes]
    used = set(
        active_redemptions().filter(member_pass_id__in=ids).values_list("member_pass_id", flat=True)
    )
    return [p for p in member_passes if p.pk in used]


def release_unpaid_passes(order: Order, by, reason: str) -> None:
    """The order is cancelled or expires unpaid: its unused unpaid passes are cancelled
    through the ledger. Refused with ``pass_in_use`` when one of them pays for a session."""
    waiting = unpaid_passes(order)
    if not waiting:
        return
    locked = lock_member_passes(waiting)
    if used := in_use(locked):
        raise pass_in_use_error(used[0])
    for member_pass in locked:
        write_off_pass(member_pass, by, reason)


def pass_in_use_error(member_pass: MemberPass) -> CheckoutError:
    """P4: the order of ``member_pass`` (issued unpaid) is owed: it pays for a session."""
    return CheckoutError(
        _(
            "The pass “%(title)s” from this order has been booked with: the order must be "
            "paid, or those bookings cancelled first."
        )
        % {"title": member_pass.title},
        code="pass_in_use",
    )


__all__ = [
    "in_use",
    "issue_line_passes",
    "issued_when_placed",
    "pass_in_use_error",
    "pay_line_passes",
    "release_unpaid_passes",
    "unpaid_passes",
]
