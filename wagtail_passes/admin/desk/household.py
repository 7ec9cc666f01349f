"""Staff manage a household at the desk (F3): add a dependant to a member's account,
change a person's details (a dependant's name; anyone's date of birth and notes for
staff), remove a dependant.

- ``members/<id>/household/add/``
- ``members/<id>/household/<person>/edit/``
- ``members/<id>/household/<person>/remove/``

Each is a small form with a one-time token (``admin/once.py``): sent twice, it acts
once. The services (``services.households``) decide and audit (S5); a refusal (a bad
date, a dependant with bookings to come) comes back next to its field and changes
nothing. Who: staff who may manage bookings (``can_manage_bookings``), as the services
require.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import re_path
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput

from ...exceptions import HouseholdError
from ...models import Person
from ...presentation import person, person_name
from ...services.households import (
    MAX_NAME,
    MAX_NOTES,
    add_dependant,
    remove_dependant,
    upcoming_commitments,
    update_person,
)
from ...services.permissions import can_manage_bookings
from ..forms_passes import PassActionForm
from ..once import OneTimeFormMixin
from ..return_to import safe_next_url
from .links import profile_url


class PersonForm(PassActionForm):
    """A person's details. The account holder's name is their account's: not asked."""

    error_fields = {
        "invalid_name": "name",
        "holder_name": "name",
        "invalid_birth_date": "date_of_birth",
        "invalid_notes": "staff_notes",
        "too_many_people": None,
    }

    name = forms.CharField(label=_("Name"), max_length=MAX_NAME)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=AdminDateInput,
        help_text=_("Optional; products with an age range judge it."),
    )
    staff_notes = forms.CharField(
        label=_("Notes for staff"),
        required=False,
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Person._meta.get_field("staff_notes").help_text,
    )

    def __init__(self, *args, holder: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if holder:
            del self.fields["name"]

    def add_pass_error(self, error) -> None:
        field = self.error_fields.get(error.code)
        self.add_error(field if field in self.fields else None, error.message)


class RemoveForm(PassActionForm):
    """Nothing to fill in: the button confirms."""


class HouseholdView(OneTimeFormMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "wagtail_passes/admin/desk/household_form.html"
    form_class = PersonForm
    header_icon = "group"
    breadcrumbs_items = []
    submit_label = _("Save")

    def dispatch(self, request, *args, **kwargs):
        if not can_manage_bookings(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def member(self):
        return get_object_or_404(
            get_user_model()._default_manager, pk=int(self.kwargs["member_id"])
        )

    def get_page_subtitle(self):
        return person(self.member)

    @cached_property
    def return_url(self) -> str:
        return safe_next_url(self.request) or profile_url(self.member.pk) + "#household-section"

    def refused(self, form, error: HouseholdError):
        form.add_pass_error(error)
        messages.error(self.request, gettext("Nothing changed; see the form below."))
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            submit_label=self.submit_label,
            cancel_url=self.return_url,
            next_url=safe_next_url(self.request),
            media=context["form"].media,
        )
        return context


class AddDependantView(HouseholdView):
    page_title = _("Add a dependant")

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            added = add_dependant(
                self.member,
                data["name"],
                date_of_birth=data["date_of_birth"],
                staff_notes=data["staff_notes"],
                by=self.request.user,
            )
        except HouseholdError as error:
            return self.refused(form, error)
        messages.success(
            self.request,
            gettext("%(name)s added to the household of %(member)s.")
            % {"name": added.name, "member": person(self.member)},
        )
        return redirect(self.return_url)


class PersonView(HouseholdView):
    """A view of one current person of the member's household."""

    @cached_property
    def someone(self) -> Person:
        found = (
            Person.objects.current()
            .filter(pk=int(self.kwargs["person_id"]), account=self.member)
            .first()
        )
        if found is None:
            raise Http404
        found.account = self.member
        return found

    def get_page_subtitle(self):
        return person_name(self.someone)


class EditPersonView(PersonView):
    page_title = _("Change details")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "holder": self.someone.is_holder}

    def get_initial(self):
        someone = self.someone
        return {
            "name": someone.name,
            "date_of_birth": someone.date_of_birth,
            "staff_notes": someone.staff_notes,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        changes = {"date_of_birth": data["date_of_birth"], "staff_notes": data["staff_notes"]}
        if "name" in data:
            changes["name"] = data["name"]
        try:
            changed = update_person(self.someone, by=self.request.user, **changes)
        except HouseholdError as error:
            return self.refused(form, error)
        messages.success(
            self.request,
            gettext("The details of %(name)s are saved.") % {"name": person_name(changed)},
        )
        return redirect(self.return_url)


class RemovePersonView(PersonView):
    page_title = _("Remove from the household")
    form_class = RemoveForm
    submit_label = _("Remove")

    def get_form_kwargs(self):
        return {key: value for key, value in super().get_form_kwargs().items() if key != "holder"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booked, waiting = upcoming_commitments(self.someone)
        context["intro"] = gettext(
            "%(name)s will no longer be booked for; their passes, bookings and orders stay "
            "in the history."
        ) % {"name": self.someone.name}
        if booked or waiting:
            context["warning"] = gettext(
                "They have %(booked)d booking(s) and %(waiting)d waiting-list place(s) to "
                "come: cancel those first."
            ) % {"booked": booked, "waiting": waiting}
        return context

    def form_valid(self, form):
        try:
            removed = remove_dependant(self.someone, by=self.request.user)
        except HouseholdError as error:
            return self.refused(form, error)
        messages.success(
            self.request,
            gettext("%(name)s is removed from the household.") % {"name": removed.name},
        )
        return redirect(self.return_url)


ID = "(?P<member_id>[0-9]{1,18})"
PERSON = "(?P<person_id>[0-9]{1,18})"

urlpatterns = [
    re_path(rf"^members/{ID}/household/add/$", AddDependantView.as_view(), name="household_add"),
    re_path(
        rf"^members/{ID}/household/{PERSON}/edit/$",
        EditPersonView.as_view(),
        name="household_edit",
    ),
    re_path(
        rf"^members/{ID}/household/{PERSON}/remove/$",
        RemovePersonView.as_view(),
        name="household_remove",
    ),
]
