"""Series bookings (T1): "book every Tuesday 18:00 from … until …" in one action.

``book_series`` plans the dates (``rules.series``), records the series and one
``SeriesDate`` per date and person, then judges each date on its own, **in its own
transaction under the normal locks** (the session, then what the booking locks; the series
date right after its session): never one lock over the whole term, so members booking
single sessions meanwhile wait at most for one date. Each date ends:

- *booked*, with the booking (and so the pass that paid, or the amount due);
- *waiting* when the session is full (P7: the person joins its waiting list);
- *held* when booking has not opened yet (P8): ``book_held_dates`` books it once it opens
  (a deferred task where the Tasks backend can defer, and the daily job), and the account
  holder is emailed what became of it;
- *refused* with the booking service's reason (no valid pass, a limit, the session
  cancelled, already booked);
- *no session that day* (a bank holiday, a gap in the schedule).

A date refused ``busy`` (its session's lock not granted in time) is held for a minute and
booked by the next run of ``book_held_dates``, rather than failing the series.

The same form token returns the first series and books nothing (``replayed``). Cancelling
and paying are in ``services.series_cancel``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..audit import log_action
from ..conf import passes_settings
from ..exceptions import BookingError, PassError
from ..models import (
    Booking,
    MemberPass,
    PassStatus,
    ProgrammeClass,
    Series,
    SeriesDate,
    SeriesDateState,
    Session,
    WaitlistEntry,
    WaitlistStatus,
)
from ..models.households import MAX_DEPENDANTS
from ..presentation import local_today
from ..rules.booking_window import booking_opens_at
from ..rules.dates import format_day
from ..rules.series import match_sessions, plan_series
from . import lock_waits, notifications
from .attendees import attendee
from .booking import book_and_log
from .booking_core import is_staff_action
from .inputs import check_attendees, check_token
from .locking import lock_session
from .permissions import MANAGE_BOOKINGS, require_member_or_staff
from .waitlist import join_waitlist

logger = logging.getLogger(__name__)

SERIES_BOOKED = "series_booked"
SERIES_HELD_BOOKED = "series_held_booked"
#: A date refused busy is tried again this much later.
BUSY_RETRY = dt.timedelta(minutes=1)
#: A date still "being booked" this long after (its request died) is judged by the job.
STALE_PENDING = dt.timedelta(minutes=10)
#: Held dates booked by one run of ``book_held_dates`` at most (the next run goes on).
HELD_BATCH = 500
OPEN = (SeriesDateState.PENDING, SeriesDateState.HELD)


@dataclass
class SeriesResult:
    """A series and each of its dates (ordered by day, account holder first)."""

    series: Series
    dates: list[SeriesDate]
    replayed: bool = False

    def count(self, state: str) -> int:
        return sum(1 for item in self.dates if item.state == state)

    @property
    def booked(self) -> list[SeriesDate]:
        return [item for item in self.dates if item.state == SeriesDateState.BOOKED]


@dataclass
class HeldReport:
    booked: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    still_held: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.booked)} held series dates booked, {len(self.waiting)} waiting, "
            f"{len(self.refused)} refused, {len(self.still_held)} still held"
        )


# ---- booking a series ------------------------------------------------------------


def book_series(
    people_or_user,
    programme_class,
    *,
    weekday,
    time,
    starts_on,
    ends_on=None,
    attendees: int = 1,
    by=None,
    token: str | None = None,
) -> SeriesResult:
    """T1: book ``programme_class`` every ``weekday`` (0 is Monday) at the local ``time``
    from ``starts_on`` to ``ends_on`` (default: ``default_until``) for one or more people of
    one household (a user meaning themself, a ``Person``, or a list of them).

    Refused as a whole (``BookingError``, nothing written) for bad input, a range longer
    than ``WAGTAIL_PASSES_MAX_SERIES_DATES`` (``too_many_dates``) or with no session of
    the class at that day and time (``no_sessions``). Otherwise each date is judged on its
    own (see the module) and the result lists them all. ``token`` (the form's one-time
    nonce) makes it idempotent: the same token returns the first series, ``replayed``."""
    check_attendees(attendees)
    check_token(token)
    people = _people(people_or_user)
    member = people[0].account
    require_member_or_staff(member, by, MANAGE_BOOKINGS, BookingError)
    programme_class = _programme_class(programme_class)
    _check_when(weekday, time, starts_on, ends_on)
    if token and (earlier := Series.objects.filter(token=token, member=member).first()):
        return result_of(earlier, replayed=True)
    if ends_on is None:
        ends_on = default_until(programme_class, weekday, time, people[0], starts_on)
        if ends_on is None:
            raise BookingError(_("Choose the last date of the series."), code="no_last_date")
    plan = plan_series(weekday, starts_on, ends_on, passes_settings.MAX_SERIES_DATES)
    if not plan.ok:
        raise BookingError(plan.message, code=plan.code)
    matches = match_sessions(plan.days, time, _candidates(programme_class, plan.days), _tz())
    if not any(match.session_id for match in matches):
        raise BookingError(
            _("%(name)s has no session at that day and time between %(first)s and %(last)s.")
            % {
                "name": programme_class.name,
                "first": format_day(plan.days[0]),
                "last": format_day(plan.days[-1]),
            },
            code="no_sessions",
        )
    try:
        series = _record(
            member,
            programme_class,
            people,
            matches,
            by,
            token,
            attendees,
            weekday=weekday,
            time=time,
            starts_on=starts_on,
            ends_on=ends_on,
        )
    except IntegrityError:  # the same form, sent at the same instant: that series answers
        earlier = Series.objects.filter(token=token, member=member).first()
        if earlier is None:
            raise BookingError(
                _("This form's token is not valid. Reload the page and try again."),
                code="invalid_token",
            ) from None
        return result_of(earlier, replayed=True)
    judge_dates(series.dates.filter(state=SeriesDateState.PENDING).order_by("day", "pk"), by)
    result = result_of(series)
    notifications.email_on_commit(
        SERIES_BOOKED, member, series_id=series.pk, dates=[item.pk for item in result.dates]
    )
    signals.send_on_commit(signals.series_booked, Series, series=series, dates=result.dates, by=by)
    schedule_held_run(result.dates)
    return result


def result_of(series: Series, *, replayed: bool = False) -> SeriesResult:
    dates = list(
        series.dates.select_related(
            "person__account",
            "session__programme_class__programme",
            "booking__member_pass",
            "waitlist_entry__booking",
        )
    )
    return SeriesResult(series=series, dates=dates, replayed=replayed)


def _people(people_or_user) -> list:
    given = people_or_user if isinstance(people_or_user, list | tuple) else [people_or_user]
    if not given:
        raise BookingError(_("Choose who attends."), code="unknown_person")
    if len(given) > MAX_DEPENDANTS + 1:
        raise BookingError(_("Choose who attends."), code="unknown_person")
    people, seen = [], set()
    for who in given:
        person = attendee(who)
        if person.pk not in seen:
            seen.add(person.pk)
            people.append(person)
    if len({person.account_id for person in people}) > 1:
        raise BookingError(
            _("A series is for the people of one household."), code="not_one_household"
        )
    account = people[0].account
    for person in people:
        person.account = account
    return sorted(people, key=lambda p: (not p.is_holder, p.name, p.pk))


def _programme_class(value) -> ProgrammeClass:
    pk = value.pk if isinstance(value, ProgrammeClass) else value
    found = None
    if isinstance(pk, int) and not isinstance(pk, bool):
        found = ProgrammeClass.objects.select_related("programme").filter(pk=pk).first()
    if found is None:
        raise BookingError(_("This class does not exist."), code="unknown_class")
    return found


def _check_when(weekday, time, starts_on, ends_on) -> None:
    if type(weekday) is not int or not 0 <= weekday <= 6:
        raise BookingError(_("Choose a day of the week."), code="invalid_weekday")
    if not isinstance(time, dt.time):
        raise BookingError(_("Choose a time of day."), code="invalid_time")
    for day in (starts_on, ends_on):
        if day is not None and (not isinstance(day, dt.date) or isinstance(day, dt.datetime)):
            raise BookingError(_("Enter valid dates."), code="invalid_date")
    if starts_on is None:
        raise BookingError(_("Enter valid dates."), code="invalid_date")


def _tz():
    return passes_settings.tzinfo


def _candidates(programme_class, days) -> list[tuple[int, dt.datetime]]:
    """(id, start) of the class's sessions around the series' days, cancelled ones too:
    booking one is refused with its reason, "this session has been cancelled"."""
    tz = _tz()
    first = dt.datetime.combine(days[0] - dt.timedelta(days=1), dt.time(), tzinfo=tz)
    last = dt.datetime.combine(days[-1] + dt.timedelta(days=2), dt.time(), tzinfo=tz)
    return list(
        Session.objects.filter(
            programme_class=programme_class, start__gte=first, start__lt=last
        ).values_list("pk", "start")
    )


def default_until(programme_class, weekday: int, at: dt.time, person=None, today=None):
    """The default last date: the end of the class's term (its schedules' last day on that
    weekday, else its last session on that weekday and time), else the last valid day of
    the person's pass. None when none is known."""
    schedules = [
        schedule
        for schedule in programme_class.schedules.all()
        if weekday in schedule.weekdays and schedule.start_time.replace(second=0) == at
    ]
    if schedules and all(schedule.ends_on is not None for schedule in schedules):
        return max(schedule.ends_on for schedule in schedules)
    sessions = _candidates_from(programme_class, today)
    tz = _tz()
    last = None
    for _pk, start in sessions:
        local = start.astimezone(tz)
        if local.weekday() == weekday and (local.hour, local.minute) == (at.hour, at.minute):
            last = local.date()
    if last is not None:
        return last
    if person is not None and person.pk is not None:
        return (
            MemberPass.objects.filter(person=person)
            .exclude(status__in=[PassStatus.CANCELLED, PassStatus.EXPIRED])
            .aggregate(last=Max("valid_until"))["last"]
        )
    return None


def _candidates_from(programme_class, today):
    start = dt.datetime.combine(today or local_today(), dt.time(), tzinfo=_tz())
    return (
        Session.objects.filter(
            programme_class=programme_class, start__gte=start, is_cancelled=False
        )
        .order_by("start")
        .values_list("pk", "start")
    )


def _record(member, programme_class, people, matches, by, token, attendees, **when) -> Series:
    """The series and its dates, "being booked", in one short transaction of its own."""
    with transaction.atomic():
        series = Series.objects.create(
            member=member,
            programme_class=programme_class,
            attendees=attendees,
            created_by=by or member,
            token=token or None,
            weekday=when["weekday"],
            start_time=when["time"],
            starts_on=when["starts_on"],
            ends_on=when["ends_on"],
        )
        series.people.set(people)
        SeriesDate.objects.bulk_create(
            SeriesDate(
                series=series,
                person=person,
                day=match.day,
                session_id=match.session_id,
                state=SeriesDateState.PENDING if match.session_id else SeriesDateState.NO_SESSION,
                message="" if match.session_id else _("No session that day."),
            )
            for match in matches
            for person in people
        )
        if is_staff_action(member, by):
            log_action(
                series,
                "wagtail_passes.series.book",
                by,
                _("Booked a series of %(class)s for %(member)s")
                % {"class": programme_class.name, "member": member},
                people=[person.pk for person in people],
                starts_on=series.starts_on.isoformat(),
                ends_on=series.ends_on.isoformat(),
            )
    return series


# ---- judging one date --------------------------------------------------------------


def judge_dates(items, by) -> list[SeriesDate]:
    """Judge each date in its own transaction (see the module)."""
    return [judge_date(item, by) for item in items]


def retry_refused_dates(series: Series, by=None) -> SeriesResult:
    """T2: judge again the dates of ``series`` that were refused and have not started (a
    pass bought for the series since, a place freed, a limit's new period), each in its own
    transaction as ``book_series`` does. Refused ``series_cancelled`` for a cancelled
    series."""
    require_member_or_staff(series.member, by, MANAGE_BOOKINGS, BookingError)
    if series.cancelled_at is not None:
        raise BookingError(_("This series is cancelled."), code="series_cancelled")
    items = series.dates.filter(
        state=SeriesDateState.REFUSED, session__start__gt=timezone.now()
    ).order_by("day", "pk")
    judged = [item for item in (judge_date(i, by, retry=True) for i in items) if item.judged]
    if judged:
        signals.send_on_commit(signals.series_booked, Series, series=series, dates=judged, by=by)
    return result_of(series)


def judge_date(item: SeriesDate, by, *, retry: bool = False) -> SeriesDate:
    """Book one pending or held date under its session's lock, else wait, hold or refuse
    it; anything else (already judged, cancelled) is left as it is. The returned date's
    ``judged`` says whether this call decided it."""
    item.judged = False
    try:
        with lock_waits.atomic():
            session = lock_session(item.session_id)
            item = (
                SeriesDate.objects.select_for_update(of=("self",))
                .select_related("series", "person__account")
                .get(pk=item.pk)
            )
            item.judged = False
            allowed = (*OPEN, SeriesDateState.REFUSED) if retry else OPEN
            if item.state not in allowed or item.series.cancelled_at is not None:
                return item
            _judge_locked(item, session, by)
            item.save()
            item.judged = True
    except lock_waits.LockBusy as busy:
        # Nothing of this date was written: hold it for the next run to book.
        # (A date being retried stays refused: nothing of it changed.)
        SeriesDate.objects.filter(pk=item.pk, state__in=OPEN).update(
            state=SeriesDateState.HELD,
            opens_at=timezone.now() + BUSY_RETRY,
            code=busy.code,
            message=_("Many people were booking at that moment: this date is booked shortly."),
            updated_at=timezone.now(),
        )
        item.refresh_from_db()
        item.judged = False
    return item


def _judge_locked(item: SeriesDate, session: Session, by) -> None:
    person, series = item.person, item.series
    was_held = item.state == SeriesDateState.HELD
    item.code, item.message, item.opens_at = "", "", None
    try:
        with transaction.atomic():  # a refusal leaves nothing of this try behind
            booking = book_and_log(person, session, series.attendees, None, by)
    except (BookingError, PassError) as refusal:
        if refusal.code == lock_waits.BUSY:
            raise
        _refused(item, session, refusal, by, was_held=was_held)
        return
    item.state, item.booking = SeriesDateState.BOOKED, booking
    signals.send_on_commit(signals.booking_created, Booking, booking=booking, by=by)


def _refused(item: SeriesDate, session: Session, refusal, by, *, was_held: bool) -> None:
    person, series = item.person, item.series
    if refusal.code == "booking_not_open":
        programme = session.programme
        item.state = SeriesDateState.HELD
        item.opens_at = booking_opens_at(session.start, programme.booking_opens_days_before, _tz())
        item.code, item.message = refusal.code, refusal.message
        return
    if refusal.code == "session_full":
        _wait(item, session, refusal, by)
        return
    if refusal.code == "already_booked" and was_held:
        # Booked directly while the date was held: that booking is the series' now.
        item.state = SeriesDateState.BOOKED
        item.booking = session.bookings.active().filter(person=person).first()
        return
    item.state = SeriesDateState.REFUSED
    item.code, item.message = refusal.code, refusal.message
    logger.info("Series %s date %s not booked: %s", series.pk, item.day, refusal.code)


def _wait(item: SeriesDate, session: Session, full, by) -> None:
    """P7: a full date puts the person on its waiting list (or finds them on it)."""
    try:
        with transaction.atomic():
            entry = join_waitlist(item.person, session, item.series.attendees, by)
    except BookingError as refusal:
        entry = None
        if refusal.code == "already_waiting":
            entry = WaitlistEntry.objects.filter(
                person=item.person, session=session, status=WaitlistStatus.WAITING
            ).first()
        if entry is None:
            item.state = SeriesDateState.REFUSED
            item.code, item.message = refusal.code, refusal.message
            return
    item.state, item.waitlist_entry = SeriesDateState.WAITING, entry
    item.code, item.message = full.code, full.message


# ---- held dates ----------------------------------------------------------------------


def held_dates_due(now=None):
    """Held dates whose booking has opened by ``now``, and dates left "being booked" by a
    request that died, of series not cancelled."""
    now = now or timezone.now()
    due = Q(state=SeriesDateState.HELD, opens_at__lte=now) | Q(
        state=SeriesDateState.PENDING, updated_at__lt=now - STALE_PENDING
    )
    return (
        SeriesDate.objects.filter(due, series__cancelled_at__isnull=True)
        .exclude(session__isnull=True)
        .order_by("opens_at", "pk")
    )


def book_held_dates(now=None) -> HeldReport:
    """Book the held dates whose booking has opened, each in its own transaction, and
    email each account holder once with what became of their dates. Idempotent: a date
    already judged is left as it is; a person booked directly meanwhile keeps that one
    booking, which the date then shows."""
    report = HeldReport()
    judged: dict[int, list[SeriesDate]] = {}
    for item in list(held_dates_due(now)[:HELD_BATCH]):
        after = judge_date(item, None)
        if not after.judged and after.state != SeriesDateState.HELD:
            continue  # judged meanwhile by another run, or its series cancelled
        if after.state == SeriesDateState.HELD:
            report.still_held.append(after.pk)
            continue
        {
            SeriesDateState.BOOKED: report.booked,
            SeriesDateState.WAITING: report.waiting,
        }.get(after.state, report.refused).append(after.pk)
        judged.setdefault(after.series_id, []).append(after)
    for series_id, items in judged.items():
        series = items[0].series
        notifications.email_on_commit(
            SERIES_HELD_BOOKED, series.member, series_id=series_id, dates=[i.pk for i in items]
        )
        signals.send_on_commit(signals.series_booked, Series, series=series, dates=items, by=None)
    schedule_held_run(SeriesDate.objects.filter(pk__in=report.still_held))
    return report


def schedule_held_run(items) -> None:
    """Enqueue ``tasks.book_held_series_dates`` for when the first held date opens, where
    the Tasks backend can defer a task (django-tasks-db can, the Immediate backend cannot:
    the daily job books them then)."""
    from ..tasks import book_held_series_dates

    opens = [item.opens_at for item in items if item.state == SeriesDateState.HELD]
    if not opens or not getattr(book_held_series_dates.get_backend(), "supports_defer", False):
        return
    deferred = book_held_series_dates.using(run_after=min(opens))
    transaction.on_commit(deferred.enqueue, robust=True)


__all__ = [
    "HeldReport",
    "SeriesResult",
    "book_held_dates",
    "book_series",
    "default_until",
    "judge_date",
    "result_of",
    "retry_refused_dates",
]
