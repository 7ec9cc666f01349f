"""My passes (M1): each of the member's passes with what it has used, how it stands today
(green, yellow, red, always with the words), until when it is valid, whether it renews and
whether it awaits payment; one pass's page adds its ledger (R3) and the bookings it paid.

Only the member's own passes exist here: any other id is a 404, for staff too (they see
passes in the admin). The pages only read; turning renewal on or off (N1) is a POST to
``member.renewal``.

Renewal (N1, N2) on each card: "Renews on <day>" (``services.renewals.renewal_due_on``, the
day the job creates the order), then, once the renewal order exists, how it stands from that
order's state ("awaiting payment", "Renewed", "Renewal stopped": ``renewals.renewal_phrase``),
the commitment's progress and whether the member may turn renewal on or off here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .. import services
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
    format_day,
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
from ..services.catalogue import programmes_covered
from ..services.facts import load_redemptions, nearby_range, state_of, terms_of
from ..services.renewals import commitment_progress_for, renewal_due_on, renewal_phrase
from . import household

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
    renewal: str  # how it renews; once its renewal order exists, safe HTML linking that order
    awaiting_order: str  # the reference of the order awaiting payment, else ""
    renewal_order: str = ""  # the reference of the order that renews it, else ""
    commitment: str = ""  # "3 of 12 payments made, 9 to go" (N2), else ""
    stop_after: str = ""  # "You can stop renewing after 9 more payments.", else ""
    can_opt_in: bool = False
    can_opt_out: bool = False
    # M3: (programme name, its "Book a date" page) for a current pass, at most three.
    book_links: tuple = ()
    person: str = ""  # F1: whom it is for, in a household with dependants ("" otherwise)

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
        .select_related("order_line__order", "renewal__order")
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


@dataclass(frozen=True)
class RenewalOffer:
    """What the product (today) says about renewing: its "renew when" (a ``RenewWhen``
    value) and whether members may opt in."""

    when: str
    allowed: bool


def _renewal_offers(passes) -> dict[int, RenewalOffer]:
    """The products' renewal settings for the passes that may show them (set to renew, or
    still current): one query per product page type, none when there is no such pass."""
    product_ids = {
        p.product_id
        for p in passes
        if p.product_id and (p.auto_renew or p.status not in ("cancelled", "expired"))
    }
    if not product_ids:
        return {}
    offers = {}
    for model in product_models():
        rows = model.objects.filter(pk__in=product_ids).values_list(
            "pk", "renew_when", "allow_auto_renew"
        )
        for pk, value, allowed in rows:
            offers[pk] = RenewalOffer(value if value in RenewWhen.values else "", allowed)
    return offers


def _renewal_of(member_pass):
    """The pass's ``Renewal`` (loaded with ``own_passes``), or None."""
    try:
        return member_pass.renewal
    except MemberPass.renewal.RelatedObjectDoesNotExist:
        return None


def _renewal_words(member_pass, offer: RenewalOffer | None, renewal) -> str:
    if renewal is not None:
        return _linked_renewal(renewal)
    due = renewal_due_on(member_pass)
    if due is not None:
        return _("Renews on %(day)s") % {"day": format_day(due)}
    return words.renewal(member_pass.auto_renew, member_pass.renew_when or (offer and offer.when))


def _linked_renewal(renewal) -> str:
    """How the renewal stands, from its order's state (``renewals.renewal_phrase``: awaiting
    payment, renewed, stopped, ...), its reference a link to the order."""
    reference = renewal.order.reference
    link = format_html(
        '<a href="{}">{}</a>', reverse("wagtail_passes:order", args=[reference]), reference
    )
    phrase = conditional_escape(renewal_phrase(renewal.order.state))
    return mark_safe(phrase % {"reference": link})  # the words escaped, the link built safe


def _renewal_fields(member_pass, is_current: bool, offer, progress) -> dict:
    renewal = _renewal_of(member_pass)
    renewing = member_pass.auto_renew and renewal is None
    committed = progress is not None and progress.required and renewing
    return {
        "renewal": _renewal_words(member_pass, offer, renewal),
        "renewal_order": renewal.order.reference if renewal is not None else "",
        "commitment": progress.describe() if committed else "",
        "stop_after": progress.stop_after() if committed else "",
        "can_opt_in": bool(
            not member_pass.auto_renew
            and renewal is None
            and is_current
            and offer is not None
            and offer.allowed
        ),
        "can_opt_out": bool(renewing and (progress is None or progress.met)),
    }


def _card(member_pass, standing_today, today, offers, progress) -> PassCard:
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
        awaiting_order=order_line.order.reference if awaiting else "",
        **_renewal_fields(
            member_pass,
            standing_today.is_current,
            offers.get(member_pass.product_id),
            progress.get(member_pass.pk),
        ),
    )


#: At most this many "Book a date" links on one pass (a pass valid everywhere, a big site).
MAX_BOOK_LINKS = 3


def book_links_for(passes: list[MemberPass]) -> dict[int, tuple]:
    """M3: for each pass, (programme name, URL of its "Book a date" page) of the programmes
    it covers (``services.catalogue.programmes_covered``)."""
    covered = programmes_covered(passes, MAX_BOOK_LINKS)
    return {
        pk: tuple(
            (name, reverse("wagtail_passes:programme_sessions", args=[slug]))
            for name, slug in programmes
        )
        for pk, programmes in covered.items()
    }


def pass_cards(passes: list[MemberPass], today=None) -> list[PassCard]:
    """Cards for ``passes`` (from ``own_passes``), standings judged on ``today`` from the
    redemptions of today's week and month, loaded for all of them in one query."""
    today = today or local_today()
    open_ids = [p.pk for p in passes if p.status not in ("cancelled", "expired")]
    redemptions = load_redemptions(open_ids, *nearby_range(today)) if open_ids else {}
    offers = _renewal_offers(passes)
    # N2: the chains' payments, one query, only when some pass carries a commitment.
    committed = [p for p in passes if p.commitment_payments and p.auto_renew]
    progress = commitment_progress_for(committed) if committed else {}
    cards = []
    for member_pass in passes:
        state = state_of(member_pass, redemptions.get(member_pass.pk, ()))
        today_standing = standing(terms_of(member_pass), state, today)
        cards.append(_card(member_pass, today_standing, today, offers, progress))
    # M3: where to book with each pass that can still be used, two queries for all of them.
    links = book_links_for([card.member_pass for card in cards if card.standing.is_current])
    for card in cards:
        card.book_links = links.get(card.member_pass.pk, ())
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
    people = services.household(request.user)
    shown = household.shown_person(request, people)  # F1: "Show: Everyone · Me · Ana"
    passes = own_passes(request.user).filter(**household.show_filter(shown))
    cards = pass_cards(list(passes.select_related("person").order_by("purchased_at", "pk")))
    for card in cards:
        card.person = household.label_of(card.member_pass.person, people)
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
        "switcher": household.switcher(reverse("wagtail_passes:my_passes"), people, shown),
        "member_page": "passes",
        "renewal_outcome": renewal_outcome(request),
    }
    return TemplateResponse(request, "wagtail_passes/member/my_passes.html", context)


def _about(entry) -> str:
    return format_session_time(entry.session) if entry.session_id else ""


#: What a renewal POST did, shown on the page it returns to (``?renewal=on``).
RENEWAL_OUTCOMES = {
    "on": lambda: _("This pass now renews automatically."),
    "off": lambda: _("This pass no longer renews automatically."),
}


def renewal_outcome(request) -> str:
    text = RENEWAL_OUTCOMES.get(request.GET.get("renewal", ""))
    return text() if text else ""


@require_safe
def my_pass(request, pk: int):
    if not request.user.is_authenticated:
        return login_first(request)
    return pass_page(request, pk)


def pass_page(request, pk: int, *, error: str = "", status: int = 200):
    """One of the member's passes; ``error`` is a refused renewal change (N1, N2)."""
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
        "renewal_outcome": "" if error else renewal_outcome(request),
        "renewal_error": error,
    }
    return TemplateResponse(request, "wagtail_passes/member/my_pass.html", context, status=status)
