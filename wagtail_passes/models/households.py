"""Households (F1, F2): the people an account books and pays for.

A ``Person`` attends sessions. Every account holder has one for themself
(``is_holder``), made the first time something is booked or bought for them, and may add
dependants: a child or a partner without a login, with a name, an optional date of
birth and notes for staff. Member passes, bookings, waiting-list entries and
registrations belong to a person, and every rule judged "per member" (P2 duplicates, U1
limits, U5 who may buy, R1 order, R2 settling, N1 renewals) is judged per person.

The account holder stays on each of those rows as ``member``: the one who pays, manages
and receives the emails. ``member`` is always ``person.account``; the models fill one from
the other (``fill_attendee``), so code that only knows a user keeps working and means the
user themself.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from ..bounds import BIRTH_DATE_VALIDATORS
from ..rules.ages import age_on

#: Dependants one account may hold; a form can add no more.
MAX_DEPENDANTS = 20


class PersonQuerySet(models.QuerySet):
    def current(self):
        """People who may still be booked for (a removed dependant keeps their history)."""
        return self.filter(removed_at__isnull=True)

    def holder_of(self, user) -> Person:
        """The account holder's own person, made on first use. Safe under races: a
        concurrent first use finds the row the other made."""
        user_id = getattr(user, "pk", user)
        found = self.filter(account_id=user_id, is_holder=True).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return self.create(account_id=user_id, is_holder=True)
        except IntegrityError:
            return self.get(account_id=user_id, is_holder=True)


class Person(models.Model):
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account holder"),
        on_delete=models.CASCADE,
        related_name="passes_people",
    )
    is_holder = models.BooleanField(_("the account holder themself"), default=False, editable=False)
    name = models.CharField(
        _("name"),
        max_length=150,
        blank=True,
        help_text=_("A dependant's name. The account holder's comes from their account."),
    )
    date_of_birth = models.DateField(
        _("date of birth"), null=True, blank=True, validators=BIRTH_DATE_VALIDATORS
    )
    staff_notes = models.TextField(
        _("notes for staff"),
        blank=True,
        max_length=2000,
        help_text=_("Allergies, who collects them, anything the front desk should know."),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["-is_holder", "name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(is_holder=True),
                name="passes_person_one_holder_per_account",
            ),
            models.CheckConstraint(
                condition=Q(is_holder=True) | ~Q(name=""),
                name="passes_person_dependant_named",
            ),
            # Two current dependants of one account never share a name (a form sent twice
            # adds one; the desk can tell them apart).
            models.UniqueConstraint(
                Lower("name"),
                "account",
                condition=Q(is_holder=False, removed_at__isnull=True),
                name="passes_person_names_differ",
            ),
            models.CheckConstraint(
                condition=Q(is_holder=False) | Q(removed_at__isnull=True),
                name="passes_person_holder_not_removed",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """A dependant's name; the account holder as their account reads everywhere else."""
        if self.is_holder or not self.name:
            return str(self.account)
        return self.name

    def age_on(self, day: dt.date) -> int | None:
        """Whole years on ``day``, or None without a date of birth (F2)."""
        return None if self.date_of_birth is None else age_on(self.date_of_birth, day)

    def clean(self):
        super().clean()
        if not self.is_holder and not (self.name or "").strip():
            raise ValidationError({"name": _("Give the dependant's name.")})
        self.name = (self.name or "").strip()


def fill_attendee(instance) -> None:
    """Before a pass, booking, waiting-list entry or registration is saved: the person
    defaults to the member's own, and the member to the person's account holder. Refuses
    a row whose member is not its person's account holder."""
    if instance.person_id is None:
        if instance.member_id is None:
            return  # the database refuses it
        instance.person = Person.objects.holder_of(instance.member_id)
        return
    person = instance._state.fields_cache.get("person")
    if instance.member_id is None:
        if person is None:
            person = Person.objects.only("account_id").get(pk=instance.person_id)
        instance.member_id = person.account_id
    elif person is not None and person.account_id != instance.member_id:
        raise ValueError(
            f"{type(instance).__name__}: person {person.pk} belongs to account "
            f"{person.account_id}, not member {instance.member_id}"
        )


def account_of(who):
    """The user ``who`` names: a Person's account holder, or the user itself (or None)."""
    return who.account if isinstance(who, Person) else who


def attendee_filter(who, prefix: str = "") -> Q:
    """A Q selecting rows that belong to ``who``: a Person, or a user meaning the user
    themself (their holder person), without a query to find that person."""
    if isinstance(who, Person):
        return Q(**{f"{prefix}person": who.pk})
    user_id = getattr(who, "pk", who)
    return Q(**{f"{prefix}person__account": user_id, f"{prefix}person__is_holder": True})
