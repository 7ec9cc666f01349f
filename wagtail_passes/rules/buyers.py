"""Who may buy a product (U5): one list of requirements, read both for the words a visitor
sees before buying (the product page's notes) and for the check the checkout makes, so the
two never disagree.

- **Only new joiners**: no earlier booking (cancelled ones do not count).
- **Only active members**: at least one earlier booking.
- **Membership required**: an active or on-hold pass of the named product that is *paid*,
  or that the studio gave without an order (assigned by staff, K6). A pass issued before
  payment (P4, "redeem if unpaid") does not count until its order is paid.

Pure: the services read the facts about a buyer (``BuyerFacts``) from the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

# The same values as the model's BuyerRestriction.
ANYONE = "anyone"
NEW_JOINERS = "new_joiners"
ACTIVE_MEMBERS = "active_members"

NOT_NEW_JOINER = "not_new_joiner"
NOT_ACTIVE_MEMBER = "not_active_member"
MEMBERSHIP_REQUIRED = "membership_required"


@dataclass(frozen=True)
class BuyerFacts:
    """What the requirements ask of a buyer."""

    has_booked: bool = False  # an earlier booking that was not cancelled
    holds_membership: bool = False  # a usable pass of the required product, paid or given
    membership_unpaid: bool = False  # only a usable pass of it whose order awaits payment


@dataclass(frozen=True)
class Requirement:
    """One condition on the buyer: its refusal code and the note a visitor reads."""

    code: str
    note: str
    required_product: str = ""  # the membership's title, for its refusal

    def met_by(self, facts: BuyerFacts) -> bool:
        if self.code == NOT_NEW_JOINER:
            return not facts.has_booked
        if self.code == NOT_ACTIVE_MEMBER:
            return facts.has_booked
        return facts.holds_membership

    def refusal(self, facts: BuyerFacts) -> str:
        """Why a buyer who does not meet it cannot buy."""
        if self.code == NOT_NEW_JOINER:
            return _("Only new joiners can buy this: you have booked before.")
        if self.code == NOT_ACTIVE_MEMBER:
            return _("Only members who have booked before can buy this.")
        if facts.membership_unpaid:
            return _(
                "Your “%(required)s” is not paid yet: you can buy this once its order is paid."
            ) % {"required": self.required_product}
        return _("Only holders of an active, paid “%(required)s” can buy this.") % {
            "required": self.required_product
        }


def requirements(restriction: str = ANYONE, required_product: str | None = None):
    """The requirements a buyer must meet, in the order they are checked; none when anyone
    may buy. ``required_product`` is the title of the membership product, if any."""
    found = []
    if restriction == NEW_JOINERS:
        found.append(Requirement(NOT_NEW_JOINER, _("Only for new joiners (no earlier bookings).")))
    elif restriction == ACTIVE_MEMBERS:
        found.append(Requirement(NOT_ACTIVE_MEMBER, _("Only for members who have booked before.")))
    elif restriction != ANYONE:
        raise ValueError(f"unknown buyer restriction: {restriction!r}")
    if required_product:
        note = _(
            "Only for members holding an active, paid “%(product)s” (or one the studio gave them)."
        ) % {"product": required_product}
        found.append(Requirement(MEMBERSHIP_REQUIRED, note, required_product))
    return tuple(found)


def first_unmet(needed, facts: BuyerFacts) -> Requirement | None:
    """The first of ``needed`` that ``facts`` do not meet, or None."""
    return next((requirement for requirement in needed if not requirement.met_by(facts)), None)


def who_may_buy(restriction: str = ANYONE, required_product: str | None = None) -> tuple[str, ...]:
    """Notes for the visitor about who may buy it (U5); empty when anyone may."""
    return tuple(requirement.note for requirement in requirements(restriction, required_product))
