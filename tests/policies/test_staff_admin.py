"""L3 in the admin: the booking's page lists its charges and offers the tools; waiving asks
for a reason (refused next to the field without one), taking a fee at the desk records it
once, giving an entry back returns it; everything lands in the booking's history (S5)."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.models import AttendanceCharge, ChargeState, PaymentMethod

from .conftest import at, book_before, session_on, set_policy

pytestmark = pytest.mark.django_db

AFTER = dt.datetime(2027, 2, 3, 9, tzinfo=dt.UTC)


def url(action, booking):
    return reverse(f"wagtail_passes_booking_modeladmin_{action}", args=[booking.pk])


def form_data(response, **changes):
    form = BeautifulSoup(response.content, "html.parser").select_one("main form[method=post]")
    data = {}
    for field in form.select("input[name], textarea[name]"):
        if field.get("type") in ("radio", "checkbox") and not field.has_attr("checked"):
            continue
        data[field["name"]] = field.get("value", field.text)
    data.update(changes)
    return data


@pytest.fixture
def fee(programme, klass, member, staff):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("10.00"))
    booking = book_before(member, session_on(klass, dt.date(2027, 2, 1)))
    with at(AFTER):
        services.mark_attendance(booking, False, staff)
    return AttendanceCharge.objects.get(booking=booking)


@pytest.fixture
def admin(client, superuser):
    return client, superuser


def get(admin, path, **params):
    client, user = admin
    client.force_login(user)
    return client.get(path, params)


def test_L3_the_booking_page_lists_the_charge_and_offers_the_tools(admin, fee):
    with at(AFTER):
        response = get(
            admin, reverse("wagtail_passes_booking_modeladmin_inspect", args=[fee.booking_id])
        )
    page = " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())
    assert "No-show fee, €10.00: due" in page
    assert "Charge paid at the desk" in page and "Waive a charge" in page


def test_L3_waiving_in_the_admin_needs_a_reason_and_is_in_the_history(admin, fee, superuser):
    client, _user = admin
    with at(AFTER):
        page = get(admin, url("waive_charge", fee.booking), charge=fee.pk)
        refused = client.post(url("waive_charge", fee.booking), form_data(page, reason=""))
        assert refused.status_code == 200
        fee.refresh_from_db()
        assert fee.state == ChargeState.DUE
        done = client.post(url("waive_charge", fee.booking), form_data(page, reason="Snow day"))
    assert done.status_code == 302
    fee.refresh_from_db()
    assert (fee.state, fee.waived_reason, fee.waived_by) == (
        ChargeState.WAIVED,
        "Snow day",
        superuser,
    )
    entry = ModelLogEntry.objects.get(action="wagtail_passes.booking.charge_waived")
    assert entry.object_id == str(fee.booking_id) and entry.user == superuser


def test_L3_a_fee_paid_at_the_desk_in_the_admin_is_recorded_once(admin, fee):
    client, _user = admin
    with at(AFTER):
        page = get(admin, url("charge_payment", fee.booking), charge=fee.pk)
        data = form_data(page, method=PaymentMethod.CASH)
        first = client.post(url("charge_payment", fee.booking), data)
        again = client.post(url("charge_payment", fee.booking), data)
    assert first.status_code == 302 and again.status_code in (200, 302)
    fee.refresh_from_db()
    assert fee.state == ChargeState.PAID
    assert ModelLogEntry.objects.filter(action="wagtail_passes.booking.charge_paid").count() == 1


def test_L3_give_the_entry_back_in_the_admin(admin, programme, klass, member, staff, a_pass):
    client, _user = admin
    booking = book_before(member, session_on(klass, dt.date(2027, 2, 1)), member_pass=a_pass)
    with at(AFTER):
        services.mark_attendance(booking, False, staff)
        page = get(admin, url("give_back", booking))
        done = client.post(url("give_back", booking), form_data(page, reason="Moved class"))
    assert done.status_code == 302
    a_pass.refresh_from_db()
    assert a_pass.balance == 10


def test_L1_staff_cancelling_late_in_the_admin_read_and_apply_the_policy(
    admin, programme, klass, member
):
    client, _user = admin
    set_policy(programme, late_cancel_policy="fee", late_cancel_fee=Decimal("5.00"))
    session = session_on(klass, dt.date(2027, 2, 1))
    booking = book_before(member, session)
    with at(session.start - dt.timedelta(hours=10)):
        page = get(admin, url("cancel", booking))
        assert "late cancellation fee of €5.00" in page.content.decode()
        done = client.post(url("cancel", booking), form_data(page), follow=True)
    assert "Late cancellation fee, €5.00: due" in done.content.decode()
    assert AttendanceCharge.objects.get(booking=booking).state == ChargeState.DUE
