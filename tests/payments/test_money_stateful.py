"""The money machine (issue 17): random sequences of what members, staff, the clock and Stripe
do, with Stripe's events delivered late, twice and in any order, checked after every step.

Rules: place an order (card or bank transfer, with or without a one-use discount code, a
product with one place left); a pass that renews bought by card (its card saved), the daily
job renewing it and charging the saved card, the card starting to decline; "Pay by card"
(which asks Stripe about the last attempts first); a second session opened in another tab;
the member paying a session (at once, or by a bank debit that succeeds or fails later); the
return page; Stripe's events (each of them, any number of times, in any order); staff
marking an order paid; the clock passing holds and the tidy job expiring them; staff refunds
(whole, part, and two reserved before either is sent); refunds made in Stripe's dashboard;
what waits for after a commit (refund requests sent to Stripe, emails) run late; staff
cancelling passes (often one whose renewal waits for its card) and orders.

Invariants, from an independent reading of the rows and of the fake Stripe's own ledger
(never from the services' own answers):

- money kept per order (received less given back, computed here) is exactly what the order
  needs — its total less its line refunds when paid, nothing when it was never paid and is
  closed, at most its total while it waits — unless staff were told (an open "Payments
  needing attention" issue) because a refund could not be made (C3, C4, C5, A6);
- no usable pass without a paid order, and never more passes than the order's items (C3);
- the units a product holds stay within its stock limit (A1), and the paid orders with the
  one-use code never exceed its limit (A4);
- every pass's balance is the sum of its ledger (R3);
- the renewal order of a pass cancelled while it waited is never charged or paid, and a
  renewal's new pass never overlaps the pass it renews (N1);
- Stripe never gave back more than was charged, and, once everything waiting has been sent
  and every event delivered, our refunds of each payment are exactly Stripe's (C4).

``PASSES_EXAMPLES`` raises the number of runs (the suite runs 25; see the README).
"""

import datetime as dt
import os
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from django.test import RequestFactory, TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from wagtail_passes import services
from wagtail_passes.exceptions import PassesError
from wagtail_passes.models import (
    DiscountRedemption,
    LedgerEntry,
    MemberPass,
    MemberProfile,
    Order,
    Payment,
    PaymentIssue,
    Refund,
    Renewal,
)
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.payments.views import stripe_return
from wagtail_passes.payments.webhooks import handle
from wagtail_passes.services.refund_requests import send_waiting_requests
from wagtail_passes.test.factories import (
    DiscountCodeFactory,
    PassPageFactory,
    StaffFactory,
    UserFactory,
)

from .fake_stripe import SECRET_KEY, WEBHOOK_SECRET, event
from .fake_stripe_cards import FakeStripeCards

EXAMPLES = int(os.environ.get("PASSES_EXAMPLES", "25"))

#: Written out from the SPEC and the docs, not imported from the code under test.
PAID_STATES = {"paid", "partially_refunded", "refunded"}
CLOSED_UNPAID = {"cancelled", "expired"}
COUNTED_REFUNDS = {"requested", "pending", "succeeded"}
CONFIRMED_REFUNDS = {"pending", "succeeded"}
USABLE = {"active", "on_hold"}


def _cents(amount):
    return int(Decimal(amount) * 100)


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.traveller = time_machine.travel(timezone.now(), tick=False)
        self.clock = self.traveller.start()
        self.fake = FakeStripeCards()
        StripeProvider.http_client = self.fake
        self.staff = StaffFactory(permissions=["change_order", "view_order"])
        self.members = [UserFactory() for _ in range(2)]
        self.products = [
            PassPageFactory(title="Last place", price=Decimal("40.00"), stock_limit=1),
            PassPageFactory(title="Ten classes", price=Decimal("90.00")),
        ]
        self.renewing = PassPageFactory(
            title="Five days",
            price=Decimal("30.00"),
            validity_basis="purchase",
            duration_days=5,
            allow_auto_renew=True,
            renew_when="expired",
        )
        self.stopped = {}  # renewal order pk -> its card charges when its pass was cancelled
        self.code = DiscountCodeFactory(code="ONCE", value=Decimal(50), max_uses=1)
        self.events = []  # every event Stripe has sent, deliverable again
        self.deferred = []  # what waits for a commit (refund requests, emails)
        self.failed_debits = set()

    def teardown(self):
        self.traveller.stop()
        StripeProvider.http_client = None
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # ---- helpers ------------------------------------------------------------------------

    def _run(self, call, *args, **kwargs):
        """Call a service; a refusal changes nothing (the invariants check it). What it
        leaves for after the commit waits in ``deferred`` (a rule runs it, late)."""
        with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
            try:
                result = call(*args, **kwargs)
            except PassesError:
                result = None
        self.deferred += callbacks
        return result

    def _pick(self, queryset, index):
        found = list(queryset.order_by("pk"))
        return found[index % len(found)] if found else None

    def _emit(self, event_type, obj):
        self.events.append(event(event_type, dict(obj)))

    def _sessions(self, status=None, payment_status=None):
        return [
            s
            for s in self.fake.sessions.values()
            if (status is None or s["status"] == status)
            and (payment_status is None or s["payment_status"] == payment_status)
        ]

    # ---- members and Stripe ---------------------------------------------------------------

    @rule(
        member=st.integers(0, 1),
        product=st.integers(0, 1),
        card=st.booleans(),
        code=st.sampled_from(["", "once"]),
    )
    def place(self, member, product, card, code):
        self._run(
            services.place_order,
            self.members[member],
            self.products[product],
            provider="stripe" if card else "manual",
            discount_code=code,
        )

    @rule(
        member=st.integers(0, 1),
        product=st.integers(0, 1),
        code=st.sampled_from(["", "once"]),
        slow=st.booleans(),
    )
    def checkout_by_card(self, member, product, code, slow):
        """The whole happy path in one step: an order placed for a card, "Pay by card", the
        member pays on Stripe's page (Stripe's events wait to be delivered)."""
        self._buy_by_card(
            self.members[member], self.products[product], slow=slow, discount_code=code
        )

    def _buy_by_card(self, member, product, *, slow=False, **options):
        """Place a card order, "Pay by card", and the member pays on Stripe's page."""
        order = self._run(services.place_order, member, product, provider="stripe", **options)
        if order is None or order.state != "pending":
            return
        request = RequestFactory().get("/", HTTP_HOST="studio.example.com")
        self._run(StripeProvider().start, order, request)
        attempt = Payment.objects.filter(order=order).order_by("-pk").first()
        if attempt is not None and self.fake.sessions[attempt.provider_id]["status"] == "open":
            session = self.fake.pay(
                attempt.provider_id, payment_status="unpaid" if slow else "paid"
            )
            self._emit("checkout.session.completed", session)

    @rule(index=st.integers(0, 20))
    def pay_by_card(self, index):
        order = self._pick(Order.objects.filter(state="pending"), index)
        if order is not None:
            request = RequestFactory().get("/", HTTP_HOST="studio.example.com")
            self._run(StripeProvider().start, order, request)

    @rule(index=st.integers(0, 20))
    def second_tab(self, index):
        """A second session of the same order, as a page opened in another tab before the
        first was paid."""
        order = self._pick(Order.objects.filter(state="pending", provider="stripe"), index)
        if order is not None:
            request = RequestFactory().get("/", HTTP_HOST="studio.example.com")

            def open_one():
                with transaction.atomic():
                    return StripeProvider().create_session(
                        services.orders.lock_order(order), request
                    )

            self._run(open_one)

    @rule(index=st.integers(0, 20), slow=st.booleans())
    def member_pays(self, index, slow):
        sessions = self._sessions(status="open")
        if sessions:
            session = sessions[index % len(sessions)]
            self.fake.pay(session["id"], payment_status="unpaid" if slow else "paid")
            self._emit("checkout.session.completed", session)

    @rule(index=st.integers(0, 20), succeeds=st.booleans())
    def debit_settles(self, index, succeeds):
        sessions = [
            s
            for s in self._sessions(status="complete", payment_status="unpaid")
            if s["id"] not in self.failed_debits
        ]
        if sessions:
            session = sessions[index % len(sessions)]
            if succeeds:
                self.fake.pay(session["id"])
                self._emit("checkout.session.async_payment_succeeded", session)
            else:  # the session stays complete and unpaid at Stripe
                self.failed_debits.add(session["id"])
                self._emit("checkout.session.async_payment_failed", session)

    @rule(index=st.integers(0, 20))
    def session_expires(self, index):
        sessions = self._sessions(status="open")
        if sessions:
            session = sessions[index % len(sessions)]
            session["status"] = "expired"
            self._emit("checkout.session.expired", session)

    @rule(index=st.integers(0, 200))
    def deliver(self, index):
        """Any event Stripe sent, delivered now: late, again, or out of order."""
        if self.events:
            self._run(handle, self.events[index % len(self.events)])

    @rule(index=st.integers(0, 20))
    def return_page(self, index):
        order = self._pick(Order.objects.filter(provider="stripe"), index)
        if order is not None:
            request = RequestFactory().get("/")
            request.user = order.member
            self._run(stripe_return, request, order.reference)

    @rule(index=st.integers(0, 20), cents=st.sampled_from([100, 1000, 4000, 9000]))
    def dashboard_refund(self, index, cents):
        paid = {f"ch_{s['id']}" for s in self._sessions(payment_status="paid")}
        charges = [
            c
            for c in self.fake.charges.values()
            if c["id"] in paid and c["amount_refunded"] < c["amount"]
        ]
        if charges:
            charge = charges[index % len(charges)]
            status, refund = self.fake.refund(
                charge["id"], min(cents, charge["amount"] - charge["amount_refunded"])
            )
            if status == 200:
                self._emit("charge.refunded", charge)
                self._emit("refund.created", refund)

    # ---- renewals (N1) -----------------------------------------------------------------------

    @rule(member=st.integers(0, 1))
    def buy_renewing_by_card(self, member):
        """A pass that renews, bought by card: the card is saved for its renewals."""
        self._buy_by_card(self.members[member], self.renewing, auto_renew=True)

    @rule(member=st.integers(0, 1))
    def saved_card_starts_declining(self, member):
        profile = MemberProfile.objects.filter(member=self.members[member]).first()
        if profile is not None and profile.stripe_customer_id:
            method = self.fake.card("pm_card_chargeCustomerFail", profile.stripe_customer_id)
            MemberProfile.objects.filter(pk=profile.pk).update(payment_method_id=method)

    @rule(days=st.integers(1, 4))
    def days_pass_and_the_daily_job_runs(self, days):
        """The daily job: passes expire, renewal orders are made, saved cards charged."""
        self.clock.shift(dt.timedelta(days=days))
        self._run(services.run_daily)

    def _charges_for(self, order):
        return sum(
            1
            for intent in self.fake.intents.values()
            if (intent.get("metadata") or {}).get("order_pk") == str(order.pk)
        )

    # ---- staff and the clock ---------------------------------------------------------------

    @rule(index=st.integers(0, 20))
    def mark_paid(self, index):
        order = self._pick(Order.objects.exclude(state__in=PAID_STATES), index)
        if order is not None:
            self._run(services.mark_paid, order, self.staff)

    @rule(index=st.integers(0, 20), part=st.sampled_from([None, "5.00", "20.00"]))
    def staff_refund(self, index, part):
        order = self._pick(Order.objects.filter(state__in=PAID_STATES), index)
        if order is not None:
            line = order.lines.first()
            amounts = None if part is None else {line.pk: part}
            self._run(services.refund, order, self.staff, lines=[line], amounts=amounts)

    @rule(index=st.integers(0, 20))
    def cancel_order(self, index):
        order = self._pick(Order.objects.filter(state="pending"), index)
        if order is not None:
            self._run(services.cancel_order, order, self.staff)

    @rule(index=st.integers(0, 20), renewing=st.booleans())
    def cancel_pass(self, index, renewing):
        """Staff cancel a pass; often one whose renewal order waits for its card (item 16)."""
        passes = MemberPass.objects.exclude(status="cancelled")
        if renewing:
            passes = passes.filter(renewal__order__state="pending")
        member_pass = self._pick(passes, index)
        if member_pass is not None:
            waiting = Renewal.objects.filter(member_pass=member_pass, order__state="pending")
            cancelled = self._run(services.cancel_pass, member_pass, self.staff, "changed plans")
            for renewal in waiting.select_related("order") if cancelled is not None else ():
                self.stopped[renewal.order_id] = self._charges_for(renewal.order)

    @rule(minutes=st.sampled_from([5, 20, 40, 60 * 24 * 8]))
    def time_passes(self, minutes):
        self.clock.shift(dt.timedelta(minutes=minutes))
        self._run(services.expire_orders)

    @precondition(lambda self: self.deferred)
    @rule(count=st.integers(1, 5))
    def committed_work_runs(self, count):
        """What waited for a commit runs now, late (refund requests reach Stripe)."""
        todo, self.deferred = self.deferred[:count], self.deferred[count:]
        for callback in todo:
            self._run(callback)
        self._announce_refunds()

    @rule()
    def tidy_job(self):
        self._run(send_waiting_requests)
        self._announce_refunds()

    def _announce_refunds(self):
        """Stripe tells about every refund it made (ours or the dashboard's)."""
        for refund in self.fake.refunds.values():
            self._emit("charge.refunded", self.fake.charges[refund["charge"]])

    @rule()
    def everything_settles(self):
        """Everything waiting runs, the tidy job runs (a while later), every event arrives
        once more: then our record of every payment agrees with Stripe's."""
        for _round in range(3):
            todo, self.deferred = self.deferred, []
            for callback in todo:
                self._run(callback)
        self.clock.shift(dt.timedelta(minutes=5))
        self._run(send_waiting_requests)
        self._announce_refunds()
        for evt in list(self.events):
            self._run(handle, evt)
        todo, self.deferred = self.deferred, []
        for callback in todo:
            self._run(callback)
        self._agrees_with_stripe()

    def _agrees_with_stripe(self):
        for intent in self.fake.intents.values():
            if (intent.get("metadata") or {}).get("wagtail_passes") != "saved_card":
                continue
            payment = Payment.objects.filter(provider_id=intent["id"]).first()
            assert payment is not None
            assert (payment.state == "succeeded") == (intent["status"] == "succeeded")
        for session in self.fake.sessions.values():
            payment = Payment.objects.filter(provider_id=session["id"]).first()
            paid_at_stripe = session["payment_status"] == "paid"
            assert payment is not None
            assert (payment.state == "succeeded") == paid_at_stripe, session
            if session["id"] in self.failed_debits:
                assert payment.state == "failed"
            if not paid_at_stripe:
                continue
            charge = self.fake.charges[f"ch_{session['id']}"]
            ours = Refund.objects.filter(payment=payment, state__in=CONFIRMED_REFUNDS)
            given = ours.aggregate(total=Sum("amount"))["total"] or Decimal(0)
            assert _cents(given) == charge["amount_refunded"], (session["id"], given, charge)

    # ---- invariants -------------------------------------------------------------------------

    @invariant()
    def money_kept_is_what_each_order_needs(self):
        for order in Order.objects.prefetch_related("lines"):
            received = Payment.objects.filter(
                order=order, state="succeeded", currency=order.currency
            ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
            refunds = Refund.objects.filter(order=order, state__in=COUNTED_REFUNDS)
            given_back = refunds.aggregate(total=Sum("amount"))["total"] or Decimal(0)
            kept = received - given_back
            line_refunds = refunds.filter(line__isnull=False).aggregate(total=Sum("amount"))
            staff_told = PaymentIssue.objects.open().filter(order=order).exists()
            assert kept >= 0 or staff_told, (order.reference, kept)
            if order.state in PAID_STATES:
                needed = order.total - (line_refunds["total"] or Decimal(0))
                assert kept == needed or staff_told, (
                    order.reference,
                    order.state,
                    kept,
                    needed,
                )
            elif order.state in CLOSED_UNPAID:
                assert kept == 0 or staff_told, (order.reference, order.state, kept)
            else:
                assert kept <= order.total or staff_told
                assert kept < order.total or staff_told

    @invariant()
    def passes_follow_paid_orders(self):
        for order in Order.objects.prefetch_related("lines"):
            for line in order.lines.all():
                passes = list(MemberPass.objects.filter(order_line=line))
                assert len(passes) <= line.quantity  # issued once (C3)
                if order.state not in PAID_STATES:
                    assert not [p for p in passes if p.status in USABLE], order.reference
                    continue
                assert len(passes) == line.quantity
                confirmed = Refund.objects.filter(line=line, state__in=CONFIRMED_REFUNDS).aggregate(
                    total=Sum("amount")
                )["total"] or Decimal(0)
                if confirmed >= line.total and line.total > 0:
                    assert all(p.status == "cancelled" for p in passes)

    @invariant()
    def stock_and_codes_stay_within_their_limits(self):
        limited = self.products[0]
        paid_units = sum(
            line.quantity
            for order in Order.objects.filter(state__in={"paid", "partially_refunded"})
            for line in order.lines.filter(product_id=limited.pk)
            if not Refund.objects.filter(line=line, state__in=CONFIRMED_REFUNDS).aggregate(
                total=Sum("amount")
            )["total"]
            or line.total == 0
        )
        assert paid_units <= limited.stock_limit
        assert 0 <= limited.sold_count() <= limited.stock_limit
        with_code = DiscountRedemption.objects.filter(
            order__state__in={"paid", "partially_refunded"}
        ).count()
        assert with_code <= self.code.max_uses

    @invariant()
    def balances_are_their_ledgers(self):
        for member_pass in MemberPass.objects.all():
            total = LedgerEntry.objects.filter(member_pass=member_pass).aggregate(
                total=Sum("amount")
            )["total"] or Decimal(0)
            assert member_pass.balance == total

    @invariant()
    def a_cancelled_pass_never_renews(self):
        """N1: the renewal order of a pass cancelled while it waited is never charged or
        paid afterwards."""
        for order_pk, charges_then in self.stopped.items():
            order = Order.objects.get(pk=order_pk)
            assert order.state not in PAID_STATES, order.reference
            assert self._charges_for(order) == charges_then, order.reference

    @invariant()
    def renewed_passes_never_overlap(self):
        for renewal in Renewal.objects.filter(new_pass__isnull=False).select_related(
            "member_pass", "new_pass"
        ):
            old, new = renewal.member_pass, renewal.new_pass
            if old.valid_until and new.valid_from and new.status != "cancelled":
                assert new.valid_from > old.valid_until, (old.pk, new.pk)

    @invariant()
    def stripe_never_gives_back_more_than_it_took(self):
        for charge in self.fake.charges.values():
            assert 0 <= charge["amount_refunded"] <= charge["amount"]


@pytest.mark.django_db
def test_c3_c4_c5_a1_a4_a6_money_stays_exact_whatever_arrives_late_twice_or_out_of_order(
    settings,
):
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = SECRET_KEY
    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings_for_hypothesis(),
    )


def settings_for_hypothesis():
    return settings(
        max_examples=EXAMPLES,
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
