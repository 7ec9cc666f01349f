"""A household in words for the front desk (F3): each person's label, the "for" choices of
the desk's forms and the household block of the member profile. Nothing here queries the
database: the people come from ``services.attendees.household`` (one query)."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ...exceptions import BookingError
from ...presentation import EMPTY, format_short_day, person_name, short_person
from ...services.attendees import person_of_account
from .profile_blocks import with_next

#: The "for" choice meaning the account holder themself.
HOLDER = ""


def age_text(someone, today) -> str:
    age = someone.age_on(today)
    if age is None:
        return ""
    return ngettext("%(age)d year", "%(age)d years", age) % {"age": age}


def choice_label(someone, today) -> str:
    """ "Maya Lind (account holder)", "Leo, 7 years"."""
    if someone.is_holder:
        return gettext("%(name)s (account holder)") % {"name": short_person(someone.account)}
    age = age_text(someone, today)
    return f"{someone.name}, {age}" if age else someone.name


def for_choices(people, today) -> list[tuple[str, str]]:
    """The choices of a "for" field: the holder (``HOLDER``), then each dependant by id."""
    return [(HOLDER if p.is_holder else str(p.pk), choice_label(p, today)) for p in people]


class ForField(forms.ChoiceField):
    """Who a desk form acts for: the account holder or one of their dependants (F3)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("For"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Who attends: the account holder or a dependant."))
        super().__init__(choices=[(HOLDER, _("The account holder"))], **kwargs)


def who_for(account, value):
    """What a "for" field's value names: the account holder (the user themself) or their
    dependant (a Person). Refuses another household's or a removed person
    (``BookingError`` ``unknown_person``)."""
    if value in (None, HOLDER):
        return account
    return person_of_account(account, value, BookingError)


# ---- the household block of the profile ----------------------------------------------


def household_url(action: str, member_id: int, person_id: int | None = None) -> str:
    args = [member_id] if person_id is None else [member_id, person_id]
    return reverse(f"wagtail_passes_desk:household_{action}", args=args)


def people_rows(people, today, *, can_manage: bool, back: str) -> list[dict]:
    """One row per person: name, age today, date of birth, notes for staff and the tools."""
    rows = []
    for someone in people:
        tools = []
        if can_manage and someone.pk is not None:
            url = with_next(household_url("edit", someone.account_id, someone.pk), back)
            tools.append({"url": url, "label": _("Edit"), "title": ""})
            if not someone.is_holder:
                url = with_next(household_url("remove", someone.account_id, someone.pk), back)
                tools.append({"url": url, "label": _("Remove"), "title": ""})
        born = someone.date_of_birth
        rows.append(
            {
                "pk": someone.pk,
                "name": person_name(someone),
                "is_holder": someone.is_holder,
                "age": age_text(someone, today) or EMPTY,
                "born": format_short_day(born) if born else EMPTY,
                "notes": someone.staff_notes,
                "tools": tools,
            }
        )
    return rows


def for_label(row, account) -> str:
    """The "for" cell of a profile row (a pass, booking, waiting place, registration) of
    ``account``'s household: its person loaded with it, the account known already."""
    return person_name(row.person, account) if row.person_id else EMPTY
