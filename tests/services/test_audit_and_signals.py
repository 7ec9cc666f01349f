"""Every staff action is in Wagtail's audit log (S5), and the services send documented
signals once committed."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import registry
from wagtail.models import ModelLogEntry

from wagtail_passes import services, signals
from wagtail_passes.audit import ACTIONS
from wagtail_passes.exceptions import PassError
from wagtail_passes.services.facts import local_today
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory(username="desk")


@pytest.fixture
def session():
    start = timezone.now() + dt.timedelta(days=3)
    return SessionFactory(
        programme_class=ProgrammeClassFactory(capacity=1),
        start=start,
        end=start + dt.timedelta(hours=1),
    )


def logged(instance):
    return [
        (entry.action, entry.user_id)
        for entry in ModelLogEntry.objects.filter(object_id=str(instance.pk)).order_by("pk")
        if entry.action.startswith("wagtail_passes.")
        and entry.content_type.model_class() is type(instance)
    ]


def test_s5_every_staff_action_on_a_pass_is_in_the_audit_log(staff):
    member = UserFactory()
    product = PassPageFactory(quantity=Decimal(5), duration_days=30)
    mp = services.assign_pass(member, product, staff, reason="trial")
    services.adjust_pass(mp, Decimal(-1), staff, "used at the desk")
    services.hold_pass(mp, local_today(), local_today() + dt.timedelta(days=2), staff)
    services.extend_pass(mp, 5, staff)
    services.cancel_pass(mp, staff, "moved away")

    assert logged(mp) == [
        ("wagtail_passes.pass.assign", staff.pk),
        ("wagtail_passes.pass.adjust", staff.pk),
        ("wagtail_passes.pass.hold", staff.pk),
        ("wagtail_passes.pass.extend", staff.pk),
        ("wagtail_passes.pass.cancel", staff.pk),
    ]
    adjust = ModelLogEntry.objects.get(action="wagtail_passes.pass.adjust")
    assert adjust.data["reason"] == "used at the desk"
    assert registry.get_formatter(adjust).format_message(adjust) == (
        "Adjusted by -1: used at the desk"
    )


def test_s5_every_staff_action_on_bookings_and_sessions_is_in_the_audit_log(staff, session):
    member = UserFactory()
    booking = services.book(member, session, by=staff)
    services.record_desk_payment(booking, staff, "card_terminal")
    waiting = UserFactory()
    entry = services.join_waitlist(waiting, session, by=staff)
    services.leave_waitlist(entry, by=staff)
    with time_machine.travel(session.start + dt.timedelta(minutes=5), tick=False):
        services.mark_attendance(booking, True, staff)
    services.update_session(session, staff, capacity=3)
    other = services.book(UserFactory(), session, by=staff)
    services.cancel_booking(other, by=staff)
    services.cancel_session(session, staff)

    assert logged(booking) == [
        ("wagtail_passes.booking.create", staff.pk),
        ("wagtail_passes.booking.paid_at_desk", staff.pk),
        ("wagtail_passes.booking.attendance", staff.pk),
    ]
    assert logged(other) == [
        ("wagtail_passes.booking.create", staff.pk),
        ("wagtail_passes.booking.cancel", staff.pk),
    ]
    assert logged(session) == [
        ("wagtail_passes.waitlist.add", staff.pk),
        ("wagtail_passes.waitlist.remove", staff.pk),
        ("wagtail_passes.session.change", staff.pk),
        ("wagtail_passes.session.cancel", staff.pk),
    ]


def test_s5_members_own_actions_are_not_staff_actions(session):
    member = member_pass().member
    booking = services.book(member, session)
    services.cancel_booking(booking, by=member)
    assert logged(booking) == []


def test_s5_a_refused_action_leaves_no_entry(staff):
    mp = member_pass(quantity=Decimal(1))
    with pytest.raises(PassError):
        services.adjust_pass(mp, Decimal(-5), staff, "too much")
    assert logged(mp) == []


def test_s5_every_action_has_a_label_in_wagtails_registry():
    for action, (label, _message) in ACTIONS.items():
        assert registry.action_exists(action)
        assert registry.get_action_label(action) == label


def test_signals_are_sent_once_committed_with_what_happened(
    staff, session, django_capture_on_commit_callbacks
):
    received = []

    def receiver(signal, sender, **kwargs):
        received.append((signal, kwargs))

    names = ["booking_created", "booking_cancelled", "pass_issued", "pass_adjusted"]
    for name in names:
        getattr(signals, name).connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as pending:
            mp = member_pass()
            booking = services.book(mp.member, session)
        assert received == []  # nothing before the commit
        for callback in pending:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            services.cancel_booking(booking, by=staff)
            services.adjust_pass(mp, Decimal(2), staff, "goodwill")
    finally:
        for name in names:
            getattr(signals, name).disconnect(receiver)

    sent = [(s, k) for s, k in received]
    by_signal = {}
    for signal, kwargs in sent:
        by_signal.setdefault(signal, []).append(kwargs)
    assert by_signal[signals.pass_issued][0]["member_pass"] == mp
    assert by_signal[signals.booking_created][0]["booking"] == booking
    cancelled = by_signal[signals.booking_cancelled][0]
    assert (cancelled["booking"], cancelled["by"], cancelled["returned"]) == (booking, staff, True)
    assert by_signal[signals.pass_adjusted][0]["entry"].amount == 2


def test_a_failing_receiver_never_breaks_the_booking(session, django_capture_on_commit_callbacks):
    def broken(sender, **kwargs):
        raise RuntimeError("a host's receiver fails")

    signals.booking_created.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            booking = services.book(member_pass().member, session)
    finally:
        signals.booking_created.disconnect(broken)
    assert booking.pk is not None


def test_no_signal_for_a_rolled_back_change(session, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.booking_created.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    services.book(member_pass().member, session)
                    raise RuntimeError("roll back")
            except RuntimeError:
                pass
    finally:
        signals.booking_created.disconnect(receiver)
    assert received == []
