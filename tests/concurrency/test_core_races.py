"""Pass tools, settlement and waiting lists racing bookings (PostgreSQL, real threads).

Each race runs several rounds on fresh rows so both orders are likely to happen. After
every round the end state is asserted exactly, every refusal must be a ``PassesError``
with an expected code, and every pass involved must equal the oracle's recomputation
from its ledger (``tests/services/oracle.py``).
"""

import datetime as dt
import time
import traceback
from decimal import Decimal
from functools import partial

import pytest
from django.db.models import Sum
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import PassesError
from wagtail_passes.models import (
    Booking,
    BookingStatus,
    Hold,
    LedgerEntry,
    LedgerKind,
    WaitlistEntry,
    WaitlistStatus,
)
from wagtail_passes.services.facts import active_redemptions, local_today
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

from ..services.oracle import check_pass

pytestmark = [
    pytest.mark.postgres,
    # Threads need committed data. The flush after each test removes Wagtail's root page
    # and site; the factories create them again when needed.
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 5

#: Per round, how long each of two racing threads waits once released (seconds): none,
#: then a head start for one side, then for the other, so that both orders of the
#: critical sections occur (without it the side that reaches its first lock sooner
#: nearly always wins).
STAGGER = [(0, 0), (0.01, 0), (0, 0.01), (0.03, 0), (0, 0.03)]


def session_in(hours, klass, **kwargs):
    start = timezone.now() + dt.timedelta(hours=hours)
    return SessionFactory(
        programme_class=klass, start=start, end=start + dt.timedelta(hours=1), **kwargs
    )


def klass_of(require_pass=False, **kwargs):
    return ProgrammeClassFactory(
        programme=ProgrammeFactory(require_valid_pass=require_pass), **kwargs
    )


def race(concurrently, *calls, step=0):
    """Run each zero-argument callable in its own thread, all released at once (two
    calls are staggered by ``STAGGER[step]``)."""
    delays = STAGGER[step % len(STAGGER)] if len(calls) == 2 else [0] * len(calls)

    def run(call, delay):
        if delay:
            time.sleep(delay)
        return call()

    return concurrently(run, list(zip(calls, delays, strict=True)))


def outcome(result):
    """The string "ok", or the refusal's code."""
    kind, value = result
    return "ok" if kind == "ok" else value.code


def check_refusals(results, allowed):
    """Every error is a PassesError with one of the ``allowed`` codes; anything else
    (a deadlock, an IntegrityError, a bug) fails with its traceback."""
    for kind, value in results:
        if kind != "error":
            continue
        trace = "".join(traceback.format_exception(value))
        assert isinstance(value, PassesError), f"unexpected exception:\n{trace}"
        assert value.code in allowed, f"unexpected refusal {value.code!r}:\n{trace}"


def ledger_sum(mp):
    return LedgerEntry.objects.filter(member_pass=mp).aggregate(s=Sum("amount"))["s"]


def check_passes(*passes):
    today = local_today()
    for mp in passes:
        check_pass(mp, today)
        assert ledger_sum(mp) == mp.balance >= 0


# ---- 1. hold vs book -------------------------------------------------------------------


@pytest.mark.parametrize("require_pass", [False, True])
def test_hold_and_book_on_one_pass(concurrently, require_pass):
    """Either the hold covers the day and the booking is not paid by the pass, or the
    pass pays and the hold is refused ``hold_has_bookings``; never both."""
    staff = StaffFactory()
    klass = klass_of(require_pass)
    product = PassPageFactory()
    for i in range(ROUNDS):
        session = session_in(48 + i, klass)
        day = session.local_date
        mp = member_pass(product=product)

        held, booked = race(
            concurrently,
            partial(services.hold_pass, mp, day, day, by=staff),
            partial(services.book, mp.member, session),
            step=i,
        )

        check_refusals([held, booked], {"hold_has_bookings", "no_valid_pass"})
        hold_exists = Hold.objects.filter(
            member_pass=mp, starts_on__lte=day, ends_on__gte=day
        ).exists()
        redeemed = active_redemptions().filter(member_pass=mp, session_day=day).exists()
        assert not (hold_exists and redeemed)
        mp.refresh_from_db()
        if outcome(held) == "ok":
            assert hold_exists and not redeemed
            assert mp.balance == 10
            if require_pass:
                assert outcome(booked) == "no_valid_pass"
                assert not Booking.objects.filter(member=mp.member).exists()
            else:
                assert outcome(booked) == "ok"
                booking = Booking.objects.get(member=mp.member, session=session)
                assert booking.member_pass_id is None
                assert booking.amount_due == Decimal("12.00")
        else:
            assert outcome(held) == "hold_has_bookings"
            assert outcome(booked) == "ok"
            assert redeemed and not Hold.objects.filter(member_pass=mp).exists()
            booking = Booking.objects.get(member=mp.member, session=session)
            assert booking.member_pass_id == mp.pk and booking.amount_due == 0
            assert mp.balance == 9
        check_passes(mp)


# ---- 2. adjust vs book -----------------------------------------------------------------


def test_adjust_and_book_race_for_the_last_entry(concurrently):
    """One entry left: either staff take it away or the booking spends it, never both."""
    staff = StaffFactory()
    klass = klass_of(require_pass=True)
    product = PassPageFactory(quantity=Decimal(1))
    for i in range(ROUNDS):
        session = session_in(48 + i, klass)
        mp = member_pass(product=product)

        adjusted, booked = race(
            concurrently,
            partial(services.adjust_pass, mp, Decimal(-1), staff, "Entry given in cash"),
            partial(services.book, mp.member, session),
            step=i,
        )

        check_refusals(
            [adjusted, booked], {"negative_balance", "insufficient_balance", "no_valid_pass"}
        )
        assert [outcome(adjusted), outcome(booked)].count("ok") == 1
        mp.refresh_from_db()
        assert mp.balance == 0
        kinds = sorted(mp.ledger.exclude(kind=LedgerKind.ISSUE).values_list("kind", flat=True))
        if outcome(adjusted) == "ok":
            assert outcome(booked) == "no_valid_pass"
            assert kinds == [LedgerKind.ADJUST]
            assert not Booking.objects.filter(member=mp.member).exists()
        else:
            assert outcome(adjusted) in {"negative_balance", "insufficient_balance"}
            assert kinds == [LedgerKind.REDEEM]
            assert Booking.objects.get(member=mp.member, session=session).member_pass_id == mp.pk
        check_passes(mp)


# ---- 3. settle_unpaid vs book ----------------------------------------------------------


def test_settle_unpaid_and_book_share_one_entry(concurrently):
    """A new 1-entry pass pays either the earlier unpaid booking or the new one."""
    klass = klass_of()
    product = PassPageFactory(quantity=Decimal(1))
    for i in range(ROUNDS):
        first, second = session_in(48 + 2 * i, klass), session_in(49 + 2 * i, klass)
        member = UserFactory()
        unpaid = services.book(member, first)
        assert unpaid.amount_due == Decimal("12.00") and unpaid.member_pass_id is None
        mp = services.issue_member_pass(member, product, paid=True, settle=False)
        assert mp.balance == 1

        settled, booked = race(
            concurrently,
            partial(services.settle_unpaid, mp),
            partial(services.book, member, second),
            step=i,
        )

        check_refusals([settled, booked], set())
        new = Booking.objects.get(member=member, session=second)
        unpaid.refresh_from_db()
        paid = [b for b in (unpaid, new) if b.member_pass_id == mp.pk]
        owing = [b for b in (unpaid, new) if b.member_pass_id is None]
        assert len(paid) == 1 and len(owing) == 1
        assert paid[0].amount_due == 0 and owing[0].amount_due == Decimal("12.00")
        assert [b.pk for b in settled[1]] == ([unpaid.pk] if paid[0] == unpaid else [])
        assert LedgerEntry.objects.filter(member_pass=mp, kind=LedgerKind.REDEEM).count() == 1
        mp.refresh_from_db()
        assert mp.balance == 0
        check_passes(mp)


# ---- 4. cancel (with promotion) vs a newcomer ------------------------------------------


def test_freed_place_goes_to_the_waiting_member_not_a_newcomer(concurrently):
    """The cancellation promotes the waiting member inside its own transaction: a
    newcomer racing it finds the session full whichever runs first."""
    klass = klass_of()
    product = PassPageFactory()
    for i in range(20):
        session = session_in(48 + i, klass, capacity=1)
        holder = member_pass(product=product)
        booking = services.book(holder.member, session)
        waiting = member_pass(product=product)
        services.join_waitlist(waiting.member, session)
        newcomer = member_pass(product=product)

        cancelled, booked = race(
            concurrently,
            partial(services.cancel_booking, booking),
            partial(services.book, newcomer.member, session),
            step=i,
        )

        check_refusals([cancelled, booked], {"session_full"})
        assert outcome(cancelled) == "ok", f"round {i}"
        assert outcome(booked) == "session_full", f"round {i}"
        active = Booking.objects.filter(session=session).active()
        assert active.aggregate(n=Sum("attendees"))["n"] == 1
        promoted = active.get()
        assert promoted.member_id == waiting.member_id and promoted.member_pass_id == waiting.pk
        assert [b.pk for b in cancelled[1].promoted] == [promoted.pk]
        assert not Booking.objects.filter(member=newcomer.member).exists()
        entry = WaitlistEntry.objects.get(session=session, member=waiting.member)
        assert entry.status == WaitlistStatus.BOOKED and entry.booking_id == promoted.pk
        check_passes(holder, waiting, newcomer)
        assert (holder.balance, waiting.balance, newcomer.balance) == (10, 9, 10)


# ---- 5. money credit vs two bookings ---------------------------------------------------


@pytest.mark.parametrize("require_pass", [False, True])
def test_money_credit_pays_one_of_two_racing_bookings(concurrently, require_pass):
    """15.00 of credit, two 12.00 sessions booked at once: it pays exactly one."""
    klass = klass_of(require_pass, unit_price=Decimal("12.00"))
    product = CreditPackPageFactory(kind="money", quantity=Decimal("15.00"))
    for i in range(ROUNDS):
        sessions = [session_in(48 + 2 * i, klass), session_in(49 + 2 * i, klass)]
        mp = member_pass(product=product)

        results = race(
            concurrently, *(partial(services.book, mp.member, s) for s in sessions), step=i
        )

        check_refusals(results, {"no_valid_pass"} if require_pass else set())
        bookings = list(Booking.objects.filter(member=mp.member))
        paid = [b for b in bookings if b.member_pass_id == mp.pk]
        assert len(paid) == 1 and paid[0].amount_due == 0
        redeemed = LedgerEntry.objects.get(member_pass=mp, kind=LedgerKind.REDEEM)
        assert redeemed.amount == Decimal("-12.00") and redeemed.booking_id == paid[0].pk
        if require_pass:
            assert sorted(map(outcome, results)) == ["no_valid_pass", "ok"]
            assert bookings == paid
        else:
            assert [outcome(r) for r in results] == ["ok", "ok"]
            (owing,) = [b for b in bookings if b.member_pass_id is None]
            assert owing.amount_due == Decimal("12.00")
        mp.refresh_from_db()
        assert mp.balance == Decimal("3.00")
        check_passes(mp)


# ---- 6. crossed promotions: no deadlock ------------------------------------------------


def test_crossed_cancellations_promote_each_other_without_deadlock(concurrently):
    """A holds S1 and waits on S2; B holds S2 and waits on S1. Cancelling both at once
    promotes each into the other's place; each cancellation locks the other member's
    passes, in primary-key order, so neither waits on the other in a cycle."""
    klass = klass_of()
    product = PassPageFactory()
    for i in range(10):
        s1, s2 = (
            session_in(48 + 2 * i, klass, capacity=1),
            session_in(49 + 2 * i, klass, capacity=1),
        )
        a, b = member_pass(product=product), member_pass(product=product)
        a_s1, b_s2 = services.book(a.member, s1), services.book(b.member, s2)
        services.join_waitlist(a.member, s2)
        services.join_waitlist(b.member, s1)

        results = race(
            concurrently,
            partial(services.cancel_booking, a_s1),
            partial(services.cancel_booking, b_s2),
        )

        check_refusals(results, set())  # a deadlock would be a DatabaseError here
        for session, member, mp in ((s1, b.member, b), (s2, a.member, a)):
            (held,) = Booking.objects.filter(session=session).active()
            assert held.member_id == member.pk and held.member_pass_id == mp.pk, f"round {i}"
            assert WaitlistEntry.objects.get(session=session).status == WaitlistStatus.BOOKED
        assert Booking.objects.get(pk=a_s1.pk).status == BookingStatus.CANCELLED
        assert Booking.objects.get(pk=b_s2.pk).status == BookingStatus.CANCELLED
        check_passes(a, b)
        assert (a.balance, b.balance) == (9, 9)
