"""Staff services: assign (K6), hold (V7), adjust (R3 / S4)."""

import datetime as dt
from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.exceptions import PassError
from wagtail_passes.models import Hold, LedgerKind
from wagtail_passes.services.ledger import redeem
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)
from wagtail_passes.test.factories import member_pass as make_pass

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


def session_on(day, klass=None):
    start = dt.datetime.combine(day, dt.time(18), tzinfo=dt.UTC)
    return SessionFactory(
        programme_class=klass or ProgrammeClassFactory(),
        start=start,
        end=start + dt.timedelta(hours=1),
    )


def test_k6_assign_any_product_without_payment(staff):
    product = make_pass(price=Decimal("80.00")).product
    mp = services.assign_pass(UserFactory(), product, by=staff)
    assert mp.is_paid and mp.price == 0 and mp.assigned_by == staff


def test_k6_assign_refuses_a_page_that_is_not_a_product(staff):
    from tests.page_types import BasePage as Page

    with pytest.raises(PassError) as exc:
        services.assign_pass(UserFactory(), Page.objects.get(depth=2), by=staff)
    assert exc.value.code == "not_a_product"


def test_v7_hold_moves_expiry_and_blocks_sessions_inside(staff):
    mp = make_pass(
        validity_basis="fixed", fixed_start=dt.date(2027, 3, 1), fixed_end=dt.date(2027, 3, 31)
    )
    services.hold_pass(mp, dt.date(2027, 3, 10), dt.date(2027, 3, 16), by=staff, reason="injury")
    mp.refresh_from_db()
    assert mp.valid_until == dt.date(2027, 4, 7)  # 7 days later
    inside = services.evaluate(mp, session_on(dt.date(2027, 3, 12)))
    assert (inside.code, inside.temporary) == ("on_hold", True)
    assert "16 March 2027" in inside.message
    assert services.evaluate(mp, session_on(dt.date(2027, 4, 5))).ok


def test_v7_hold_refuses_overlaps_and_booked_sessions(staff):
    mp = make_pass()
    services.hold_pass(mp, dt.date(2027, 3, 10), dt.date(2027, 3, 16), by=staff)
    with pytest.raises(PassError) as exc:
        services.hold_pass(mp, dt.date(2027, 3, 15), dt.date(2027, 3, 20), by=staff)
    assert exc.value.code == "hold_overlaps"
    session = session_on(dt.date(2027, 4, 2))
    redeem(mp, session, cost=Decimal(1), attendees=1)
    with pytest.raises(PassError) as exc:
        services.hold_pass(mp, dt.date(2027, 4, 1), dt.date(2027, 4, 3), by=staff)
    assert exc.value.code == "hold_has_bookings" and "2 April 2027" in exc.value.message
    assert Hold.objects.count() == 1


def test_v7_member_hold_only_where_the_product_allows():
    mp = make_pass(member_can_hold=False)
    with pytest.raises(PassError) as exc:
        services.hold_pass(mp, dt.date(2027, 3, 1), dt.date(2027, 3, 2), by=mp.member)
    assert exc.value.code == "hold_not_allowed"
    allowed = make_pass(member_can_hold=True)
    services.hold_pass(allowed, dt.date(2027, 3, 1), dt.date(2027, 3, 2), by=allowed.member)


def test_v7_hold_end_before_start_is_refused(staff):
    with pytest.raises(PassError) as exc:
        services.hold_pass(make_pass(), dt.date(2027, 3, 5), dt.date(2027, 3, 1), by=staff)
    assert exc.value.code == "invalid_hold"


def test_s4_adjust_needs_a_reason_and_never_goes_negative(staff):
    mp = make_pass(quantity=Decimal(3))
    with pytest.raises(PassError) as exc:
        services.adjust_pass(mp, Decimal(2), staff, "  ")
    assert exc.value.code == "reason_required"
    with pytest.raises(PassError) as exc:
        services.adjust_pass(mp, Decimal(-4), staff, "mistake")
    assert exc.value.code == "negative_balance"
    entry = services.adjust_pass(mp, Decimal(-1), staff, "double entry at the desk")
    assert (entry.kind, entry.created_by, entry.balance_after) == (LedgerKind.ADJUST, staff, 2)
    with pytest.raises(PassError) as exc:
        services.adjust_pass(mp, Decimal("0.5"), staff, "half")
    assert exc.value.code == "invalid_amount"


def test_s4_unlimited_pass_cannot_be_adjusted(staff):
    mp = make_pass(kind="unlimited", quantity=None, duration_days=30)
    with pytest.raises(PassError) as exc:
        services.adjust_pass(mp, Decimal(1), staff, "why not")
    assert exc.value.code == "not_adjustable"


def test_v7_staff_is_a_permission_not_the_is_staff_flag():
    """A Wagtail editor with the change permission holds any pass; a user with only
    Django's is_staff flag and no permission is treated as anyone else."""
    mp = make_pass(member_can_hold=False)
    services.hold_pass(mp, dt.date(2027, 3, 1), dt.date(2027, 3, 2), by=StaffFactory())
    flag_only = UserFactory(is_staff=True)
    with pytest.raises(PassError) as exc:
        services.hold_pass(mp, dt.date(2027, 4, 1), dt.date(2027, 4, 2), by=flag_only)
    assert exc.value.code == "not_allowed"


def test_s4_money_adjustment_respects_the_currency_minor_unit(staff):
    mp = make_pass(kind="money", quantity=Decimal("20.00"))
    with pytest.raises(PassError) as exc:
        services.adjust_pass(mp, Decimal("1.005"), staff, "rounding")
    assert exc.value.code == "invalid_amount"
    assert services.adjust_pass(mp, Decimal("2.50"), staff, "goodwill").balance_after == Decimal(
        "22.50"
    )
