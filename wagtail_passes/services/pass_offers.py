"""P3's "Get a pass": the products that would pay for a session, for one member, each with
what it costs per session and, where the member already ordered it and has not paid yet,
that order instead of a second purchase.

Which products are offered is decided by the same functions everywhere (the calendar, this
page, the booking refusal): ``catalogue.products_on_sale`` (A1 stock, A2 sale window and
page privacy, U5 who may buy, U6 code-only offers left out), ``rules.coverage.covers`` (U2
with P5's pools), and ``held_back`` below (a product whose pass the member holds but a
limit or a hold stops for a while is not offered again). Read-only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ..models import OrderLine, OrderState, attendee_filter
from ..models.holds import holding
from ..rules.money import Money
from ..rules.per_session import cheapest_first_key, pays_one, per_session_cost
from ..rules.types import SessionFacts
from .catalogue import products_covering


@dataclass(frozen=True)
class PendingOrder:
    """An order of the member's awaiting payment (C5: resumable from its page)."""

    reference: str


@dataclass(frozen=True)
class PassOption:
    """One product that would pay for the session, as the "Get a pass" page lists it."""

    product: object
    price: Money  # today's (A3)
    per_session: Money | None  # None: unlimited (no per-session number)
    pending: PendingOrder | None = None


def held_back(evaluated) -> set[int]:
    """Products of passes the member holds that only a limit or a hold stops for a while:
    buying a second 10-class pass is not the answer to a weekly limit. ``evaluated`` is
    ``[(pass, verdict)]`` or passes carrying ``.verdict`` (``evaluate_member_passes``)."""
    found = set()
    for item in evaluated:
        member_pass, verdict = item if isinstance(item, tuple) else (item, item.verdict)
        if verdict.temporary and member_pass.product_id is not None:
            found.add(member_pass.product_id)
    return found


def pending_orders(member, product_ids, now: dt.datetime | None = None) -> dict[int, PendingOrder]:
    """The member's orders awaiting payment that still hold (``models.holds.holding``: not
    expired, cancelled or past their hold), by product id: the newest order per product.
    One query, whatever the number of products."""
    ids = list(product_ids)
    if getattr(member, "pk", None) is None or not ids:
        return {}
    lines = (
        OrderLine.objects.filter(
            # F1: the lines bought for this person (a user: themself)
            attendee_filter(member),
            order__state=OrderState.PENDING,
            product_id__in=ids,
        )
        .filter(holding(now or timezone.now(), through="order"))
        .order_by("order__created_at", "order_id")
        .values_list("product_id", "order__reference")
    )
    # Oldest first, so the newest order of a product is the one kept.
    return {product_id: PendingOrder(reference) for product_id, reference in lines}


def offered(covering, evaluated, facts: SessionFacts) -> list:
    """Those of ``covering`` (products on sale covering the session) to offer the member: not
    one whose pass they hold but a limit or a hold stops for a while (``held_back``), and only
    one whose new pass could pay for it — not 20 EUR of credit for a 25 EUR class, nor 2
    credits for a 3-credit one. The calendar, the "Get a pass" page and the booking refusal
    all ask this."""
    waiting_for = held_back(evaluated)
    return [
        p
        for p in covering
        if p.pk not in waiting_for
        and pays_one(p.kind, p.quantity, credit_cost=facts.credit_cost, unit_price=facts.unit_price)
    ]


def options_for(
    products, facts: SessionFacts, pending: dict[int, PendingOrder], today=None
) -> list[PassOption]:
    """``products`` (``offered``) as options: today's price, the cost per session
    (``rules.per_session``), the pending order; cheapest per session first."""
    options = []
    for product in products:
        price = product.price_today(today)
        options.append(
            PassOption(
                product=product,
                price=price,
                per_session=per_session_cost(
                    kind=product.kind,
                    quantity=product.quantity,
                    price=price,
                    credit_cost=facts.credit_cost,
                    unit_price=facts.unit_price,
                ),
                pending=pending.get(product.pk),
            )
        )
    options.sort(key=lambda o: cheapest_first_key(o.per_session, o.price, o.product.title))
    return options


def pass_options(
    member, session, evaluated, *, passed_view_restrictions=(), now=None
) -> list[PassOption]:
    """The products that would pay for ``session`` that ``member`` may buy, as options.
    ``evaluated`` is ``evaluate_member_passes(member, session)``."""
    from .facts import session_facts

    now = now or timezone.now()
    facts = session_facts(session)
    covering = products_covering(
        session, now, member=member, passed_view_restrictions=passed_view_restrictions, facts=facts
    )
    products = offered(covering, evaluated, facts)
    pending = pending_orders(member, [p.pk for p in products], now)
    return options_for(products, facts, pending)
