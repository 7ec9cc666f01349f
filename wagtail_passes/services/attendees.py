"""Who a service acts for (F1): a ``Person`` of a household, or a user meaning the user
themself. Every public service that books, waits, registers or buys for someone resolves
its first argument here, so hosts that pass ``request.user`` keep working unchanged."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..exceptions import BookingError
from ..models import Person
from .inputs import check_member


def attendee(who, error_class=BookingError) -> Person:
    """The person ``who`` names, with ``.account`` loaded: a Person as given (refused once
    removed from its household), or a user's own person (made on first use). The account
    must be a saved, active user (``not_logged_in``, ``inactive_member``)."""
    if isinstance(who, Person):
        if who.pk is None:
            raise error_class(_("Choose someone of the household."), code="unknown_person")
        check_member(who.account, error_class)
        if who.removed_at is not None:
            raise error_class(
                _("%(name)s is no longer in this household.") % {"name": who.display_name},
                code="person_removed",
            )
        return who
    check_member(who, error_class)
    person = Person.objects.holder_of(who)
    person.account = who  # known already: no query to read it back
    return person


def person_of_account(account, person_id, error_class=BookingError) -> Person:
    """The person ``person_id`` (as a form sends it) of ``account``'s household, refused
    as ``unknown_person`` when it is not theirs, removed or not a number."""
    try:
        pk = int(str(person_id).strip())
    except (TypeError, ValueError):
        pk = None
    person = (
        Person.objects.current().filter(pk=pk, account=account).first() if pk is not None else None
    )
    if person is None:
        raise error_class(_("Choose someone of your household."), code="unknown_person")
    person.account = account
    return person


def household(account) -> list[Person]:
    """The account holder first, then their current dependants by name. Reads only: the
    holder's own person is shown even before it exists in the database (unsaved)."""
    people = list(Person.objects.current().filter(account=account))
    if not any(p.is_holder for p in people):
        people.insert(0, Person(account=account, is_holder=True))
    for person in people:
        person.account = account
    return people


def person_label(person: Person) -> str:
    """How the member's own pages name someone of their household: "Me", or the name."""
    return _("Me") if person.is_holder else person.display_name


__all__ = ["attendee", "household", "person_label", "person_of_account"]
