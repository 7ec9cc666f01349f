"""Which products are on sale, and which of them would pay for a session (P3's link).

Both are offered to a visitor: products whose page the visitor may not view (A2, Wagtail's
page privacy) are left out. The visitor is ``member`` (None: anonymous) with the page
passwords they entered (``passed_view_restrictions``, as for ``services.orders.quote``)."""

from __future__ import annotations

from django.utils import timezone

from ..models import ProductMixin, Programme, ProgrammeClass, Session, account_of
from ..models.holds import units_taken
from ..products.registry import product_models
from ..products.visibility import visible_to_member, with_privacy_hint
from ..rules.coverage import covers
from ..rules.selling import CODE_REQUIRED, SaleState
from ..rules.types import PassTerms
from .buyers import may_buy
from .facts import session_facts

#: Where ``live_products`` keeps its answer on the request it was asked for.
MEMO_ATTRIBUTE = "_wagtail_passes_live_products"


def live_products(request=None) -> list[ProductMixin]:
    """Every live product page that is not archived, read with what it covers and the
    privacy hint: per product type one query for its pages and two for their programmes
    and classes. With ``request`` they are read once per request and kept
    on it: the calendar's "Get a pass" links and the product list block on the same page
    both ask, and nothing a booking changes is kept (stock is read by the callers)."""
    found = getattr(request, MEMO_ATTRIBUTE, None)
    if found is None:
        found = []
        for model in product_models():
            found += list(
                with_privacy_hint(model.objects.live().filter(is_archived=False)).prefetch_related(
                    "programmes", "classes"
                )
            )
        if request is not None:
            setattr(request, MEMO_ATTRIBUTE, found)
    return list(found)


def products_on_sale(
    now=None, *, member=None, passed_view_restrictions=(), candidates=None
) -> list[ProductMixin]:
    """Live products the visitor can buy now; code-only offers (U6) are private, so left
    out, and so are products whose page the visitor may not view (A2) and, for a member,
    those whose buyer requirements they do not meet (U5: a trial for new joiners once they
    have booked, a members-only product without the membership).
    A constant number of queries: per product type its pages and what they cover (none
    when the caller passes ``candidates``, ``live_products``), then the stock of every
    product with a stock limit at once, then the view restrictions of all (not one query
    per product), then what U5 asks of the member (at most two)."""
    now = now or timezone.now()
    candidates = live_products() if candidates is None else candidates
    taken = units_taken([p.pk for p in candidates if p.stock_limit is not None], now)
    on_sale = [p for p in candidates if offered(p.availability(now, sold=taken.get(p.pk, 0)))]
    # Page privacy is the account's (it logs in); U5 is the attending person's (F1).
    visible = visible_to_member(
        on_sale, account_of(member), passed_view_restrictions=passed_view_restrictions
    )
    return may_buy(member, visible)


def offered(availability: SaleState) -> bool:
    """Whether a list may offer a product in this sale state: it can be bought (A1, A2) and
    needs no access code (U6: a private offer is bought from its own page, with the code)."""
    return availability.can_buy and availability.code != CODE_REQUIRED


def coverage_terms(product: ProductMixin) -> PassTerms:
    """What a pass of ``product`` would cover (U2), for ``rules.coverage.covers``; its
    programmes and classes prefetched by ``products_on_sale``."""
    return PassTerms(
        kind=product.kind,
        quantity=product.quantity,
        currency=product.currency,
        validity_basis=product.validity_basis,
        programme_ids=frozenset(p.pk for p in product.programmes.all()),
        class_ids=frozenset(c.pk for c in product.classes.all()),
    )


def products_covering(
    session: Session, now=None, *, member=None, passed_view_restrictions=(), facts=None
) -> list[ProductMixin]:
    """Live products on sale to the visitor that would cover ``session`` (U2 with P5),
    cheapest first. ``facts`` (``session_facts``) saves reading the class's pool again."""
    facts = facts or session_facts(session)
    result = []
    on_sale = products_on_sale(
        now, member=member, passed_view_restrictions=passed_view_restrictions
    )
    for product in on_sale:
        if covers(coverage_terms(product), facts):
            result.append(product)
    # Cheapest first at today's price (A3's pro-rata, not the full one).
    return sorted(result, key=lambda p: (p.price_today().amount, p.title))


def programmes_covered(passes, limit: int) -> dict[int, list[tuple[str, str]]]:
    """(name, slug) of the programmes each pass covers — its own and its classes' — by
    name, at most ``limit``; a pass valid everywhere gets the site's first ``limit``
    programmes. For "Book a date" links. At most two queries for the whole list."""
    passes = list(passes)
    if not passes:
        return {}
    class_ids = {c for p in passes for c in p.class_ids}
    of_class = (
        dict(ProgrammeClass.objects.filter(pk__in=class_ids).values_list("pk", "programme_id"))
        if class_ids
        else {}
    )
    covered = {
        p.pk: {*p.programme_ids, *(of_class[c] for c in p.class_ids if c in of_class)}
        for p in passes
    }
    everywhere = any(not p.programme_ids and not p.class_ids for p in passes)
    rows = Programme.objects.order_by("name", "pk")
    if not everywhere:
        rows = rows.filter(pk__in=set().union(*covered.values()))
    programmes = list(rows.values_list("pk", "name", "slug")[:500])
    return {
        pk: [(name, slug) for pid, name, slug in programmes if not mine or pid in mine][:limit]
        for pk, mine in covered.items()
    }
