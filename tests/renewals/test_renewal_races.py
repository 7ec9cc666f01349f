"""N1 on PostgreSQL with real threads: two daily jobs at once create one renewal order."""

import pytest

from wagtail_passes.models import Order, Renewal
from wagtail_passes.services.renewals import run_renewals

from ..concurrency.conftest import concurrently  # noqa: F401 (the fixture)
from .helpers import at, local, renewing_pass

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_n1_two_daily_jobs_at_once_create_one_renewal_and_one_order(concurrently):  # noqa: F811
    for _round in range(3):
        mp = renewing_pass(bought=local(2027, 1, 1))

        def job():
            with at(local(2027, 1, 29, 4)):
                return run_renewals().ordered

        results = concurrently(job, [(), (), ()])
        assert [kind for kind, _value in results] == ["ok"] * 3, results
        assert sorted(value for _kind, value in results) == [[], [], [mp.pk]]
        assert Renewal.objects.filter(member_pass=mp).count() == 1
        assert Order.objects.filter(member=mp.member).count() == 1


def _act(action, pk, staff):
    """One thread's move: cancel the old pass, pay the renewal order, or hold the old pass
    (30 January - 1 February)."""
    import datetime as dt

    from wagtail_passes import services
    from wagtail_passes.models import MemberPass, Order

    if action == "cancel":
        return services.cancel_pass(MemberPass.objects.get(pk=pk), staff, reason="Moved abroad")
    if action == "hold":
        old = MemberPass.objects.get(pk=pk)
        return services.hold_pass(old, dt.date(2027, 1, 30), dt.date(2027, 2, 1), staff)
    return services.mark_paid(Order.objects.get(pk=pk), staff)


def test_n1_cancelling_a_pass_while_its_renewal_is_paid_one_wins_whole(concurrently):  # noqa: F811
    """Staff cancel the old pass while the renewal order is marked paid at the same instant:
    both lock the renewal order first, so one waits for the other. Either the renewal was
    paid first (it stands, with its new pass) or the pass was cancelled first (the renewal
    order is cancelled and the payment refused): never a paid renewal with no pass, never
    a cancelled order with a pass, never a deadlock."""
    from wagtail_passes.models import MemberPass, OrderState
    from wagtail_passes.test.factories import StaffFactory

    staff = StaffFactory()
    for _round in range(4):
        old = renewing_pass(bought=local(2027, 1, 1))
        with at(local(2027, 1, 29, 4)):
            run_renewals()
        order = Renewal.objects.get(member_pass=old).order

        with at(local(2027, 1, 29, 9)):
            results = concurrently(_act, [("cancel", old.pk, staff), ("pay", order.pk, staff)])

        order.refresh_from_db()
        old.refresh_from_db()
        assert results[0][0] == "ok", results
        assert old.status == "cancelled" and old.auto_renew is False
        new = MemberPass.objects.filter(order_line__order=order)
        if order.state == OrderState.PAID:  # paid first: the renewal stands
            assert results[1][0] == "ok", results
            assert new.count() == 1
        else:  # cancelled first: the payment is refused, no pass
            assert order.state == OrderState.CANCELLED, order.state
            assert results[1][0] == "error" and results[1][1].code == "order_cancelled"
            assert not new.exists()


def test_n1_a_hold_while_the_renewal_is_paid_never_overlaps(concurrently):  # noqa: F811
    """Staff hold the old pass while its renewal order is paid: whichever goes first, the
    new pass starts the day after the old pass's end with the hold (4 February)."""
    import datetime as dt

    from wagtail_passes.test.factories import StaffFactory

    staff = StaffFactory()
    for _round in range(4):
        old = renewing_pass(bought=local(2027, 1, 1))
        with at(local(2027, 1, 29, 4)):
            run_renewals()
        renewal = Renewal.objects.get(member_pass=old)

        with at(local(2027, 1, 30, 9)):
            results = concurrently(
                _act, [("hold", old.pk, staff), ("pay", renewal.order_id, staff)]
            )

        assert [kind for kind, _value in results] == ["ok", "ok"], results
        old.refresh_from_db()
        renewal.refresh_from_db()
        assert old.valid_until == dt.date(2027, 2, 3)
        assert renewal.new_pass.valid_from == dt.date(2027, 2, 4) == renewal.starts_on
