"""A stateful test of registrations (P9, P10) against a model kept by hand.

Random sequences of register (with or without the add-on) / buy the mandatory product on its
own / mark an order paid / cancel it / let time pass (holds expire) / refund it / withdraw the
registration, for two members. The model predicts, from the rules alone, whether each call
succeeds and what the registering order carries; after every step the services'
``registration_status`` (counted from the database) must equal the model:

- registered: a registration was made and not withdrawn since (P10: once);
- held: a paid order carrying the mandatory product that was not refunded since;
- awaiting payment: an order carrying it still pending;
- due: neither held nor awaiting payment (shown as such until held);
- an add-on already in one of the member's orders awaiting payment is not offered again:
  choosing it is refused (``not_an_add_on``).
"""

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from wagtail_passes import services
from wagtail_passes.exceptions import PassesError
from wagtail_passes.models import Order, ProgrammeProduct
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
)

EXAMPLES = int(os.environ.get("PASSES_EXAMPLES", "25"))
#: The bank-transfer hold, written out (the settings' default), not read from the app.
HOLD = dt.timedelta(days=7)


@dataclass
class ModelOrder:
    pk: int
    member: int
    state: str
    has_season: bool
    placed: dt.datetime
    has_add_on: bool = False


class RegistrationMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        assert getattr(django_settings, "WAGTAIL_PASSES_BANK_TRANSFER_HOLD_DAYS", 7) == 7
        self.staff = StaffFactory()
        self.members = [UserFactory(), UserFactory()]
        self.programme = ProgrammeFactory()
        self.season = PassPageFactory(price=Decimal("40.00"), duration_days=365)
        self.guests = PassPageFactory(price=Decimal("15.00"), duration_days=365)
        for product, role in (
            (self.season, ProgrammeProduct.Role.MANDATORY),
            (self.guests, ProgrammeProduct.Role.OPTIONAL),
        ):
            ProgrammeProduct.objects.create(programme=self.programme, product=product, role=role)
        self.clock = timezone.now()
        # the model
        self.registered = [False, False]
        self.orders: list[ModelOrder] = []

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # ---- the model's view --------------------------------------------------------------

    def held(self, m):
        return any(o.member == m and o.has_season and o.state == "paid" for o in self.orders)

    def awaiting(self, m):
        """Pending orders carrying the mandatory product; only shown while it is not held."""
        if self.held(m):
            return []
        return [o for o in self.orders if o.member == m and o.has_season and o.state == "pending"]

    def due(self, m):
        return not self.held(m) and not self.awaiting(m)

    def add_on_awaiting(self, m):
        return any(o.member == m and o.has_add_on and o.state == "pending" for o in self.orders)

    def _pick(self, index, states):
        found = [o for o in self.orders if o.state in states]
        return found[index % len(found)] if found else None

    # ---- rules ----------------------------------------------------------------------------

    @rule(m=st.integers(0, 1), add_on=st.booleans())
    def register(self, m, add_on):
        carries_season = self.due(m)
        has_items = carries_season or add_on
        expected = "ok"
        if not has_items and self.registered[m]:
            expected = "awaiting_payment" if self.awaiting(m) else "already_registered"
        if add_on and self.add_on_awaiting(m):
            expected = "not_an_add_on"
        try:
            done = services.register(
                self.members[m],
                self.programme,
                add_ons=[self.guests.pk] if add_on else [],
                now=self.clock,
            )
        except PassesError as error:
            assert error.code == expected, error.message
            return
        assert expected == "ok"
        assert done.created is (not self.registered[m])
        self.registered[m] = True
        if not has_items:
            assert done.order is None
            return
        titles = [line.product_id for line in done.order.lines.order_by("pk")]
        expected_lines = ([self.season.pk] if carries_season else []) + (
            [self.guests.pk] if add_on else []
        )
        assert titles == expected_lines
        self.orders.append(
            ModelOrder(done.order.pk, m, "pending", carries_season, self.clock, add_on)
        )

    @rule(m=st.integers(0, 1))
    def buy_season_alone(self, m):
        order = services.place_order(self.members[m], self.season, now=self.clock)
        self.orders.append(ModelOrder(order.pk, m, "pending", True, self.clock))

    @rule(index=st.integers(0, 20))
    def pay(self, index):
        order = self._pick(index, {"pending", "expired"})
        if order is not None:
            services.mark_paid(Order.objects.get(pk=order.pk), self.staff)
            order.state = "paid"

    @rule(index=st.integers(0, 20))
    def cancel(self, index):
        order = self._pick(index, {"pending"})
        if order is not None:
            services.cancel_order(Order.objects.get(pk=order.pk), self.staff)
            order.state = "cancelled"

    @rule(index=st.integers(0, 20))
    def refund(self, index):
        order = self._pick(index, {"paid"})
        if order is not None:
            services.refund_order(Order.objects.get(pk=order.pk), self.staff, reason="test")
            order.state = "refunded"

    @rule(days=st.integers(0, 9))
    def time_passes(self, days):
        self.clock += dt.timedelta(days=days)
        services.expire_orders(now=self.clock)
        for order in self.orders:
            if order.state == "pending" and order.placed + HOLD <= self.clock:
                order.state = "expired"

    @rule(m=st.integers(0, 1))
    def withdraw(self, m):
        registration = services.registration_status(self.members[m], self.programme).registration
        if registration is None:
            assert not self.registered[m]
            return
        services.withdraw_registration(registration, self.staff)
        self.registered[m] = False

    # ---- invariants -----------------------------------------------------------------------

    @invariant()
    def status_equals_the_model(self):
        for m, member in enumerate(self.members):
            status = services.registration_status(member, self.programme)
            assert status.is_registered is self.registered[m]
            assert [p.pk for p in status.held] == ([self.season.pk] if self.held(m) else [])
            # the first order awaiting payment is the one shown
            assert [a.order.pk for a in status.awaiting_payment] == [
                o.pk for o in self.awaiting(m)
            ][:1]
            assert [p.pk for p in status.due] == ([self.season.pk] if self.due(m) else [])
            assert status.is_complete is (self.registered[m] and self.held(m))


@pytest.mark.django_db
def test_p9_p10_registration_status_equals_a_model_whatever_the_sequence():
    run_state_machine_as_test(
        RegistrationMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
