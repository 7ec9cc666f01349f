"""The member's profile (N1, N3): the Stripe customer and card saved for renewals and the
expiry-reminder choice. A member without a profile row has no saved card and wants
reminders (the model's defaults), so readers never need to create one.

Writers take the profile's row lock through ``lock_profile``. In the fixed lock order
(``services/locking.py``) the profile comes last: after the order, its member passes and its
payments (a paid Checkout Session storing its card). Everything else locks it alone, in a
short transaction, never while waiting on Stripe.
"""

from __future__ import annotations

from django.db import transaction

from ..models import MemberProfile


def profile_of(member) -> MemberProfile | None:
    """The member's profile if there is one, read without a lock."""
    return MemberProfile.objects.filter(member=member).first()


def lock_profile(member) -> MemberProfile:
    """The member's profile, created if missing, locked until the transaction ends.
    Two requests creating it at once meet the one-to-one constraint: ``get_or_create``
    then reads the row the other one created."""
    profile, _created = MemberProfile.objects.select_for_update(of=("self",)).get_or_create(
        member=member
    )
    return profile


def wants_expiry_reminders(member) -> bool:
    profile = profile_of(member)
    return True if profile is None else profile.expiry_reminders


@transaction.atomic
def set_expiry_reminders(member, wanted: bool) -> MemberProfile:
    """Record the member's choice; saving the same value again changes nothing."""
    profile = lock_profile(member)
    if profile.expiry_reminders != wanted:
        profile.expiry_reminders = wanted
        profile.save(update_fields=["expiry_reminders", "updated_at"])
    return profile
