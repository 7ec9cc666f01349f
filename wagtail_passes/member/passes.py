"""My passes (M1): each of the member's passes with what it has used, how it stands today
(green, yellow, red, always with the words), until when it is valid, whether it renews and
whether it awaits payment; one pass's page adds its ledger (R3) and the bookings it paid.

Only the member's own passes exist here: any other id is a 404, for staff too (they see
passes in the admin). Nothing is written: the pages only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from ..checkout.views import login_first
from ..compat import PAGE_MODEL
from ..models import (
    Booking,
    LedgerEntry,
    LedgerKind,
    MemberPass,
    OrderState,
    RenewWhen,
)
from ..presentation import (
    EMPTY,
    format_session_time,
    format_weekday_moment,
    ledger_row,
    local_today,
    pass_attendees,
    pass_balance,
    pass_coverage,
    pass_usage_limit,
    pass_valid_until,
    pass_validity_rule,
)
from ..products.registry import index_models, product_models
from ..rules import standing as words
from ..rules.standing import Standing, standing
from ..rules.types import UNLIMITED
from ..services.facts import load_redemptions, nearby_range, state_of, terms_of

#: How many product index pages the empty state links to.
MAX_SHOP_LINKS = 3


@dataclass
class PassCard:
    """One member pass as My passes shows it."""

    member_pass: MemberPass
    standing: Standing
    usage: str
    progress_max: str  # "" for unlimited passes: no progress element
    progress_value: str
    balance: str
    valid_until: str
    renewal: str
    awaiting_order: str  # the reference of the order awaiting payment, else ""

    @property
    def colour(self) -> str:
        return self.standing.colour


def own_passes(user):
    """The member's passes with the sums their cards need, in one query."""
    redeem = Q(ledger__kind=LedgerKind.REDEEM)
    give_back = Q(ledger__kind=LedgerKind.RETURN, ledger__reverses__kind=LedgerKind.REDEEM)
    zero = Decimal(0)
    return (
        MemberPass.objects.filter(member=user)
        .select_related("order_line__order")
        .annotate(
            issued_sum=Coalesce(
                Sum("ledger__amount", filter=Q(ledger__kind__in=["issue", "adjust"])), zero
            ),
            used_sum=Coalesce(Sum("ledger__amount", filter=redeem | give_back), zero),
            places_sum=Coalesce(
                Sum("ledger__attendees", filter=redeem & Q(ledger__reversal__isnull=True)), 0
            ),
        )
    )


def _renew_when_labels(passes) -> dict[int, str]:
    """The product's "renew when" of each pass set to renew: one query per product page
    type, and none when no pass renews."""
    product_ids = {p.product_id for p in passes if p.auto_renew and p.product_id}
    if not product_ids:
        return {}
    labels = {}
    for model in product_models():
        rows = model.objects.filter(pk__in=product_ids).values_list("pk", "renew_when")
        for pk, value in rows:
            labels[pk] = str(RenewWhen(value).label) if value in RenewWhen.values else ""
    return labels


def _card(member_pass, standing_today, today, renew_labels) -> PassCard:
    total = max(member_pass.issued_sum, Decimal(0))
    used = min(max(-member_pass.used_sum, Decimal(0)), total)
    unlimited = member_pass.kind == UNLIMITED
    order_line = member_pass.order_line
    awaiting = (
        not member_pass.is_paid
        and standing_today.code != "cancelled"
        and order_line is not None
        and order_line.order.state == OrderState.PENDING
    )
    return PassCard(
        member_pass=member_pass,
        standing=standing_today,
        usage=words.usage(
            member_pass.kind, used, total, member_pass.currency, member_pass.places_sum
        ),
        progress_max="" if unlimited or not total else str(total),
        progress_value=str(used),
        balance=pass_balance(member_pass),
        valid_until=words.time_left(
            member_pass.valid_until,
            today,
            ended=not standing_today.is_current,
            fallback=pass_valid_until(member_pass),
        ),
        renewal=words.renewal(member_pass.auto_renew, renew_labels.get(member_pass.product_id)),
        awaiting_order=order_line.order.reference if awaiting else "",
    )


def pass_cards(passes: list[MemberPass], today=None) -> list[PassCard]:
    """Cards for ``passes`` (from ``own_passes``), standings judged on ``today`` from the
    redemptions of today's week and month, loaded for all of them in one query."""
    today = today or local_today()
    open_ids = [p.pk for p in passes if p.status not in ("cancelled", "expired")]
    redemptions = load_redemptions(open_ids, *nearby_range(today)) if open_ids else {}
    labels = _renew_when_labels(passes)
    cards = []
    for member_pass in passes:
        state = state_of(member_pass, redemptions.get(member_pass.pk, ()))
        today_standing = standing(terms_of(member_pass), state, today)
        cards.append(_card(member_pass, today_standing, today, labels))
    return cards


def shop_links(request) -> list[tuple[str, str]]:
    """(title, url) of the live product index pages, where passes are sold."""
    models = index_models()
    if not models:
        return []
    pages = apps.get_model(PAGE_MODEL).objects.type(*models).live().public().order_by("path")
    links = []
    for page in pages[:MAX_SHOP_LINKS]:
        url = page.get_url(request)
        if url:
            links.append((page.title, url))
    return links


@require_safe
def my_passes(request):
    if not request.user.is_authenticated:
        return login_first(request)
    cards = pass_cards(list(own_passes(request.user).order_by("purchased_at", "pk")))
    current = [card for card in cards if card.standing.is_current]
    past = sorted(
        (card for card in cards if not card.standing.is_current),
        key=lambda card: (card.member_pass.purchased_at, card.member_pass.pk),
        reverse=True,
    )
    context = {
        "current": current,
        "past": past,
        "shop_links": shop_links(request) if not cards else [],
        "member_page": "passes",
    }
    return TemplateResponse(request, "wagtail_passes/member/my_passes.html", context)


def _about(entry) -> str:
    return format_session_time(entry.session) if entry.session_id else ""


@require_safe
def my_pass(request, pk: int):
    if not request.user.is_authenticated:
        return login_first(request)
    member_pass = get_object_or_404(own_passes(request.user), pk=pk)
    (card,) = pass_cards([member_pass])
    ledger = (
        LedgerEntry.objects.filter(member_pass=member_pass)
        .select_related("created_by", "session__programme_class")
        .order_by("created_at", "pk")
    )
    bookings = (
        Booking.objects.filter(member_pass=member_pass)
        .select_related("session__programme_class")
        .order_by("-session__start", "-pk")
    )
    context = {
        "card": card,
        "member_pass": member_pass,
        "ledger_rows": [ledger_row(entry, member_pass, _about(entry)) for entry in ledger],
        "bookings": [
            {
                "booking": booking,
                "when": format_weekday_moment(booking.session.start),
                "class_name": booking.session.programme_class.name,
            }
            for booking in bookings
        ],
        "validity_rule": pass_validity_rule(member_pass),
        "usage_limit": pass_usage_limit(member_pass),
        "coverage": pass_coverage(member_pass),
        "attendees_rule": pass_attendees(member_pass),
        "empty": EMPTY,
        "member_page": "passes",
    }
    return TemplateResponse(request, "wagtail_passes/member/my_pass.html", context)
