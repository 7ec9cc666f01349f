"""Test helpers for households (F1): the account holders' own people, made in bulk."""

from __future__ import annotations

from wagtail_passes.models import Person


def holders(users) -> dict[int, Person]:
    """Each user's own person, by user id: made with one insert for those that lack one."""
    users = list(users)
    ids = [getattr(u, "pk", u) for u in users]
    found = {p.account_id: p for p in Person.objects.filter(account_id__in=ids, is_holder=True)}
    Person.objects.bulk_create(
        [Person(account_id=pk, is_holder=True) for pk in ids if pk not in found]
    )
    return {p.account_id: p for p in Person.objects.filter(account_id__in=ids, is_holder=True)}
