"""Form plumbing for the admin panels: which choices a field offers and how they read.

No rules live here; the models' ``clean()`` methods decide what is valid.
"""

from __future__ import annotations

from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminModelForm

from ..models import LinkPool


def _label_with_programme(obj) -> str:
    # Classes and pools are only unique within a programme, so say which one.
    return f"{obj.programme} – {obj}"


def _show_programme_in_choices(field) -> None:
    field.queryset = field.queryset.select_related("programme")
    field.label_from_instance = _label_with_programme


class ProgrammeClassFormSet(BaseChildFormSet):
    """The classes inline of a programme: each class may only join one of its own pools (P5)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Point the class at the programme as edited in this very form, so the model's
        # clean() judges the pool and the price against the programme's new values.
        form.instance.programme = self.instance
        pool_field = form.fields.get("link_pool")
        if pool_field is not None:
            pool_field.queryset = self._own_pools()

    def _own_pools(self):
        # Pools added in the same submission have no row yet; they can be chosen after saving.
        if self.instance.pk is None:
            return LinkPool.objects.none()
        return LinkPool.objects.filter(programme=self.instance)


class ProgrammeClassAdminForm(WagtailAdminModelForm):
    """The stand-alone class form; the model refuses a pool of another programme."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "link_pool" in self.fields:
            _show_programme_in_choices(self.fields["link_pool"])


class ClassChoiceAdminForm(WagtailAdminModelForm):
    """Session and schedule forms: name the programme next to each class."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "programme_class" in self.fields:
            _show_programme_in_choices(self.fields["programme_class"])
