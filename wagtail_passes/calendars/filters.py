"""The calendar's filters: what a studio timetable filters by, as plain GET parameters of
the host page (``passes_<name>_<key>``, namespaced like the view's, see ``navigation.py``).

- ``programme``, ``class``: the id of one of the block's own programmes or classes;
- ``where`` (location), ``teacher`` (instructor): the words of one of the block's classes;
- ``time``: ``morning`` (starts before 12:00), ``afternoon`` (12:00 to 16:59) or ``evening``
  (17:00 on), on the site's clock (``WAGTAIL_PASSES_TIME_ZONE``), not the visitor's;
- ``mine=1``: a signed-in member's sessions that one of their passes would pay (the verdicts
  the session's own words come from, ``loading.MemberView.payer``), and their bookings;
- ``open=1``: sessions with a place left (not cancelled, not full).

Only choices the block's programmes and classes have are offered, and a select with fewer
than two choices is not offered at all. A value that is not offered (an unknown id, garbage,
"mine" for a visitor) is ignored: that filter shows as not applied, never an error.
Filtering is part of the sessions' query; "mine" narrows it there to the classes the
member's passes cover, and the verdict then drops what a pass covers but would not pay
(a limit reached, a pass not valid yet) — the same rule the booking follows, not a second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.db.models.functions import Coalesce, ExtractHour
from django.utils.translation import gettext as _

from ..rules.dates import format_time_of_day

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"
#: Start hours (local, from inclusive, to exclusive) of each time of day.
TIMES = {MORNING: (0, 12), AFTERNOON: (12, 17), EVENING: (17, 24)}
ON = "1"


@dataclass
class Choices:
    """What the block's programmes and classes offer to filter by."""

    programmes: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    classes: list[tuple[str, str]] = field(default_factory=list)  # (id, label)
    locations: list[str] = field(default_factory=list)
    instructors: list[str] = field(default_factory=list)


def load_classes(programme_ids, class_ids) -> list:
    """The block's classes (every class of its programmes, and its own classes) with their
    programme, by programme name and class name: one query. The calendar's filter choices
    are read from them, and its sessions share them (not a class and a programme read
    again for each session)."""
    from ..models import ProgrammeClass

    if not programme_ids and not class_ids:
        return []
    classes = list(
        ProgrammeClass.objects.filter(
            Q(programme_id__in=list(programme_ids)) | Q(pk__in=list(class_ids))
        )
        .select_related("programme")
        .order_by("programme__name", "name", "pk")
    )
    programmes = {}
    for klass in classes:  # one programme object for all its classes
        klass.programme = programmes.setdefault(klass.programme_id, klass.programme)
    return classes


def choices_of(classes) -> Choices:
    """What ``classes`` (``load_classes``) offer to filter by."""
    programmes = {klass.programme_id: klass.programme.name for klass in classes}
    several = len(programmes) > 1
    return Choices(
        programmes=[(str(pid), name) for pid, name in programmes.items()],
        classes=[
            (str(k.pk), f"{k.programme.name} – {k.name}" if several else k.name) for k in classes
        ],
        locations=sorted({k.location for k in classes if k.location}, key=str.casefold),
        instructors=sorted({k.instructor for k in classes if k.instructor}, key=str.casefold),
    )


def load_choices(programme_ids, class_ids) -> Choices:
    """The filter choices of the block's classes (``load_classes``): one query."""
    return choices_of(load_classes(programme_ids, class_ids))


@dataclass
class Filters:
    """The filters in force (each one checked against the choices offered)."""

    programme: int | None = None
    klass: int | None = None
    where: str = ""
    teacher: str = ""
    time: str = ""
    mine: bool = False
    open: bool = False
    offered: dict = field(default_factory=dict)  # name -> choices [(value, text)]

    @property
    def applied(self) -> int:
        """How many filters are in force."""
        values = (self.programme, self.klass, self.where, self.teacher, self.time)
        return sum(1 for v in values if v not in (None, "")) + self.mine + self.open

    def values(self) -> dict[str, str]:
        """name -> the parameter's value, for each filter in force."""
        found = {
            "programme": "" if self.programme is None else str(self.programme),
            "class": "" if self.klass is None else str(self.klass),
            "where": self.where,
            "teacher": self.teacher,
            "time": self.time,
            "mine": ON if self.mine else "",
            "open": ON if self.open else "",
        }
        return {name: value for name, value in found.items() if value}

    def narrow(self, sessions, tz: dt.tzinfo):
        """``sessions`` (a Session queryset annotated with ``taken``) narrowed to these
        filters, in the query itself."""
        if self.programme is not None:
            sessions = sessions.filter(programme_class__programme_id=self.programme)
        if self.klass is not None:
            sessions = sessions.filter(programme_class_id=self.klass)
        if self.where:
            sessions = sessions.filter(programme_class__location=self.where)
        if self.teacher:
            sessions = sessions.filter(programme_class__instructor=self.teacher)
        if self.time:
            first, last = TIMES[self.time]
            # The hour on the site's clock, whatever the database's time zone.
            sessions = sessions.annotate(local_hour=ExtractHour("start", tzinfo=tz)).filter(
                local_hour__gte=first, local_hour__lt=last
            )
        if self.open:
            capacity = Coalesce(
                "capacity",
                "programme_class__capacity",
                "programme_class__programme__default_capacity",
            )
            sessions = (
                sessions.filter(is_cancelled=False)
                .annotate(places=capacity)
                .filter(taken__lt=F("places"))
            )
        if self.mine:
            sessions = sessions.filter(is_cancelled=False)
        return sessions


def covered_by(passes) -> Q:
    """The sessions whose class one of ``passes`` covers (U2, P5's link pools), as a query
    condition: what ``rules.coverage.covers`` says, so the database returns no session that
    no pass could pay. Passes of the member's, loaded (their terms are on the pass)."""
    from ..models import ProgrammeClass

    programme_ids, class_ids = set(), set()
    for member_pass in passes:
        if not member_pass.programme_ids and not member_pass.class_ids:
            return Q()  # an "any class" pass covers everything
        programme_ids.update(member_pass.programme_ids)
        class_ids.update(member_pass.class_ids)
    if not programme_ids and not class_ids:
        return Q(pk__in=[])
    pools = ProgrammeClass.objects.filter(pk__in=class_ids, link_pool__isnull=False).values(
        "link_pool_id"
    )
    return (
        Q(programme_class__programme_id__in=programme_ids)
        | Q(programme_class_id__in=class_ids)
        | Q(programme_class__link_pool_id__in=pools)
    )


def _int_among(value, offered) -> int | None:
    if value and any(value == pk for pk, _label in offered):
        return int(value)
    return None


def _among(value, offered) -> str:
    return value if value and any(value == option for option, _label in offered) else ""


def time_choices() -> list[tuple[str, str]]:
    noon, five = format_time_of_day(dt.time(12)), format_time_of_day(dt.time(17))
    return [
        (MORNING, _("Morning (before %(time)s)") % {"time": noon}),
        (AFTERNOON, _("Afternoon (%(from)s to %(to)s)") % {"from": noon, "to": five}),
        (EVENING, _("Evening (from %(time)s)") % {"time": five}),
    ]


def read_filters(params, choices: Choices, *, member: bool) -> Filters:
    """The filters asked for in the (untrusted) query string, each kept only when it is one
    of the choices offered."""
    offered = {}
    if len(choices.programmes) > 1:
        offered["programme"] = choices.programmes
    if len(choices.classes) > 1:
        offered["class"] = choices.classes
    if len(choices.locations) > 1:
        offered["where"] = [(v, v) for v in choices.locations]
    if len(choices.instructors) > 1:
        offered["teacher"] = [(v, v) for v in choices.instructors]
    offered["time"] = time_choices()

    def asked(name):
        value = params.get(params.filters[name])
        return value if isinstance(value, str) and len(value) <= 255 else None

    return Filters(
        programme=_int_among(asked("programme"), offered.get("programme", ())),
        klass=_int_among(asked("class"), offered.get("class", ())),
        where=_among(asked("where"), offered.get("where", ())),
        teacher=_among(asked("teacher"), offered.get("teacher", ())),
        time=_among(asked("time"), offered["time"]),
        mine=member and asked("mine") == ON,
        open=asked("open") == ON,
        offered=offered,
    )


#: Each select's label and its "no filter" choice.
SELECTS = {
    "programme": (lambda: _("Programme"), lambda: _("Any programme")),
    "class": (lambda: _("Class"), lambda: _("Any class")),
    "where": (lambda: _("Location"), lambda: _("Any location")),
    "teacher": (lambda: _("Instructor"), lambda: _("Any instructor")),
    "time": (lambda: _("Time of day"), lambda: _("Any time")),
}


def form_fields(params, filters: Filters, *, member: bool) -> dict:
    """What the filter form shows: its selects and checkboxes, with the values in force, and
    the page's other parameters as hidden fields (the view and its period included)."""
    chosen = filters.values()
    selects = []
    for name, (label, anyone) in SELECTS.items():
        if name not in filters.offered:
            continue
        selects.append(
            {
                "name": params.filters[name],
                "id": f"{params.anchor}-{name}",
                "label": label(),
                "options": [
                    ("", anyone(), name not in chosen),
                    *((v, text, chosen.get(name) == v) for v, text in filters.offered[name]),
                ],
            }
        )
    checks = []
    if member:
        checks.append(("mine", _("Only what my passes cover")))
    checks.append(("open", _("Only with places left")))
    return {
        "selects": selects,
        "checks": [
            {
                "name": params.filters[name],
                "id": f"{params.anchor}-{name}",
                "label": label,
                "checked": name in chosen,
            }
            for name, label in checks
        ],
    }
