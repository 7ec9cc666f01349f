"""Sane bounds of the values staff type into the back office.

A value outside them is a typing mistake ("999999999 days", a price of 10^12, the year 9999),
and letting it through would crash later: date arithmetic overflows, and the database refuses
numbers beyond its column (a 500 on PostgreSQL). The models carry these bounds as field
validators and the admin forms copy them onto their form fields (``apply_model_bounds``), so
the editor says what is wrong next to the field and nothing is saved.

This module imports no wagtail_passes models: both the models and the forms use it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Money: prices and prepaid amounts, in the currency's major unit.
MAX_PRICE = Decimal(1_000_000)
MAX_MONEY_QUANTITY = Decimal(1_000_000)
# Entries, days and credits of one product.
MAX_COUNTED_QUANTITY = 100_000
# Ten years; 0 means the pass never expires.
MAX_DURATION_DAYS = 3_660
MAX_PERIOD_USES = 1_000
MAX_STOCK = 1_000_000
MAX_DISCOUNT_USES = 1_000_000
MAX_COMMITMENT_PAYMENTS = 1_000
# Every date staff enter (validity, sale window, schedules) lies in these years.
FIRST_YEAR = 2000
LAST_YEAR = 2100

MAX_BOOKING_OPENS_DAYS = 730  # two years
MAX_BOOKING_CLOSES_MINUTES = 7 * 24 * 60  # a week
MAX_CANCELLATION_CUTOFF_HOURS = 30 * 24  # 30 days
MAX_CHECKIN_OPENS_MINUTES = 24 * 60  # a day
MAX_CAPACITY = 10_000
MAX_CREDIT_COST = 1_000
MAX_SESSION_MINUTES = 24 * 60
MAX_SCHEDULE_YEARS = 3

PRICE_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(MAX_PRICE)]
CAPACITY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]


@deconstructible
class YearRangeValidator:
    """Refuses a date or datetime outside ``FIRST_YEAR``..``LAST_YEAR`` (both included).

    Compares years only, so it works alike for dates, naive and aware datetimes.
    """

    message = _("Enter a date between %(first)s and %(last)s.")
    code = "date_out_of_range"

    def __init__(self, first: int = FIRST_YEAR, last: int = LAST_YEAR):
        self.first = first
        self.last = last

    def __call__(self, value):
        if value is None:
            return
        if not self.first <= value.year <= self.last:
            raise ValidationError(
                self.message, code=self.code, params={"first": self.first, "last": self.last}
            )

    def __eq__(self, other):
        return isinstance(other, YearRangeValidator) and (self.first, self.last) == (
            other.first,
            other.last,
        )

    def __hash__(self):
        return hash((self.first, self.last))


DATE_VALIDATORS = [YearRangeValidator()]

#: Dates of birth (F2) reach further back than the app's own dates.
FIRST_BIRTH_YEAR = 1900
BIRTH_DATE_VALIDATORS = [YearRangeValidator(FIRST_BIRTH_YEAR)]


def add_years(day: dt.date, years: int) -> dt.date | None:
    """``day`` moved by whole years (29 February becomes 28 February); ``None`` past year 9999."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        try:
            return day.replace(year=day.year + years, day=28)
        except ValueError:
            return None


# ---- forms -------------------------------------------------------------------------------


def _static_limits(validators) -> tuple:
    """The tightest fixed lower and upper limit among ``validators``."""
    lowest = highest = None
    for validator in validators:
        limit = validator.limit_value if hasattr(validator, "limit_value") else None
        if limit is None or callable(limit):
            continue
        if isinstance(validator, MinValueValidator):
            lowest = limit if lowest is None else max(lowest, limit)
        elif isinstance(validator, MaxValueValidator):
            highest = limit if highest is None else min(highest, limit)
    return lowest, highest


def apply_bounds(field: forms.Field, model_field) -> None:
    """Give a number form field the model field's limits: checked by the form itself (so the
    model's ``clean()`` never sees an out-of-range value) and written on the input (``min``,
    ``max``). An integer field also gets the database column's range."""
    if not isinstance(field, forms.IntegerField | forms.DecimalField):
        return
    lowest, highest = _static_limits(model_field.validators)
    form_lowest, form_highest = _static_limits(field.validators)
    if form_lowest is not None:
        lowest = form_lowest if lowest is None else max(lowest, form_lowest)
    if form_highest is not None:
        highest = form_highest if highest is None else min(highest, form_highest)
    field.validators = [
        validator
        for validator in field.validators
        if not isinstance(validator, MinValueValidator | MaxValueValidator)
    ]
    if lowest is not None:
        field.min_value = lowest
        field.validators.append(MinValueValidator(lowest))
        field.widget.attrs["min"] = str(lowest)
    if highest is not None:
        field.max_value = highest
        field.validators.append(MaxValueValidator(highest))
        field.widget.attrs["max"] = str(highest)


class IdRangeMixin:
    """For a ``ModelMultipleChoiceField``: refuses an id beyond the database's integer range
    as an invalid choice.

    Django checks the chosen ids with one ``pk__in`` query, and unlike ``pk=`` that lookup
    passes an out-of-range number to the database: OverflowError on SQLite, DataError on
    PostgreSQL (a 500 for "99999999999999999999" in a tampered checkbox).
    """

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        opts = self.queryset.model._meta
        model_field = opts.pk if key == "pk" else opts.get_field(key)
        if isinstance(model_field, models.IntegerField):
            ops = connections[self.queryset.db].ops
            lowest, highest = ops.integer_field_range(model_field.get_internal_type())
            for pk in value:
                try:
                    number = int(pk)
                except (TypeError, ValueError):
                    continue  # Django's own check says "not a valid value"
                if (lowest is not None and number < lowest) or (
                    highest is not None and number > highest
                ):
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super()._check_values(value)


_guarded_classes: dict[type, type] = {}


def guard_choice_ids(field: forms.Field) -> None:
    """Give a multiple-choice model field the ``IdRangeMixin`` check."""
    cls = type(field)
    if not isinstance(field, forms.ModelMultipleChoiceField) or issubclass(cls, IdRangeMixin):
        return
    if cls not in _guarded_classes:
        _guarded_classes[cls] = type(cls.__name__, (IdRangeMixin, cls), {"__module__": __name__})
    field.__class__ = _guarded_classes[cls]


def apply_model_bounds(form) -> None:
    """``apply_bounds`` on every number field of a model form, ``guard_choice_ids`` on every
    multiple-choice field."""
    opts = form._meta.model._meta
    for name, field in form.fields.items():
        guard_choice_ids(field)
        try:
            model_field = opts.get_field(name)
        except FieldDoesNotExist:
            continue
        if getattr(model_field, "concrete", False) and not model_field.is_relation:
            apply_bounds(field, model_field)


class ModelBoundsFormMixin:
    """For model forms: number fields check the model's limits themselves (``apply_bounds``),
    and a field the form refused keeps only the form's message.

    The model's ``clean()`` runs after the form refused a field, and sees that field's old
    value (often empty): "Say how many entries" next to "Ensure this value is less than or
    equal to 1000000" would only confuse.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apply_model_bounds(self)

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            kept = {
                name: messages
                for name, messages in errors.error_dict.items()
                if name == NON_FIELD_ERRORS or name not in self._errors
            }
            if not kept:
                return
            errors = ValidationError(kept)
        super()._update_errors(errors)
