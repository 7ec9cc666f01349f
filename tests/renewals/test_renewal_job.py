"""The daily job's renewals (N1): when the order is created for both "renew when" options
(month ends, a clock change), once whatever runs twice, at the product's price then, and
the paid renewal continuing the pass with no gap and no overlap."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from wagtail_passes import services
from wagtail_passes.models import MemberPass, Order, OrderState, Renewal, RenewWhen
from wagtail_passes.services import renewal_job
from wagtail_passes.services.renewals import renewal_due_on, run_renewals
from wagtail_passes.test.factories import SessionFactory, StaffFactory

from .helpers import at, local, renewing_pass, renewing_product

pytestmark = pytest.mark.django_db


def renewals_of(mp):
    return list(Renewal.objects.filter(member_pass=mp))


# ---- "when it expires": two days before the last valid day ------------------------------


def test_n1_expiring_pass_renews_two_days_before_its_last_day_across_a_month_end():
    # Bought 1 January 2027 for 30 days: valid 1-31 January (the final day included).
    mp = renewing_pass(bought=local(2027, 1, 1))
    assert mp.valid_until == dt.date(2027, 1, 31)
    assert renewal_due_on(mp) == dt.date(2027, 1, 29)
    with at(local(2027, 1, 28, 23, 59)):
        assert run_renewals().ordered == []
    assert renewals_of(mp) == []
    with at(local(2027, 1, 29, 0, 5)):
        report = run_renewals()
    assert report.ordered == [mp.pk]
    (renewal,) = renewals_of(mp)
    assert renewal.starts_on == dt.date(2027, 2, 1)
    assert renewal.order.state == OrderState.PENDING
    assert renewal.order.total == Decimal("50.00")


def test_n1_the_local_day_decides_across_the_autumn_clock_change():
    # Europe/London leaves summer time on Sunday 25 October 2026. Bought 27 September
    # for 30 days: valid until 27 October, so the renewal is due on 25 October.
    mp = renewing_pass(bought=local(2026, 9, 27))
    assert mp.valid_until == dt.date(2026, 10, 27)
    # 23:30 UTC on the 24th is 00:30 BST on the 25th: already the due day locally.
    with at(dt.datetime(2026, 10, 24, 22, 30, tzinfo=dt.UTC)):  # 23:30 on the 24th locally
        assert run_renewals().ordered == []
    with at(dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC)):
        assert run_renewals().ordered == [mp.pk]
    assert renewals_of(mp)[0].starts_on == dt.date(2026, 10, 28)


def test_n1_paid_renewal_starts_the_day_after_the_old_pass_ends():
    mp = renewing_pass(bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 9)):
        run_renewals()
        (renewal,) = renewals_of(mp)
        services.mark_paid(renewal.order, StaffFactory())
    renewal.refresh_from_db()
    new = renewal.new_pass
    assert new is not None and new.member_id == mp.member_id
    # Old: 1-31 January. New: 1 February + 30 days = 3 March 2027 (February has 28 days).
    assert (new.valid_from, new.valid_until) == (dt.date(2027, 2, 1), dt.date(2027, 3, 3))
    assert new.starts_on == dt.date(2027, 2, 1)
    assert new.auto_renew is True
    # Fulfilment again (a webhook retried) changes nothing (C3).
    with at(local(2027, 1, 29, 10)):
        again = services.fulfil_order(renewal.order, provider="manual")
    assert again.fulfilled_now is False
    assert MemberPass.objects.filter(member=mp.member).count() == 2
    # And the new pass renews in turn, two days before its own last day.
    assert renewal_due_on(new) == dt.date(2027, 3, 1)


def test_n1_a_hold_after_the_renewal_order_moves_the_new_pass_start_no_overlap():
    """Old: 1-31 January; renewal ordered on 29 January. Staff then hold the old pass
    30 January - 1 February (3 days): it now ends on 3 February, so the renewal paid later
    starts on 4 February, not 1 February (which would overlap the old pass by 3 days)."""
    mp = renewing_pass(bought=local(2027, 1, 1))
    staff = StaffFactory()
    with at(local(2027, 1, 29, 9)):
        run_renewals()
        (renewal,) = renewals_of(mp)
        assert renewal.starts_on == dt.date(2027, 2, 1)
        services.hold_pass(mp, dt.date(2027, 1, 30), dt.date(2027, 2, 1), by=staff, reason="ill")
        mp.refresh_from_db()
        assert mp.valid_until == dt.date(2027, 2, 3)
        services.mark_paid(renewal.order, staff)
    renewal.refresh_from_db()
    assert renewal.starts_on == dt.date(2027, 2, 4)
    assert renewal.new_pass.valid_from == dt.date(2027, 2, 4)


def test_n1_the_chain_goes_on_the_renewed_pass_is_not_renewed_twice():
    mp = renewing_pass(bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 9)):
        run_renewals()
        services.mark_paid(renewals_of(mp)[0].order, StaffFactory())
    with at(local(2027, 3, 1, 9)):
        report = run_renewals()
    new = renewals_of(mp)[0].new_pass
    assert report.ordered == [new.pk]
    assert renewals_of(new)[0].starts_on == dt.date(2027, 3, 4)


# ---- "when it is used up": the day after its last session -------------------------------


def test_n1_used_up_pass_renews_the_day_after_its_last_session_across_a_month_end():
    product = renewing_product(quantity=Decimal(1), renew_when=RenewWhen.USED_UP)
    mp = renewing_pass(product, bought=local(2027, 1, 10))
    session = SessionFactory(start=local(2027, 1, 31, 18), end=local(2027, 1, 31, 19))
    with at(local(2027, 1, 20)):
        services.book(mp.member, session)
    mp.refresh_from_db()
    assert (mp.balance, mp.last_use_day) == (0, dt.date(2027, 1, 31))
    assert renewal_due_on(mp) == dt.date(2027, 2, 1)
    with at(local(2027, 1, 31, 22)):
        assert run_renewals().ordered == []
    with at(local(2027, 2, 1, 6)):
        assert run_renewals().ordered == [mp.pk]
    (renewal,) = renewals_of(mp)
    assert renewal.starts_on is None  # it starts like any pass


def test_n1_used_up_option_does_not_renew_a_pass_with_something_left():
    product = renewing_product(quantity=Decimal(2), renew_when=RenewWhen.USED_UP)
    mp = renewing_pass(product, bought=local(2027, 1, 10))
    session = SessionFactory(start=local(2027, 1, 31, 18), end=local(2027, 1, 31, 19))
    with at(local(2027, 1, 20)):
        services.book(mp.member, session)
    mp.refresh_from_db()
    assert renewal_due_on(mp) is None
    with at(local(2027, 2, 5)):
        assert run_renewals().ordered == []


def test_n1_used_up_pass_that_expired_with_entries_left_does_not_renew():
    # One of two entries used on the last valid day; the expiry writes the other off.
    product = renewing_product(quantity=Decimal(2), renew_when=RenewWhen.USED_UP, duration_days=10)
    mp = renewing_pass(product, bought=local(2027, 1, 1))  # valid 1-11 January
    session = SessionFactory(start=local(2027, 1, 11, 18), end=local(2027, 1, 11, 19))
    with at(local(2027, 1, 5)):
        services.book(mp.member, session)
    with at(local(2027, 1, 12, 8)):
        services.run_daily()
        mp.refresh_from_db()
        assert (mp.status, mp.balance) == ("expired", 0)
        assert run_renewals().ordered == []


# ---- once, whatever runs twice -----------------------------------------------------------


def test_n1_the_daily_job_twice_creates_one_order(django_capture_on_commit_callbacks):
    mp = renewing_pass(bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 3)), django_capture_on_commit_callbacks(execute=True):
        first = services.run_daily()
        second = services.run_daily()
    assert first.renewals.ordered == [mp.pk]
    assert second.renewals.ordered == []
    assert "1 renewal orders" in first.summary()
    assert Order.objects.filter(member=mp.member).count() == 1
    assert Renewal.objects.count() == 1
    # The member got one email, with the link to pay (no saved card).
    renewal_mails = [m for m in mail.outbox if "renews" in m.subject]
    assert len(renewal_mails) == 1
    assert renewals_of(mp)[0].order.reference in renewal_mails[0].body
    # Later days do not renew it again either.
    with at(local(2027, 1, 31, 3)):
        assert run_renewals().ordered == []


def test_n1_a_pass_that_does_not_renew_is_left_alone():
    mp = renewing_pass(bought=local(2027, 1, 1), auto_renew=False)
    with at(local(2027, 1, 30)):
        assert run_renewals().ordered == []
    assert renewal_due_on(mp) is None


# ---- the product then --------------------------------------------------------------------


def test_n1_renewal_is_at_the_products_price_then():
    product = renewing_product(price=Decimal("50.00"))
    mp = renewing_pass(product, bought=local(2027, 1, 1))
    product.price = Decimal("55.50")
    product.save_revision().publish()
    with at(local(2027, 1, 29)):
        run_renewals()
    order = renewals_of(mp)[0].order
    assert order.total == Decimal("55.50")
    assert order.lines.get().unit_price == Decimal("55.50")
    assert order.lines.get().auto_renew is True


def test_n1_unpublished_product_does_not_renew_member_and_staff_told(
    django_capture_on_commit_callbacks, settings
):
    settings.MANAGERS = [("Desk", "desk@example.com")]
    product = renewing_product()
    mp = renewing_pass(product, bought=local(2027, 1, 1))
    product.unpublish()
    with at(local(2027, 1, 29)), django_capture_on_commit_callbacks(execute=True):
        report = run_renewals()
    assert report.refused == [mp.pk] and report.ordered == []
    assert renewals_of(mp) == [] and Order.objects.count() == 0
    mp.refresh_from_db()
    assert mp.auto_renew is False  # so the job does not try again every day
    subjects = [m.subject for m in mail.outbox]
    assert any("could not renew" in s for s in subjects)  # the member
    assert any(
        "could not renew" in s.lower() and m.to == ["desk@example.com"]
        for s, m in zip(subjects, mail.outbox, strict=True)
    )
    from wagtail.models import ModelLogEntry

    assert (
        ModelLogEntry.objects.filter(object_id=str(mp.pk), action=renewal_job.REFUSED).count() == 1
    )
    with at(local(2027, 1, 30)):
        assert run_renewals().refused == []


def test_n1_product_that_no_longer_allows_renewing_stops_the_pass():
    product = renewing_product(title="Monthly")
    mp = renewing_pass(product, bought=local(2027, 1, 1))
    product.allow_auto_renew = False
    product.save_revision().publish()
    with at(local(2027, 1, 29)):
        report = run_renewals()
    assert report.refused == [mp.pk] and Order.objects.count() == 0
    mp.refresh_from_db()
    assert mp.auto_renew is False


def test_n1_one_broken_pass_does_not_stop_the_others(monkeypatch):
    first = renewing_pass(bought=local(2027, 1, 1))
    second = renewing_pass(bought=local(2027, 1, 1))
    real = renewal_job.place_order

    def breaks_for_first(member, *args, **kwargs):
        if member == first.person:  # F1: a renewal is ordered for the pass's person
            raise RuntimeError("boom")
        return real(member, *args, **kwargs)

    monkeypatch.setattr(renewal_job, "place_order", breaks_for_first)
    with at(local(2027, 1, 29)):
        report = run_renewals()
    assert report.failed == [first.pk] and report.ordered == [second.pk]
    assert "1 renewal errors (see the log)" in report.summary()
    assert not Renewal.objects.filter(member_pass=first).exists()


def test_n1_a_job_that_missed_days_still_renews_up_to_a_week_late():
    late = renewing_pass(bought=local(2027, 1, 1))  # due 29 January
    with at(local(2027, 2, 5)):  # 7 days late: renewed, the new pass still from 1 February
        assert run_renewals().ordered == [late.pk]
    assert Renewal.objects.get(member_pass=late).starts_on == dt.date(2027, 2, 1)
    too_late = renewing_pass(bought=local(2027, 1, 1))
    with at(local(2027, 2, 6)):  # 8 days late: left alone
        assert run_renewals().ordered == []
    assert renewals_of(too_late) == []
