"""The series form (T1): who attends (the household's people as checkboxes) and the range
of dates. The class, the weekday and the local time come from the session the form is
reached from."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..bounds import DATE_VALIDATORS

#: The value of the account holder's own checkbox (their person may not exist yet).
ME = "me"


class SeriesForm(forms.Form):
    token = forms.CharField(max_length=200, widget=forms.HiddenInput)
    people = forms.MultipleChoiceField(
        label=_("Who attends"), widget=forms.CheckboxSelectMultiple, required=True
    )
    starts_on = forms.DateField(
        label=_("From"), validators=DATE_VALIDATORS, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Until"),
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [
            (ME if person.is_holder else str(person.pk), person.display_name) for person in people
        ]
        self.fields["people"].error_messages["required"] = _("Choose who attends.")

    def clean(self):
        data = super().clean()
        first, last = data.get("starts_on"), data.get("ends_on")
        if first and last and last < first:
            self.add_error("ends_on", _("The last date must not be before the first."))
        return data
