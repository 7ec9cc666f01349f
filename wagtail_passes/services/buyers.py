"""May this member buy this product? (Judged for the person it is bought for, F1: a user
means the user themself.) Who may view its page (A2) and who may buy it (U5),
decided for the checkout (``services.orders``), which refuses with ``CheckoutError``.

- **A2, page privacy.** A product whose page (or an ancestor) Wagtail restricts to
  logged-in users, to some groups or to a shared password is sold only to members who may
  view it (``products.visibility``). The services have no request: a password restriction
  counts as passed only when the caller says so (``passed_view_restrictions``: the ids
  Wagtail keeps in the visitor's session; the checkout views read them from there, the
  renewal job passes those of the product its member already bought). Refused with
  ``not_visible``; ``details["password"]`` is True when entering a password on the page
  would let the member buy.
- **U5, who may buy.** The requirements and their words come from ``rules.buyers``; this
  module reads the facts about the member they need.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..exceptions import CheckoutError
from ..models import Booking, BookingStatus, MemberPass, ProductMixin, attendee_filter
from ..products.visibility import PASSWORD, unmet_view_restrictions
from ..rules.ages import age_refusal
from ..rules.buyers import ANYONE, BuyerFacts, first_unmet, requirements


def check_visible(member, product: ProductMixin, passed_view_restrictions=()) -> None:
    """A2: refuse a product whose page ``member`` may not view (``not_visible``)."""
    unmet = unmet_view_restrictions(
        product, member, passed_view_restrictions=passed_view_restrictions
    )
    if not unmet:
        return
    if all(restriction.restriction_type == PASSWORD for restriction in unmet):
        raise CheckoutError(
            _("This offer is protected by a password: enter it on the offer's page first."),
            code="not_visible",
            password=True,
        )
    raise CheckoutError(
        _("This product is not offered to you."), code="not_visible", password=False
    )


def check_holder_age(person, product: ProductMixin, day) -> None:
    """F2: refuse a person the product's age range excludes on ``day`` (the day of
    purchase), or one without a date of birth when it has a range (``age_out_of_range``,
    ``needs_birth_date``), in the words of ``rules.ages``."""
    min_age, max_age = product.age_range
    if min_age is None and max_age is None:
        return
    refusal = age_refusal(min_age, max_age, person.date_of_birth, day, person.display_name)
    if refusal is not None:
        raise CheckoutError(refusal.message, code=refusal.code)


def check_buyer(member, product: ProductMixin) -> None:
    """U5: refuse a member the product's requirements exclude (``not_new_joiner``,
    ``not_active_member``, ``membership_required``), in the words of ``rules.buyers``."""
    required = product.required_product.title if product.required_product_id else None
    needed = requirements(product.buyer_restriction, required)
    if not needed:
        return
    facts = buyer_facts(member, product)
    unmet = first_unmet(needed, facts)
    if unmet is not None:
        raise CheckoutError(unmet.refusal(facts), code=unmet.code)


def buyer_facts(member, product: ProductMixin) -> BuyerFacts:
    """What ``rules.buyers`` needs to know about ``member`` for ``product`` (only what its
    requirements ask: a query each)."""
    return buyers_facts(member, [product])[product.pk]


def buyers_facts(member, products) -> dict[int, BuyerFacts]:
    """``buyer_facts`` for several products at once, by product id: at most two queries
    whatever their number (whether the member booked before; their usable passes of every
    membership the products require)."""
    products = list(products)
    has_booked = False
    if any(p.buyer_restriction != ANYONE for p in products):
        has_booked = (
            Booking.objects.filter(attendee_filter(member))
            .exclude(status=BookingStatus.CANCELLED)
            .exists()
        )
    memberships = _memberships(member, {p.required_product_id for p in products} - {None})
    facts = {}
    for product in products:
        holds, unpaid = memberships.get(product.required_product_id, (False, False))
        facts[product.pk] = BuyerFacts(
            has_booked=has_booked and product.buyer_restriction != ANYONE,
            holds_membership=holds,
            membership_unpaid=unpaid,
        )
    return facts


def may_buy(member, products) -> list[ProductMixin]:
    """The products ``member`` meets every U5 requirement of, for lists that offer them
    (the calendar, "Get a pass", a booking refusal): the check ``check_buyer`` makes at
    checkout, in at most two queries. An anonymous visitor is judged at checkout."""
    products = list(products)
    if getattr(member, "pk", None) is None:
        return products
    facts = buyers_facts(member, products)
    return [p for p in products if first_unmet(needs(p), facts[p.pk]) is None]


def needs(product: ProductMixin):
    """``rules.buyers.requirements`` of ``product``; the membership's title is read only
    where a refusal names it (``check_buyer``), so a list pays no query for it."""
    return requirements(product.buyer_restriction, "…" if product.required_product_id else None)


def _memberships(member, product_ids) -> dict[int, tuple[bool, bool]]:
    """(holds it, holds only unpaid ones) per membership product: the member's usable
    passes (active or on hold) of it. One counts when it is paid, or was given without an
    order (staff assigned it, K6); a pass issued before its order is paid (P4) does not.
    One query for all of ``product_ids``."""
    if not product_ids:
        return {}
    usable = MemberPass.objects.filter(attendee_filter(member), product_id__in=product_ids).usable()
    rows = {}
    for product_id, is_paid, order_line in usable.values_list(
        "product_id", "is_paid", "order_line_id"
    ):
        rows.setdefault(product_id, []).append(is_paid or order_line is None)
    return {pk: (any(counted), not any(counted)) for pk, counted in rows.items()}
