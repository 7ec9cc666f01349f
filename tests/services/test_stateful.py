"""A stateful test over the booking and pass services (hypothesis RuleBasedStateMachine).

Random sequences of book / cancel (member and staff, with and without the entry back)
/ cancel_session / hold / adjust / extend / settle / join and leave the waiting list /
promote / the daily job, on passes of every kind, checking after every step that:

- no session holds more booked places than its capacity (P7);
- every pass's balance equals its ledger's sum and never goes below 0, and every
  cached field equals an independent recomputation (``oracle.check_pass``; R3);
- no period limit is passed (U1) and no redemption lies inside a hold (V7);
- a cancelled booking owes nothing; a booking paid by a pass owes nothing (P1, P6);
- nobody both waits for and holds a place on one session (P7);
- households (F1): two of the members have a dependant, who books, waits and holds passes of
  their own; every row's account holder (``member``) is its person's account, and a pass
  pays only for its own holder's bookings.

``PASSES_EXAMPLES`` raises the number of runs for a deeper search.
"""

import datetime as dt
import os
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from wagtail_passes import services
from wagtail_passes.exceptions import PassesError
from wagtail_passes.models import (
    Booking,
    BookingStatus,
    LedgerEntry,
    LedgerKind,
    MemberPass,
    Person,
    Session,
    WaitlistEntry,
    WaitlistStatus,
)
from wagtail_passes.rules.periods import period_bounds
from wagtail_passes.services.facts import local_today
from wagtail_passes.services.standing_sql import occupancy, with_member_standing
from wagtail_passes.test.factories import (
    LinkPoolFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

from .oracle import check_pass

EXAMPLES = int(os.environ.get("PASSES_EXAMPLES", "25"))


def at(day_offset, hour, klass):
    day = local_today() + dt.timedelta(days=day_offset)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


class BookingMachine(RuleBasedStateMachine):
    """Three members with passes of every kind, five sessions of two places."""

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.staff = StaffFactory()
        open_programme = ProgrammeFactory(default_unit_price=Decimal("10.00"))
        strict_programme = ProgrammeFactory(
            default_unit_price=Decimal("10.00"), require_valid_pass=True
        )
        pool = LinkPoolFactory(programme=open_programme)
        open_class = ProgrammeClassFactory(programme=open_programme, capacity=2, link_pool=pool)
        linked_class = ProgrammeClassFactory(programme=open_programme, link_pool=pool)
        strict_class = ProgrammeClassFactory(programme=strict_programme, capacity=2)
        self.sessions = [
            at(-1, 10, open_class),  # started: only staff book it (a walk-in)
            at(2, 9, open_class),
            at(2, 18, strict_class),  # same day: day passes (K3)
            at(3, 18, open_class),
            at(9, 18, strict_class),
        ]
        self.members = [UserFactory() for _ in range(3)]
        a, b, c = self.members
        # F1: Ana (a's child) holds a weekly-limited pass of her own; Leo (b's) holds none.
        ana = services.add_dependant(a, "Ana")
        leo = services.add_dependant(b, "Leo")
        self.people = [a, b, c, ana, leo]
        self.passes = [
            member_pass(a, quantity=Decimal(3), period_limit="week", period_max_uses=2),
            member_pass(a, kind="money", quantity=Decimal("25.00")),
            member_pass(b, kind="days", quantity=Decimal(2), allows_additional_attendees=True),
            member_pass(
                b, kind="credits", quantity=Decimal(4), duration_days=5, validity_basis="first_use"
            ),
            member_pass(c, kind="unlimited", quantity=None, duration_days=6),
            # Pays for open_class only through the link pool (P5).
            member_pass(c, quantity=Decimal(2), classes=[linked_class]),
            # F1: Ana's own, with a weekly limit of 1 that her parent's bookings never count.
            member_pass(ana, quantity=Decimal(3), period_limit="week", period_max_uses=1),
        ]

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _person(self, who) -> Person:
        return who if isinstance(who, Person) else Person.objects.holder_of(who)

    def _pick(self, queryset, index):
        items = list(queryset.order_by("pk"))
        return items[index % len(items)] if items else None

    def _attempt(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except PassesError:
            return None  # refused: nothing changed (the invariants prove it)

    # ---- rules -----------------------------------------------------------------

    @rule(
        member=st.integers(0, 4),
        session=st.integers(0, 4),
        attendees=st.integers(1, 2),
        by_staff=st.booleans(),
        chosen=st.one_of(st.none(), st.integers(0, 6)),
        anyones=st.booleans(),
    )
    def book(self, member, session, attendees, by_staff, chosen, anyones):
        member = self.people[member]
        chosen_pass = self.passes[chosen] if chosen is not None else None
        if (
            chosen_pass is not None
            and not anyones
            and chosen_pass.person_id != self._person(member).pk
        ):
            chosen_pass = None  # else: someone else's pass (another person's), refused
        self._attempt(
            services.book,
            member,
            self.sessions[session],
            attendees,
            member_pass=chosen_pass,
            by=self.staff if by_staff else None,
        )

    @rule(
        index=st.integers(0, 50),
        by_staff=st.booleans(),
        give_back=st.sampled_from([None, True, False]),
    )
    def cancel(self, index, by_staff, give_back):
        booking = self._pick(Booking.objects.filter(status=BookingStatus.BOOKED), index)
        if booking is not None:
            by = self.staff if by_staff else booking.member
            self._attempt(services.cancel_booking, booking, by=by, return_entry=give_back)

    @rule(session=st.integers(0, 4))
    def cancel_session(self, session):
        self._attempt(services.cancel_session, self.sessions[session], self.staff)

    @rule(mp=st.integers(0, 6), offset=st.integers(-1, 9), length=st.integers(0, 2))
    def hold(self, mp, offset, length):
        start = local_today() + dt.timedelta(days=offset)
        self._attempt(
            services.hold_pass,
            self.passes[mp],
            start,
            start + dt.timedelta(days=length),
            self.staff,
        )

    @rule(mp=st.integers(0, 6), amount=st.integers(-3, 3))
    def adjust(self, mp, amount):
        self._attempt(services.adjust_pass, self.passes[mp], Decimal(amount), self.staff, "test")

    @rule(mp=st.integers(0, 6), days=st.integers(1, 4))
    def extend(self, mp, days):
        self._attempt(services.extend_pass, self.passes[mp], days, self.staff)

    @rule(mp=st.integers(0, 6))
    def settle(self, mp):
        self._attempt(services.settle_unpaid, self.passes[mp], by=self.staff)

    @rule(member=st.integers(0, 4), session=st.integers(0, 4), by_staff=st.booleans())
    def join_waitlist(self, member, session, by_staff):
        self._attempt(
            services.join_waitlist,
            self.people[member],
            self.sessions[session],
            by=self.staff if by_staff else None,
        )

    @rule(index=st.integers(0, 20))
    def leave_waitlist(self, index):
        entry = self._pick(WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING), index)
        if entry is not None:
            self._attempt(services.leave_waitlist, entry, by=entry.member)

    @rule(session=st.integers(0, 4), capacity=st.integers(1, 4))
    def change_capacity(self, session, capacity):
        self._attempt(
            services.update_session, self.sessions[session], self.staff, capacity=capacity
        )

    @rule(session=st.integers(0, 4))
    def promote(self, session):
        self._attempt(services.promote_waitlist, self.sessions[session])

    @rule()
    def daily(self):
        services.run_daily()

    @rule(member=st.integers(0, 4), session=st.integers(0, 4), token=st.booleans())
    def standing_read_by_hand_equals_the_orm(self, member, session, token):
        """The statements a booking request runs as SQL (``services.standing_sql``) answer
        what the ORM answers, and a member's passes judged the lean way (only day passes
        and period limits read their nearby redemptions; the link pool only when it
        matters) get the verdicts of ``evaluate``, which reads everything for each pass."""
        member, session = self.people[member], self.sessions[session]
        person = self._person(member)
        active = session.bookings.active()
        mine = active.filter(person=person).first()
        waits = session.waitlist.filter(person=person, status=WaitlistStatus.WAITING).exists()
        earlier = None
        if token:  # a token this person's earlier booking was made with, if any
            earlier = session.bookings.filter(person=person).order_by("pk").first()
            if earlier is not None and earlier.token is None:
                Booking.objects.filter(pk=earlier.pk).update(token=f"t{earlier.pk}")
        seen = occupancy(session.pk, person.pk, f"t{earlier.pk}" if earlier else None)
        taken = active.aggregate(n=Sum("attendees"))["n"] or 0
        assert seen.taken == taken
        assert seen.booking_id == (mine.pk if mine else None)
        assert seen.waiting == waits
        assert seen.token_booking_id == (earlier.pk if earlier else None)
        shown = with_member_standing(Session.objects.all(), member).get(pk=session.pk)
        assert (shown.places_taken, shown.my_booking_id, shown.am_waiting) == (
            taken,
            mine.pk if mine else None,
            waits,
        )
        if not isinstance(member, Person):  # a user's standing is their own person's
            by_person = with_member_standing(Session.objects.all(), person).get(pk=session.pk)
            assert by_person.my_booking_id == shown.my_booking_id
            assert by_person.am_waiting == shown.am_waiting
        judged_passes = services.evaluate_member_passes(member, session)
        assert {p.pk for p in judged_passes} == set(
            MemberPass.objects.filter(person=person)
            .exclude(status__in=["cancelled", "expired"])
            .values_list("pk", flat=True)
        )
        for judged in judged_passes:
            assert judged.verdict == services.evaluate(judged, session), judged.title

    # ---- invariants --------------------------------------------------------------

    @rule(member=st.integers(0, 2), session=st.integers(0, 4), cancel=st.booleans())
    def series(self, member, session, cancel):
        """T1, T2: a series of the session's weekday and local time over ten days, then
        perhaps cancelled whole."""
        from wagtail_passes.presentation import local

        start = local(self.sessions[session].start)
        result = self._attempt(
            services.book_series,
            self.members[member],
            self.sessions[session].programme_class,
            weekday=start.weekday(),
            time=start.time(),
            starts_on=local_today() - dt.timedelta(days=1),
            ends_on=local_today() + dt.timedelta(days=9),
        )
        if result is not None and cancel:
            self._attempt(services.cancel_series, result.series)

    @invariant()
    def series_dates_point_at_their_own_bookings(self):
        from wagtail_passes.models import SeriesDate, SeriesDateState

        for item in SeriesDate.objects.filter(state=SeriesDateState.BOOKED):
            assert item.booking.person_id == item.person_id
            assert item.booking.session_id == item.session_id

    @invariant()
    def capacity_is_never_exceeded(self):
        for session in Session.objects.with_related():
            taken = session.bookings.active().aggregate(n=Sum("attendees"))["n"] or 0
            assert taken <= session.effective_capacity, session

    @invariant()
    def cached_fields_equal_the_ledger(self):
        today = local_today()
        for mp in MemberPass.objects.all():
            check_pass(mp, today)

    @invariant()
    def limits_and_holds_are_respected(self):
        active = LedgerEntry.objects.filter(
            kind=LedgerKind.REDEEM, reversal__isnull=True
        ).select_related("member_pass", "booking")
        per_period = defaultdict(int)
        for redemption in active:
            mp = redemption.member_pass
            for start, end in mp.hold_periods:
                assert not start <= redemption.session_day <= end, "redeemed inside a hold"
            if mp.period_limit and redemption.booking.status != BookingStatus.CANCELLED:
                period = period_bounds(mp.period_limit, redemption.session_day)
                per_period[(mp.pk, period)] += redemption.attendees
                assert per_period[(mp.pk, period)] <= mp.period_max_uses

    @invariant()
    def bookings_owe_what_they_should(self):
        for booking in Booking.objects.all():
            if booking.status == BookingStatus.CANCELLED or booking.member_pass_id:
                assert booking.amount_due == 0, booking
            assert booking.amount_due >= 0

    @invariant()
    def nobody_waits_for_a_place_they_hold(self):
        for entry in WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING):
            assert not entry.session.bookings.active().filter(person=entry.person).exists()

    @invariant()
    def f1_each_row_is_its_persons_and_their_account_holders(self):
        accounts = dict(Person.objects.values_list("pk", "account_id"))
        for model in (Booking, MemberPass, WaitlistEntry):
            for member_id, person_id in model.objects.values_list("member_id", "person_id"):
                assert accounts[person_id] == member_id, model
        # A pass pays only for its own holder's bookings (a child's pass never the parent's).
        for booking in Booking.objects.filter(member_pass__isnull=False).select_related(
            "member_pass"
        ):
            assert booking.member_pass.person_id == booking.person_id, booking
        for redemption in LedgerEntry.objects.filter(kind=LedgerKind.REDEEM).select_related(
            "member_pass", "booking"
        ):
            assert redemption.booking.person_id == redemption.member_pass.person_id
        active = Booking.objects.active().values_list("person_id", "session_id")
        assert len(set(active)) == len(active), "a person booked twice on one session (P2)"


@pytest.mark.django_db
def test_f1_p7_r3_u1_v7_services_keep_every_invariant_whatever_the_sequence():
    run_state_machine_as_test(
        BookingMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
