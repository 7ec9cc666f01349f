"""Build the rules' plain values (``rules.types``) from models, in few queries.

Eligibility only needs the redemptions near the session (its week and its month,
for period limits, day passes and "already redeemed") plus each pass's first and
last redemption day (for first-use validity). Loading only those keeps the cost
constant however long a member's history grows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max, Min, QuerySet

from ..models import (
    BookingStatus,
    LedgerEntry,
    LedgerKind,
    MemberPass,
    ProgrammeClass,
    Session,
)
from ..presentation import local_day, local_today
from ..rules.coverage import needs_link_pool
from ..rules.periods import period_bounds
from ..rules.status import status_on
from ..rules.types import Hold, PassState, PassTerms, Redemption, SessionFacts


def active_redemptions() -> QuerySet:
    """Redemptions that no return has given back."""
    return LedgerEntry.objects.filter(kind=LedgerKind.REDEEM, reversal__isnull=True)


def use_bounds(
    member_pass: MemberPass, *, excluding: LedgerEntry | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """The first and last session day among the pass's active redemptions (V3).

    ``excluding`` leaves out a redemption about to be returned, whose return movement
    does not exist yet.
    """
    redemptions = active_redemptions().filter(member_pass=member_pass)
    if excluding is not None:
        redemptions = redemptions.exclude(pk=excluding.pk)
    bounds = redemptions.order_by().aggregate(first=Min("session_day"), last=Max("session_day"))
    return bounds["first"], bounds["last"]


def nearby_range(day: dt.date) -> tuple[dt.date, dt.date]:
    """The days whose redemptions can affect a session on ``day``: its week and month."""
    week = period_bounds("week", day)
    month = period_bounds("month", day)
    return min(week[0], month[0]), max(week[1], month[1])


def load_redemptions(
    pass_ids: Iterable[int], first: dt.date, last: dt.date
) -> dict[int, list[Redemption]]:
    rows = (
        active_redemptions()
        .filter(member_pass_id__in=list(pass_ids), session_day__range=(first, last))
        .order_by()
        .values_list("member_pass_id", "session_id", "session_day", "attendees", "booking__status")
    )
    result: dict[int, list[Redemption]] = defaultdict(list)
    for pass_id, session_id, day, attendees, booking_status in rows:
        result[pass_id].append(
            Redemption(
                session_id=session_id,
                day=day,
                attendees=attendees,
                for_active_booking=booking_status != BookingStatus.CANCELLED,
            )
        )
    return result


def terms_of(member_pass: MemberPass) -> PassTerms:
    return PassTerms(
        kind=member_pass.kind,
        quantity=member_pass.quantity,
        currency=member_pass.currency,
        validity_basis=member_pass.validity_basis,
        duration_days=member_pass.duration_days,
        fixed_start=member_pass.fixed_start,
        fixed_end=member_pass.fixed_end,
        period_limit=member_pass.period_limit or None,
        period_max_uses=member_pass.period_max_uses,
        programme_ids=frozenset(member_pass.programme_ids),
        class_ids=frozenset(member_pass.class_ids),
        allows_additional_attendees=member_pass.allows_additional_attendees,
        min_age=member_pass.min_age,
        max_age=member_pass.max_age,
    )


def state_of(member_pass: MemberPass, redemptions: Iterable[Redemption] = ()) -> PassState:
    """The pass's state; ``redemptions`` may be a window of them, in which case the first
    and last redemption days outside it (cached on the pass) are added so first-use
    validity stays exact. They carry no session and fall outside the window, so they
    never count towards a period limit or a day already used."""
    redemptions = list(redemptions)
    known = {r.day for r in redemptions}
    for day in {member_pass.first_use_day, member_pass.last_use_day} - {None}:
        if day not in known:
            redemptions.append(Redemption(session_id=0, day=day, attendees=0))
    return PassState(
        status=member_pass.status,
        balance=member_pass.balance,
        paid=member_pass.is_paid,
        purchased_on=local_day(member_pass.purchased_at),
        paid_on=local_day(member_pass.paid_at),
        holds=tuple(Hold(starts_on=a, ends_on=b) for a, b in member_pass.hold_periods),
        redemptions=tuple(redemptions),
        extended_days=member_pass.extended_days,
        starts_on=member_pass.starts_on,
        **_holder(member_pass),
    )


def _holder(member_pass: MemberPass) -> dict:
    """F2: the holder's date of birth and name, read only for a pass with an age range."""
    if member_pass.min_age is None and member_pass.max_age is None:
        return {}
    person = member_pass.person
    return {"holder_born": person.date_of_birth, "holder_name": person.display_name}


def session_facts(session: Session, *, judging: Iterable[PassTerms] | None = None) -> SessionFacts:
    """Facts of a session whose class and programme are loaded: one query for the class's
    link pool, if it has one and whether a pass covers the session can depend on it
    (``judging``: the terms of the passes about to be judged; None: any pass)."""
    klass = session.programme_class
    linked = {klass.pk}
    if klass.link_pool_id is not None and (
        judging is None or any(needs_link_pool(t, klass.programme_id, klass.pk) for t in judging)
    ):
        linked |= set(
            ProgrammeClass.objects.filter(link_pool_id=klass.link_pool_id)
            .order_by()
            .values_list("pk", flat=True)
        )
    return SessionFacts(
        session_id=session.pk,
        day=session.local_date,
        class_id=klass.pk,
        programme_id=klass.programme_id,
        linked_class_ids=frozenset(linked),
        unit_price=session.effective_unit_price,
        credit_cost=klass.credit_cost,
    )


def ensure_session_loaded(session: Session) -> Session:
    """The session with its class and programme, fetched only if not already cached."""
    cache = session._state.fields_cache
    klass = cache.get("programme_class")
    if klass is not None and "programme" in klass._state.fields_cache:
        return session
    return Session.objects.with_related().get(pk=session.pk)


def status_today(member_pass: MemberPass, today: dt.date | None = None) -> str:
    """The pass's status by the one rule (``rules.status``), on ``today``: what every
    page shows. The stored status is the same once the day's writes and the daily job
    have run; this never waits for them."""
    return status_on(terms_of(member_pass), state_of(member_pass), today or local_today())
