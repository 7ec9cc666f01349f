"""Can this member pass pay for this session, and if not, why not? (R4, R1, P4)

``evaluate`` explains one pass; ``eligible_passes`` returns every pass of a member
that can pay, in redemption order. Both translate models into the rules' plain values
and let ``rules.eligibility`` decide, so the reasoning is the same everywhere.
"""

from __future__ import annotations

from ..models import MemberPass, PassStatus, Session, attendee_filter
from ..rules.eligibility import evaluate as evaluate_rules
from ..rules.eligibility import reads_nearby_redemptions, redemption_sort_key
from ..rules.money import Money
from ..rules.types import Redemption, Verdict
from .facts import (
    ensure_session_loaded,
    load_redemptions,
    nearby_range,
    session_facts,
    state_of,
    terms_of,
)
from .inputs import check_attendees
from .standing_sql import with_redeemed_here


def _class_names(session: Session) -> dict[int, str]:
    # Only the session's own class is named in a "not valid for" message.
    return {session.programme_class_id: session.programme_class.name}


def evaluate(
    member_pass: MemberPass, session: Session, attendees: int = 1, *, owed: Money | None = None
) -> Verdict:
    """The verdict for paying ``session`` for ``attendees`` places with ``member_pass``.

    ``Verdict.ok``, a stable ``code``, a translated ``message`` naming the numbers and
    dates, ``temporary`` (limit reached or on hold, rather than expired or used up) and
    the ``cost`` it would take from the balance. ``owed`` is what an existing booking
    owes, when the question is whether the pass can settle it (R2).

    The verdict is judged on the pass as the database has it now — its balance, holds
    and status are read afresh — so an object held since before a booking or a hold
    never answers from stale values.
    """
    check_attendees(attendees)
    member_pass = MemberPass.objects.get(pk=member_pass.pk)
    session = ensure_session_loaded(session)
    facts = session_facts(session)
    first, last = nearby_range(facts.day)
    redemptions = load_redemptions([member_pass.pk], first, last).get(member_pass.pk, [])
    state = state_of(member_pass, redemptions)
    return evaluate_rules(
        terms_of(member_pass),
        state,
        facts,
        attendees,
        allow_unpaid=session.programme.redeem_if_unpaid,
        class_names=_class_names(session),
        owed=owed,
    )


def eligible_passes(member, session: Session, attendees: int = 1) -> list[MemberPass]:
    """The member's passes that can pay for ``session``, in R1 order.

    Oldest first; entry, unlimited, day and credit passes before money credit; ties by
    id. Unpaid passes only when the programme redeems unpaid passes (P4). Each returned
    pass carries its ``verdict`` (with the ``cost``). A constant number of queries: the
    passes, their redemptions near the session, and the class's link pool if it has one.
    """
    return [p for p in evaluate_member_passes(member, session, attendees) if p.verdict.ok]


def evaluate_member_passes(
    member, session: Session, attendees: int = 1, *, lock: bool = False
) -> list[MemberPass]:
    """Every usable pass of ``member`` (a Person, or a user meaning the user themself, F1)
    with its ``verdict`` for ``session``, R1 order.

    With ``lock`` (inside a transaction that already holds the session's lock), the
    passes are locked in primary-key order as they are read, so the verdicts stay true
    until the transaction ends: booking decides once, under the lock.
    """
    check_attendees(attendees)
    if getattr(member, "pk", None) is None:
        return []  # an anonymous visitor (or a person not saved yet) holds no passes
    session = ensure_session_loaded(session)
    passes = with_redeemed_here(
        MemberPass.objects.filter(attendee_filter(member))
        .exclude(status__in=[PassStatus.CANCELLED, PassStatus.EXPIRED])
        .select_related("person__account"),  # F2: an age range names its holder
        session.pk,
    )
    if lock:
        passes = passes.select_for_update(of=("self",)).order_by("pk")
    else:
        passes = passes.order_by()
    passes = list(passes)
    if not passes:
        return []
    terms = {p.pk: terms_of(p) for p in passes}
    facts = session_facts(session, judging=terms.values())
    # Only day passes and period limits count the redemptions around the session's day.
    nearby = {p.pk for p in passes if reads_nearby_redemptions(terms[p.pk])}
    redemptions = load_redemptions(nearby, *nearby_range(facts.day)) if nearby else {}
    allow_unpaid = session.programme.redeem_if_unpaid
    names = _class_names(session)
    for member_pass in passes:
        if member_pass.pk in nearby:
            known = redemptions.get(member_pass.pk, ())
        else:
            known = [this_redemption(facts)] if member_pass.redeemed_here else ()
        member_pass.verdict = evaluate_rules(
            terms[member_pass.pk],
            state_of(member_pass, known),
            facts,
            attendees,
            allow_unpaid=allow_unpaid,
            class_names=names,
        )
    passes.sort(key=lambda p: redemption_sort_key(p.kind, p.purchased_at, p.pk))
    return passes


def this_redemption(facts) -> Redemption:
    """The pass's redemption for the session judged, standing in for the nearby ones a pass
    without day or period rules does not load: it answers "already used for this session"
    (attendees 0: it counts towards nothing, and its day lies within the pass's cached
    first and last use days)."""
    return Redemption(session_id=facts.session_id, day=facts.day, attendees=0)


__all__ = ["eligible_passes", "evaluate", "evaluate_member_passes"]
