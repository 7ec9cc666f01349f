"""Form plumbing for the admin panels: which choices a field offers and how they read.

No rules live here; the models' ``clean()`` methods and field validators decide what is
valid. Number fields check the model's bounds in the form itself (``bounds.apply_bounds``).
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminModelForm

from ..bounds import ModelBoundsFormMixin, apply_model_bounds
from ..models import BookingStatus, LinkPool
from ..rules.attendance_policy import describe_policy


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
        apply_model_bounds(form)
        pool_field = form.fields.get("link_pool")
        if pool_field is not None:
            pool_field.queryset = self._own_pools()

    def _own_pools(self):
        # Pools added in the same submission have no row yet; they can be chosen after saving.
        if self.instance.pk is None:
            return LinkPool.objects.none()
        return LinkPool.objects.filter(programme=self.instance)


class ProgrammeAdminForm(ModelBoundsFormMixin, WagtailAdminModelForm):
    """The tabbed programme form. The attendance policies' help says what the saved
    policies do, in the words of ``rules.attendance_policy`` (L1, L2)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("no_show_grace_period")
        if field is not None and self.instance.pk:
            now = " ".join(str(line) for line in describe_policy(self.instance.attendance_policy()))
            field.help_text = f"{field.help_text} " + gettext("Now: %(policy)s") % {"policy": now}


class ProgrammeClassAdminForm(ModelBoundsFormMixin, WagtailAdminModelForm):
    """The stand-alone class form; the model refuses a pool of another programme."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "link_pool" in self.fields:
            _show_programme_in_choices(self.fields["link_pool"])


class ClassChoiceAdminForm(ModelBoundsFormMixin, WagtailAdminModelForm):
    """Session and schedule forms: name the programme next to each class."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "programme_class" in self.fields:
            _show_programme_in_choices(self.fields["programme_class"])


class SessionAdminForm(ClassChoiceAdminForm):
    """The session form. What happens to booked members is said before it happens: a
    move of a booked session, or a start in the past, needs the ``confirm`` box ticked,
    whose label says what saving then does ("Move the session and email the 2 booked
    members").
    Whether the change is allowed (capacity, same day) is ``services.update_session``'s
    decision, made when the form is saved."""

    confirm = forms.BooleanField(
        label=_("Save it with a start in the past"),
        required=False,
        help_text=_("Tick to save a start in the past, or to move a session members booked."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        session = self.instance
        self.booked = (
            session.bookings.filter(status=BookingStatus.BOOKED).count() if session.pk else 0
        )
        if self.booked and "confirm" in self.fields:
            self.fields["confirm"].label = ngettext(
                "Move the session and email the booked member",
                "Move the session and email the %(n)d booked members",
                self.booked,
            ) % {"n": self.booked}
        if self.booked and "programme_class" in self.fields:
            self.fields["programme_class"].disabled = True
            self.fields["programme_class"].help_text = _(
                "Members booked this session for this class; it stays in it."
            )

    def _same_minute(self, name, value) -> bool:
        """The form shows times to the minute: a value equal to the stored one to the
        minute is unchanged (its seconds are kept)."""
        stored = self.initial.get(name)
        return stored is not None and value.replace(second=0, microsecond=0) == stored.replace(
            second=0, microsecond=0
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None or self.errors:
            return cleaned
        self.moved = False
        if self.instance.pk is not None:
            for name in ("start", "end"):
                if self._same_minute(name, cleaned[name]):
                    cleaned[name] = self.initial[name]
                else:
                    self.moved = True
        moved = self.moved
        needs = []
        if (self.instance.pk is None or moved) and start < timezone.now():
            needs.append(_("The start is in the past."))
        if moved and self.booked:
            needs.append(
                ngettext(
                    "%(n)d member is booked: they will be emailed the new time.",
                    "%(n)d members are booked: they will be emailed the new time.",
                    self.booked,
                )
                % {"n": self.booked}
            )
        if needs and not cleaned.get("confirm"):
            needs.append(_("Tick “%(label)s” to save.") % {"label": self.fields["confirm"].label})
            self.add_error("confirm", " ".join(str(n) for n in needs))
        return cleaned
