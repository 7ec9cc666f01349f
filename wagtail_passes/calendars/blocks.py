"""``CalendarBlock`` (CAL1): a calendar of sessions that editors add to any StreamField.

Programmes and classes are plain models (managed in the admin's "Programmes" menu, not
snippets), so they are chosen from lists filled when the editor opens the form: callable
choices, which work the same on Wagtail 7 and 8 and need no chooser registration.

Which sessions it shows: every class of the chosen programmes, plus each chosen class —
a class of a programme that is not chosen is allowed, and adds just that class.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

NEXT, WEEK, MONTH, LIST = "next", "week", "month", "list"
# "Next 7 days" first: a studio timetable opens on what is next, not on a Monday already past.
VIEW_CHOICES = [(NEXT, _("Next 7 days")), (WEEK, _("Week")), (MONTH, _("Month")), (LIST, _("List"))]
MIN_WEEKS, MAX_WEEKS, DEFAULT_WEEKS = 1, 26, 8


def programme_choices():
    from ..models import Programme

    return [
        (str(pk), name) for pk, name in Programme.objects.order_by("name").values_list("pk", "name")
    ]


def class_choices():
    from ..models import ProgrammeClass

    rows = ProgrammeClass.objects.order_by("programme__name", "name").values_list(
        "pk", "programme__name", "name"
    )
    return [(str(pk), f"{programme} – {name}") for pk, programme, name in rows]


def _ids(values) -> list[int]:
    """The chosen ids as integers; anything that is not one is left out."""
    result = []
    for value in values or ():
        try:
            result.append(int(value))
        except (TypeError, ValueError):
            continue
    return result


class IdsChoiceBlock(blocks.MultipleChoiceBlock):
    """A multiple choice of ids from a list read from the database when the editor opens
    the form. A stored value is read back as it was saved (ids as text), not matched
    against that list: Wagtail's ``MultipleChoiceBlock`` reads the whole list again for
    each value, a query per chosen id on every page view. An id no longer offered reads as
    text as well; the renderer drops what is not a whole number (``_ids``)."""

    def to_python(self, value):
        if value is None:
            return value
        values = value if isinstance(value, (list, tuple)) else [value]
        return [None if v is None else str(v) for v in values]


class CalendarBlock(blocks.StructBlock):
    programmes = IdsChoiceBlock(
        choices=programme_choices,
        required=False,
        label=_("Programmes"),
        help_text=_("Every class of these programmes is shown."),
    )
    classes = IdsChoiceBlock(
        choices=class_choices,
        required=False,
        label=_("Classes"),
        help_text=_("Classes shown as well, also of programmes not chosen above."),
    )
    first_view = blocks.ChoiceBlock(
        choices=VIEW_CHOICES,
        default=NEXT,
        label=_("First view"),
        help_text=_(
            "What visitors see first (they can switch): the next 7 days from today, the week "
            "of today (Monday to Sunday), the month, or a list of 28 days."
        ),
    )
    weeks_ahead = blocks.IntegerBlock(
        default=DEFAULT_WEEKS,
        min_value=MIN_WEEKS,
        max_value=MAX_WEEKS,
        label=_("Weeks ahead"),
        help_text=_("How far ahead visitors can look, from 1 to 26 weeks."),
    )
    show_price = blocks.BooleanBlock(required=False, default=True, label=_("Show the price"))
    show_places = blocks.BooleanBlock(required=False, default=True, label=_("Show the places left"))

    class Meta:
        template = "wagtail_passes/calendars/block.html"
        icon = "date"
        label = _("Calendar of sessions")
        form_classname = "passes-calendar-block struct-block"

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        weeks = value.get("weeks_ahead")
        if weeks is not None and not MIN_WEEKS <= weeks <= MAX_WEEKS:
            errors["weeks_ahead"] = ValidationError(
                _("Choose from %(min)s to %(max)s weeks.") % {"min": MIN_WEEKS, "max": MAX_WEEKS}
            )
        deferred = getattr(self, "is_deferred_validation", False)  # saving a draft (Wagtail 7.4+)
        nothing_chosen = not _ids(value.get("programmes")) and not _ids(value.get("classes"))
        if nothing_chosen and not deferred:
            raise StructBlockValidationError(
                block_errors=errors,
                non_block_errors=[
                    ValidationError(_("Choose at least one programme or class to show."))
                ],
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value

    def get_context(self, value, parent_context=None):
        from .render import calendar_context

        context = super().get_context(value, parent_context=parent_context)
        context.update(calendar_context(value, context))
        return context

    @staticmethod
    def chosen_ids(value) -> tuple[list[int], list[int]]:
        return _ids(value.get("programmes")), _ids(value.get("classes"))
