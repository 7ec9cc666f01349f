"""Everything one calendar view shows, in a constant number of queries (read-only).

- the sessions in range with their class and programme, and the places each has taken
  (one query: a correlated ``Sum`` over the active bookings);
- for a member: their active bookings and waiting entries in range, their usable passes,
  those passes' redemptions near the range, and the classes of the link pools shown;
  then each session's verdicts are computed in memory by the same rule functions that
  ``services.evaluate_member_passes`` runs (``rules.eligibility.evaluate``), fed with the
  same facts (``services.facts``) — so the calendar says what booking will do;
- the products on sale to the visitor (not those on pages private to others, A2), only
  when a session needs a pass the member does not hold.

Nothing here writes, locks or decides a booking: ``services.book`` decides again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..conf import passes_settings
from ..models import (
    Booking,
    MemberPass,
    PassStatus,
    ProgrammeClass,
    Session,
    WaitlistEntry,
    WaitlistStatus,
    attendee_filter,
)
from ..models.bookings import ACTIVE_BOOKING
from ..presentation import local
from ..products.visibility import passed_view_restrictions
from ..rules.coverage import covers
from ..rules.dates import local_moment
from ..rules.eligibility import evaluate as evaluate_rules
from ..rules.eligibility import redemption_sort_key
from ..rules.types import SessionFacts
from ..services.facts import load_redemptions, nearby_range, state_of, terms_of


def sessions_between(
    start: dt.datetime,
    end: dt.datetime,
    *,
    programme_ids=(),
    class_ids=(),
    include_cancelled: bool = True,
    filters=None,
    where: Q | None = None,
    classes=None,
) -> list[Session]:
    """Sessions starting in [start, end) of the programmes or classes, in start order, each
    with ``taken`` (places booked) and its class and programme loaded, narrowed to the
    ``filters`` in force (``filters.Filters``) and the condition ``where``. One query.
    ``classes``: those classes loaded already (``filters.load_classes``), with their
    programme; the sessions share them instead of reading theirs along."""
    taken = (
        Booking.objects.filter(ACTIVE_BOOKING, session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Sum("attendees"))
        .values("n")
    )
    chosen = Q(programme_class__programme_id__in=list(programme_ids)) | Q(
        programme_class_id__in=list(class_ids)
    )
    sessions = Session.objects.filter(chosen, start__gte=start, start__lt=end)
    if not include_cancelled:
        sessions = sessions.filter(is_cancelled=False)
    if where is not None:
        sessions = sessions.filter(where)
    if classes is None:
        sessions = sessions.select_related("programme_class__programme")
    sessions = sessions.annotate(
        taken=Coalesce(Subquery(taken, output_field=IntegerField()), Value(0))
    )
    if filters is not None:
        sessions = filters.narrow(sessions, passes_settings.tzinfo)
    found = list(sessions.order_by("start", "pk"))
    if classes is not None:
        by_id = {klass.pk: klass for klass in classes}
        missing = {s.programme_class_id for s in found} - by_id.keys()
        if missing:  # not one of the classes given: read them (one query)
            by_id.update(ProgrammeClass.objects.select_related("programme").in_bulk(list(missing)))
        cache = Session.programme_class.field
        for session in found:
            cache.set_cached_value(session, by_id[session.programme_class_id])
    return found


def places_left(session: Session) -> int:
    return max(session.effective_capacity - session.taken, 0)


@dataclass
class MemberView:
    """What a member holds around the sessions shown."""

    bookings: dict[int, Booking] = field(default_factory=dict)  # session id -> active booking
    waiting: dict[int, WaitlistEntry] = field(default_factory=dict)  # session id -> entry
    passes: list[MemberPass] = field(default_factory=list)  # usable, with ``terms``/``state``
    pools: dict[int, frozenset[int]] = field(default_factory=dict)  # pool id -> class ids
    _verdicts: dict = field(default_factory=dict)
    # Read once per calendar, not once per session: a session's price depends only on its
    # class (P1), and the facts of one session are asked for more than once.
    _prices: dict = field(default_factory=dict)
    _facts: dict = field(default_factory=dict)
    tz: dt.tzinfo = field(default_factory=lambda: passes_settings.tzinfo)

    def price_of(self, session: Session):
        """The session's effective unit price (P1), computed once per class."""
        price = self._prices.get(session.programme_class_id)
        if price is None:
            price = self._prices[session.programme_class_id] = session.effective_unit_price
        return price

    def facts(self, session: Session) -> SessionFacts:
        found = self._facts.get(session.pk)
        if found is not None:
            return found
        klass = session.programme_class
        facts = self._facts[session.pk] = SessionFacts(
            session_id=session.pk,
            day=local_moment(session.start, self.tz).date(),
            class_id=klass.pk,
            programme_id=klass.programme_id,
            linked_class_ids=self.pools.get(klass.link_pool_id, frozenset()),
            unit_price=self.price_of(session),
            credit_cost=klass.credit_cost,
        )
        return facts

    def verdicts(self, session: Session, attendees: int = 1, *, first_ok: bool = False):
        """(pass, verdict) for each usable pass and ``session``, in R1 order: what
        ``services.evaluate_member_passes`` answers, without its queries. With
        ``first_ok`` it stops at the first pass that pays (the one booking would use).

        A verdict depends on the session only through its facts (day, class, pool, price,
        credits) and on whether the pass already pays for it; verdicts for sessions alike
        in all of that are computed once per pass."""
        facts = self.facts(session)
        allow_unpaid = session.programme_class.programme.redeem_if_unpaid
        shape = (
            facts.day,
            facts.class_id,
            facts.programme_id,
            facts.linked_class_ids,
            facts.unit_price,
            facts.credit_cost,
            allow_unpaid,
            attendees,
        )
        names = {session.programme_class_id: session.programme_class.name}
        result = []
        for member_pass in self.passes:
            key = (member_pass.pk, shape)
            verdict = None if session.pk in member_pass.redeemed else self._verdicts.get(key)
            if verdict is None:
                verdict = evaluate_rules(
                    member_pass.terms,
                    member_pass.state,
                    facts,
                    attendees,
                    allow_unpaid=allow_unpaid,
                    class_names=names,
                )
                if session.pk not in member_pass.redeemed:
                    self._verdicts[key] = verdict
            result.append((member_pass, verdict))
            if first_ok and verdict.ok:
                break
        return result

    def payer(self, session: Session, attendees: int = 1):
        """(pass, verdict) of the pass that would pay (R1), else None."""
        for member_pass, verdict in self.verdicts(session, attendees, first_ok=True):
            if verdict.ok:
                return member_pass, verdict
        return None


def usable_passes(member) -> list[MemberPass]:
    """The member's passes that may still pay (not cancelled, not expired): one query."""
    return list(
        # F1: the member's own (a dependant's passes pay only for the dependant).
        MemberPass.objects.filter(attendee_filter(member))
        .exclude(status__in=[PassStatus.CANCELLED, PassStatus.EXPIRED])
        .order_by()
    )


def member_view(
    member, sessions: list[Session], start: dt.datetime, end: dt.datetime, *, passes=None
) -> MemberView:
    """A member's bookings, waiting entries and passes around ``sessions`` (which start in
    [start, end)). At most five queries, whatever the member's history; four when the
    caller loaded ``passes`` already (``usable_passes``)."""
    view = MemberView()
    if getattr(member, "pk", None) is None or not sessions:
        return view
    in_range = Q(session__start__gte=start, session__start__lt=end)
    view.bookings = {
        b.session_id: b
        for b in Booking.objects.active().filter(in_range, attendee_filter(member)).order_by()
    }
    view.waiting = {
        w.session_id: w
        for w in WaitlistEntry.objects.filter(
            in_range, attendee_filter(member), status=WaitlistStatus.WAITING
        ).order_by()
    }
    passes = usable_passes(member) if passes is None else list(passes)
    if passes:
        days = [local(s.start).date() for s in (sessions[0], sessions[-1])]
        first, last = nearby_range(days[0])[0], nearby_range(days[1])[1]
        redemptions = load_redemptions([p.pk for p in passes], first, last)
        for member_pass in passes:
            member_pass.terms = terms_of(member_pass)
            member_pass.state = state_of(member_pass, redemptions.get(member_pass.pk, ()))
            member_pass.redeemed = {r.session_id for r in member_pass.state.redemptions}
        passes.sort(key=lambda p: redemption_sort_key(p.kind, p.purchased_at, p.pk))
        view.passes = passes
    pool_ids = {s.programme_class.link_pool_id for s in sessions} - {None}
    if pool_ids:
        pools = defaultdict(set)
        rows = ProgrammeClass.objects.filter(link_pool_id__in=pool_ids).values_list(
            "link_pool_id", "pk"
        )
        for pool_id, class_id in rows.order_by():
            pools[pool_id].add(class_id)
        view.pools = {k: frozenset(v) for k, v in pools.items()}
    return view


class ProductsOnSale:
    """The products on sale to the calendar's visitor, read once and only when a session
    needs them (P3's "Get a pass"). Which are offered is ``services.catalogue``'s rule (A1,
    A2 with the page passwords the visitor entered, U5, U6); ``request`` gives the visitor
    (None: anonymous). The member's orders awaiting payment of those products are read
    once too (``pending``), for every session."""

    def __init__(self, request=None, now=None):
        self._products = None
        self._pending = None
        self._request = request
        self._now = now

    def _load(self) -> list:
        if self._products is None:
            from ..services.catalogue import coverage_terms, live_products, products_on_sale

            on_sale = products_on_sale(
                self._now,
                member=getattr(self._request, "user", None),
                passed_view_restrictions=passed_view_restrictions(self._request),
                candidates=live_products(self._request),  # read once per request
            )
            self._products = [(p, coverage_terms(p)) for p in on_sale]
            # Cheapest first at today's price (A3's pro-rata), as the booking page lists them.
            self._products.sort(key=lambda pair: (pair[0].price_today().amount, pair[0].title))
        return self._products

    def covering(self, facts: SessionFacts) -> list:
        return [product for product, terms in self._load() if covers(terms, facts)]

    def pending(self) -> dict:
        """product id -> the member's order of it awaiting payment (``PendingOrder``): one
        query for every product on sale, reused by every session."""
        if self._pending is None:
            from ..services.pass_offers import pending_orders

            self._pending = pending_orders(
                getattr(self._request, "user", None), [p.pk for p, _ in self._load()], self._now
            )
        return self._pending
