"""May this member buy this product? Who may view its page (A2) and who may buy it (U5),
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
from ..models import Booking, BookingStatus, MemberPass, ProductMixin
from ..products.visibility import PASSWORD, unmet_view_restrictions
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
    has_booked = False
    if product.buyer_restriction != ANYONE:
        has_booked = (
            Booking.objects.filter(member=member).exclude(status=BookingStatus.CANCELLED).exists()
        )
    holds, unpaid = False, False
    if product.required_product_id:
        holds, unpaid = _membership(member, product.required_product_id)
    return BuyerFacts(has_booked=has_booked, holds_membership=holds, membership_unpaid=unpaid)


def _membership(member, product_id: int) -> tuple[bool, bool]:
    """(holds it, holds only unpaid ones): the member's usable passes (active or on hold)
    of the membership product. One counts when it is paid, or was given without an order
    (staff assigned it, K6); a pass issued before its order is paid (P4) does not."""
    usable = MemberPass.objects.filter(member=member, product_id=product_id).usable()
    rows = list(usable.values_list("is_paid", "order_line_id"))
    holds = any(is_paid or order_line is None for is_paid, order_line in rows)
    return holds, bool(rows) and not holds
