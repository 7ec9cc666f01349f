"""Small model fields used by the models of this app."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class WeekdaysField(models.CharField):
    """A set of weekdays (0 = Monday ... 6 = Sunday), stored as "0,2,4".

    Python sees a sorted list of ints; editors see a row of checkboxes.
    """

    description = _("A set of weekdays")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 13)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 13:
            del kwargs["max_length"]
        return name, path, args, kwargs

    @staticmethod
    def _parse(value) -> list[int]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            parts = [p for p in value.split(",") if p.strip()]
        else:
            parts = list(value)
        try:
            days = sorted({int(p) for p in parts})
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Weekdays must be numbers from 0 (Monday) to 6.")) from exc
        if any(d < 0 or d > 6 for d in days):
            raise ValidationError(_("Weekdays must be numbers from 0 (Monday) to 6."))
        return days

    def from_db_value(self, value, expression, connection):
        return self._parse(value)

    def to_python(self, value):
        return self._parse(value)

    def get_prep_value(self, value):
        return ",".join(str(d) for d in self._parse(value))

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        # CharField.validate would check `choices` against the whole list.
        if not value and not self.blank:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def run_validators(self, value):
        return super().run_validators(self.get_prep_value(value))

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": WEEKDAY_CHOICES,
            "coerce": int,
            "widget": forms.CheckboxSelectMultiple,
        }
        defaults.update(kwargs)
        # CharField.formfield would force max_length onto a multiple-choice field.
        return models.Field.formfield(self, **defaults)
