"""Issuing member passes and the staff tools around them (K6, V7, R3, S4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..exceptions import PassError
from ..models import Hold, LedgerKind, MemberPass, PassStatus, ProductKind, ProductMixin
from ..rules.money import has_valid_precision, minor_unit_digits
from .facts import active_redemptions
from .ledger import record_movement, refresh_validity
from .locking import lock_member_pass


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
) -> MemberPass:
    """Create a member pass with its own copy of the product's rules, and its opening
    ledger movement. Later edits of the product page do not change it."""
    product = _as_product(product)
    now = timezone.now()
    purchased_at = purchased_at or now
    unlimited = product.kind == ProductKind.UNLIMITED
    with transaction.atomic():
        member_pass = MemberPass.objects.create(
            member=member,
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
    return member_pass


def assign_pass(member, product, by, paid: bool = True, reason: str = "") -> MemberPass:
    """K6: staff give a product to a member by hand, without payment, logged."""
    note = _("Assigned by %(staff)s") % {"staff": by}
    if reason.strip():
        note = f"{note}: {reason.strip()}"
    return issue_member_pass(
        member, product, paid=paid, by=by, price=Decimal(0), reason=note, assigned=True
    )


def _fmt(day: dt.date) -> str:
    return date_format(day, "j F Y")


def hold_pass(member_pass: MemberPass, start: dt.date, end: dt.date, by, reason: str = "") -> Hold:
    """V7: the pass cannot pay for sessions from ``start`` to ``end`` (inclusive), and its
    expiry moves out by the hold's length. Refused when it would overlap another hold or
    a session already booked with the pass."""
    if end < start:
        raise PassError(_("The hold must not end before it starts."), code="invalid_hold")
    staff = by is not None and by.has_perm("wagtail_passes.change_memberpass")
    if not staff:
        if by is None or by.pk != member_pass.member_id:
            raise PassError(
                _("Only staff or the pass's holder can hold it."), code="hold_not_allowed"
            )
        if not member_pass.member_can_hold:
            raise PassError(
                _("This pass cannot be put on hold by its holder."), code="hold_not_allowed"
            )
    with transaction.atomic():
        member_pass = lock_member_pass(member_pass)
        if member_pass.status in (PassStatus.CANCELLED, PassStatus.EXPIRED):
            raise PassError(
                _("A %(status)s pass cannot be put on hold.")
                % {"status": member_pass.get_status_display().lower()},
                code="hold_not_allowed",
            )
        for held_from, held_until in member_pass.hold_periods:
            if start <= held_until and held_from <= end:
                raise PassError(
                    _("It is already on hold from %(start)s to %(end)s.")
                    % {"start": _fmt(held_from), "end": _fmt(held_until)},
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
                % {"days": ", ".join(_fmt(d) for d in dict.fromkeys(booked))},
                code="hold_has_bookings",
            )
        hold = Hold.objects.create(
            member_pass=member_pass, starts_on=start, ends_on=end, reason=reason, created_by=by
        )
        member_pass.hold_ranges = sorted(
            [*member_pass.hold_ranges, [start.isoformat(), end.isoformat()]]
        )
        MemberPass.objects.filter(pk=member_pass.pk).update(hold_ranges=member_pass.hold_ranges)
        refresh_validity(member_pass)
    return hold


def adjust_pass(member_pass: MemberPass, amount: Decimal, by, reason: str):
    """R3/S4: staff add to or take from the balance, with a reason. Never below zero."""
    reason = (reason or "").strip()
    if not reason:
        raise PassError(_("Say why you adjust this pass."), code="reason_required")
    if not isinstance(amount, Decimal) or amount == 0:
        raise PassError(_("Enter a non-zero amount."), code="invalid_amount")
    if member_pass.kind == ProductKind.UNLIMITED:
        raise PassError(_("An unlimited pass has no balance to adjust."), code="not_adjustable")
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
    elif amount != amount.to_integral():
        raise PassError(_("Entries, days and credits are whole numbers."), code="invalid_amount")
    with transaction.atomic():
        member_pass = lock_member_pass(member_pass)
        if member_pass.balance + amount < 0:
            raise PassError(
                _("That would leave %(balance)s on the pass; the balance cannot go below 0.")
                % {"balance": member_pass.balance + amount},
                code="negative_balance",
            )
        return record_movement(member_pass, LedgerKind.ADJUST, amount, by=by, reason=reason)
