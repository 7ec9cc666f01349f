"""Managing a household (F1, F3): the account holder (or staff) adds dependants, changes
their details and removes them.

A dependant removed keeps their history (passes, bookings, orders still name them); they
can no longer be booked for. One with bookings or waiting-list places still to come is
not removed: those are cancelled first, each under its own rules (P6). Staff actions are
audited (S5).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..bounds import FIRST_BIRTH_YEAR as FIRST_YEAR
from ..exceptions import HouseholdError
from ..models import Booking, Person, WaitlistEntry, WaitlistStatus
from ..models.bookings import ACTIVE_BOOKING
from ..models.households import MAX_DEPENDANTS
from ..presentation import local_today
from .inputs import check_member
from .permissions import MANAGE_BOOKINGS, acts_for_member, require_member_or_staff

MAX_NAME = Person._meta.get_field("name").max_length
MAX_NOTES = Person._meta.get_field("staff_notes").max_length
UNCHANGED = object()


def _clean_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise HouseholdError(_("Give the dependant's name."), code="invalid_name")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise HouseholdError(
            _("A name has at most %(max)d characters.") % {"max": MAX_NAME}, code="invalid_name"
        )
    return name


def _clean_birth(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise HouseholdError(_("Enter a valid date of birth."), code="invalid_birth_date")
    if value > local_today() or value.year < FIRST_YEAR:
        raise HouseholdError(
            _("A date of birth lies in the past, after %(year)d.") % {"year": FIRST_YEAR},
            code="invalid_birth_date",
        )
    return value


def _clean_notes(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_NOTES:
        raise HouseholdError(
            _("Notes have at most %(max)d characters.") % {"max": MAX_NOTES}, code="invalid_notes"
        )
    return value.strip()


def add_dependant(account, name, *, date_of_birth=None, staff_notes="", by=None) -> Person:
    """F1: add a dependant (no login of their own) to ``account``'s household."""
    check_member(account, HouseholdError)
    require_member_or_staff(account, by, MANAGE_BOOKINGS, HouseholdError)
    person = Person(
        account=account,
        name=_clean_name(name),
        date_of_birth=_clean_birth(date_of_birth),
        staff_notes=_clean_notes(staff_notes),
    )
    with transaction.atomic():
        Person.objects.holder_of(account)  # the holder first: the household's own row
        # Counted under the account's holder row lock, so two tabs cannot pass the bound.
        Person.objects.select_for_update().filter(account=account, is_holder=True).first()
        if Person.objects.current().filter(account=account, is_holder=False).count() >= (
            MAX_DEPENDANTS
        ):
            raise HouseholdError(
                _("A household holds at most %(max)d dependants.") % {"max": MAX_DEPENDANTS},
                code="too_many_people",
            )
        _check_name_free(account, person.name)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:  # the same name added at the same instant by another request
            raise _name_taken(person.name) from None
        if acts_for_member(account, by, MANAGE_BOOKINGS):
            log_action(
                person,
                "wagtail_passes.person.add",
                by,
                _("%(name)s added to the household of %(member)s")
                % {"name": person.name, "member": account},
                account=account.pk,
            )
    return person


def update_person(
    person: Person, *, name=UNCHANGED, date_of_birth=UNCHANGED, staff_notes=UNCHANGED, by=None
) -> Person:
    """Change a person's details. The account holder's name is their account's."""
    require_member_or_staff(person.account, by, MANAGE_BOOKINGS, HouseholdError)
    changed = {}
    if name is not UNCHANGED:
        if person.is_holder:
            raise HouseholdError(
                _("The account holder's name is their account's."), code="holder_name"
            )
        changed["name"] = _clean_name(name)
    if date_of_birth is not UNCHANGED:
        changed["date_of_birth"] = _clean_birth(date_of_birth)
    if staff_notes is not UNCHANGED:
        changed["staff_notes"] = _clean_notes(staff_notes)
    if person.removed_at is not None:
        raise HouseholdError(
            _("%(name)s is no longer in this household.") % {"name": person.display_name},
            code="person_removed",
        )
    with transaction.atomic():
        if person.pk is None:  # the holder's own row, shown before it existed
            person = Person.objects.holder_of(person.account)
        if "name" in changed:
            _check_name_free(person.account, changed["name"], but=person.pk)
        for field, value in changed.items():
            setattr(person, field, value)
        person.save(update_fields=list(changed) or None)
        if changed and acts_for_member(person.account, by, MANAGE_BOOKINGS):
            log_action(
                person,
                "wagtail_passes.person.change",
                by,
                _("Changed %(fields)s") % {"fields": ", ".join(sorted(changed))},
                **{k: str(v) for k, v in changed.items()},
            )
    return person


def _check_name_free(account, name: str, but=None) -> None:
    taken = Person.objects.current().filter(account=account, is_holder=False, name__iexact=name)
    if taken.exclude(pk=but).exists():
        raise _name_taken(name)


def _name_taken(name: str) -> HouseholdError:
    return HouseholdError(
        _("%(name)s is in your household already.") % {"name": name}, code="duplicate_name"
    )


def upcoming_commitments(person: Person) -> tuple[int, int]:
    """(active bookings, waiting-list places) of ``person`` on sessions still to start."""
    now = timezone.now()
    booked = Booking.objects.filter(ACTIVE_BOOKING, person=person, session__start__gt=now)
    waiting = WaitlistEntry.objects.filter(
        person=person, status=WaitlistStatus.WAITING, session__start__gt=now
    )
    return booked.count(), waiting.count()


def remove_dependant(person: Person, by=None) -> Person:
    """F1: take a dependant out of the household. Refused for the account holder, and
    while they have bookings or waiting-list places to come (cancel those first)."""
    require_member_or_staff(person.account, by, MANAGE_BOOKINGS, HouseholdError)
    if person.is_holder:
        raise HouseholdError(
            _("The account holder cannot be removed from their own household."),
            code="holder_not_removable",
        )
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.removed_at is not None:
            return person
        booked, waiting = upcoming_commitments(person)
        if booked or waiting:
            raise HouseholdError(
                _(
                    "%(name)s still has %(booked)d booking(s) and %(waiting)d waiting-list "
                    "place(s) to come; cancel them first."
                )
                % {"name": person.name, "booked": booked, "waiting": waiting},
                code="has_upcoming_bookings",
            )
        person.removed_at = timezone.now()
        person.save(update_fields=["removed_at"])
        if acts_for_member(person.account, by, MANAGE_BOOKINGS):
            log_action(
                person,
                "wagtail_passes.person.remove",
                by,
                _("%(name)s removed from the household") % {"name": person.name},
            )
    return person


__all__ = ["add_dependant", "remove_dependant", "update_person", "upcoming_commitments"]
