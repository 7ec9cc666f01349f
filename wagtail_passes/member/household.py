"""My household (F1): the account holder's dependants — add one, change their details,
remove one — and the "Show: Everyone · Me · Ana" switcher of My bookings and My passes.

Every write goes through ``services.households`` (the same rules staff use at the desk);
a refusal is shown next to the form and changes nothing. Only the member's own household
is shown: a person of another account is not found (404).
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .. import services
from ..bounds import BIRTH_DATE_VALIDATORS
from ..checkout import once
from ..checkout.views import login_first, see_other
from ..exceptions import HouseholdError
from ..models import Person
from ..models.households import MAX_DEPENDANTS
from ..services.attendees import person_label

#: The switcher's parameter: "" everyone, "me" the holder, else a person's id.
SHOW = "for"
SALT = "wagtail_passes.member.household"


# ---- the switcher of My bookings and My passes ---------------------------------------------


def shown_person(request, people):
    """The person ``?for=`` names among ``people`` (None: everyone)."""
    value = str(request.GET.get(SHOW, "")).strip()
    if not value:
        return None
    for person in people:
        if (value == "me" and person.is_holder) or (
            not person.is_holder and value == str(person.pk)
        ):
            return person
    raise Http404(_("Not someone of your household."))


def show_filter(person) -> dict:
    """Keyword filter for rows of ``person`` (None: the whole household)."""
    if person is None:
        return {}
    if person.is_holder:
        return {"person__is_holder": True}
    return {"person": person}


def switcher(url: str, people, shown) -> list[dict]:
    """ "Everyone · Me · Ana": one link each; empty for a household of one."""
    if len(people) < 2:
        return []
    links = [{"label": _("Everyone"), "url": url, "current": shown is None}]
    for person in people:
        key = "me" if person.is_holder else person.pk
        links.append(
            {
                "label": person_label(person),
                "url": f"{url}?{urlencode({SHOW: key})}",
                "current": shown is not None and person.pk == shown.pk,
            }
        )
    return links


def label_of(person, people) -> str:
    """Whom a row is for, on a page of a household with dependants ("" otherwise)."""
    if len(people) < 2 or person is None:
        return ""
    return person_label(person)


# ---- My household --------------------------------------------------------------------------


class PersonForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=200)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"),
        required=False,
        validators=BIRTH_DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Some classes are for an age range: the studio checks it."),
    )
    staff_notes = forms.CharField(
        label=gettext_lazy("Notes for the studio"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Allergies, who collects them, anything the desk should know."),
    )

    def details(self) -> dict:
        """The person's fields this form changes, for ``services.update_person``."""
        return {k: v for k, v in self.cleaned_data.items() if k != "token"}


class HolderForm(PersonForm):
    """The account holder's own details: their name is their account's."""

    name = None


def _page(request, *, form=None, editing=None, error="", status=200):
    people = services.household(request.user)
    dependants = [p for p in people if not p.is_holder]
    holder = next(p for p in people if p.is_holder)
    for person in dependants:
        person.upcoming = services.households.upcoming_commitments(person)
    context = {
        "people": dependants,
        "holder": holder,
        "form": form or PersonForm(initial={"token": once.issue(request, "add", salt=SALT)}),
        "editing": editing,
        "error": error,
        "outcome": _OUTCOMES.get(request.GET.get("done", ""), lambda: "")(),
        "can_add": len(dependants) < MAX_DEPENDANTS,
        "member_page": "household",
    }
    return TemplateResponse(request, "wagtail_passes/member/household.html", context, status=status)


_OUTCOMES = {
    "added": lambda: _("Added to your household."),
    "saved": lambda: _("Saved."),
    "removed": lambda: _("Removed from your household. Their bookings and passes so far stay."),
}


def _done(what: str):
    return see_other(f"{reverse('wagtail_passes:my_household')}?{urlencode({'done': what})}")


def _own_dependant(request, pk) -> Person:
    person = Person.objects.current().filter(pk=pk, account=request.user, is_holder=False).first()
    if person is None:
        raise Http404(_("Not someone of your household."))
    person.account = request.user
    return person


@require_http_methods(["GET", "HEAD", "POST"])
def my_household(request):
    """The household, and the form that adds a dependant."""
    if not request.user.is_authenticated:
        return login_first(request)
    if request.method != "POST":
        return _page(request)
    form = PersonForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    if once.nonce_of(request, form.cleaned_data["token"], "add", salt=SALT) is None:
        return _page(request, form=form, error=_("This page has expired. Send it again."))
    data = form.cleaned_data
    try:
        services.add_dependant(
            request.user,
            data["name"],
            date_of_birth=data["date_of_birth"],
            staff_notes=data["staff_notes"],
            by=request.user,
        )
    except HouseholdError as error:
        return _page(request, form=form, error=error.message, status=400)
    return _done("added")


def _edit(request, person, form_class, *scope):
    """Change ``person``'s details with ``form_class`` (the holder's form has no name: it is
    their account's); a refusal is shown next to the form."""
    if request.method != "POST":
        initial = {
            "token": once.issue(request, *scope, salt=SALT),
            "name": person.name,
            "date_of_birth": person.date_of_birth,
            "staff_notes": person.staff_notes,
        }
        return _page(request, form=form_class(initial=initial), editing=person)
    form = form_class(request.POST)
    if not form.is_valid():
        return _page(request, form=form, editing=person, status=400)
    try:
        services.update_person(person, **form.details(), by=request.user)
    except HouseholdError as error:
        return _page(request, form=form, editing=person, error=error.message, status=400)
    return _done("saved")


@require_http_methods(["GET", "HEAD", "POST"])
def edit_person(request, pk: int):
    if not request.user.is_authenticated:
        return login_first(request)
    return _edit(request, _own_dependant(request, pk), PersonForm, "edit", pk)


@require_http_methods(["GET", "HEAD", "POST"])
def edit_me(request):
    """The account holder's own date of birth (F2: an age range asks for it) and notes."""
    if not request.user.is_authenticated:
        return login_first(request)
    holder = next(p for p in services.household(request.user) if p.is_holder)
    return _edit(request, holder, HolderForm, "me")


@require_http_methods(["POST"])
def remove_person(request, pk: int):
    if not request.user.is_authenticated:
        return login_first(request)
    person = _own_dependant(request, pk)
    try:
        services.remove_dependant(person, by=request.user)
    except HouseholdError as error:
        return _page(request, error=error.message, status=400)
    return _done("removed")
