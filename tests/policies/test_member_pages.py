"""L1-L3 on the member's pages: My bookings shows each charge with its reason and state,
the cancel page says what cancelling now costs (the rule's words), Amounts due lists the
fees and pays them; Outstanding payments lists them for staff; the emails name them."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse

from wagtail_passes import services
from wagtail_passes.models import AttendanceCharge, ChargeState, OrderLine
from wagtail_passes.services.outstanding import CHARGE, outstanding, outstanding_totals

from .conftest import at, book_before, session_on, set_policy

pytestmark = pytest.mark.django_db

AFTER = dt.datetime(2027, 2, 3, 9, tzinfo=dt.UTC)


def text(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


class MemberClient:
    """The member's client, signed in again at each request: the tests travel months ahead
    of the moment a fixture signed in, past the session's lifetime."""

    def __init__(self, client, member):
        self.client, self.member = client, member

    def get(self, *args, **kwargs):
        self.client.force_login(self.member)
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        return self.client.post(*args, **kwargs)


@pytest.fixture
def member_client(client, member):
    return MemberClient(client, member)


@pytest.fixture
def fee(programme, klass, member, staff, django_capture_on_commit_callbacks):
    set_policy(programme, no_show_policy="fee", no_show_fee=Decimal("10.00"))
    booking = book_before(member, session_on(klass, dt.date(2027, 2, 1)), member_pass=None)
    mail.outbox.clear()
    with at(AFTER), django_capture_on_commit_callbacks(execute=True):
        services.mark_attendance(booking, False, staff)
    return AttendanceCharge.objects.get(booking=booking)


def test_L3_my_bookings_shows_each_charge_with_its_reason_and_state(member_client, fee, staff):
    with at(AFTER):
        page = text(member_client.get(reverse("wagtail_passes:my_bookings")))
    assert "No-show fee, €10.00: due" in page
    services.waive_charge(fee, staff, "Snow day")
    with at(AFTER):
        page = text(member_client.get(reverse("wagtail_passes:my_bookings")))
    assert "No-show fee, €10.00: waived (Snow day)" in page


def test_L2_the_no_show_email_names_the_fee(fee, member):
    (email,) = mail.outbox
    assert email.to == [member.email]
    assert email.subject == "No-show: Pilates"
    assert "No-show fee, €10.00: due" in email.body


def test_L3_amounts_due_lists_the_fee_and_pays_it_online(member_client, fee, member):
    with at(AFTER):
        page = member_client.get(reverse("wagtail_passes:dues"))
        soup = BeautifulSoup(page.content, "html.parser")
        box = soup.select_one(f'input[name="charge"][value="{fee.pk}"]')
        assert box is not None and "No-show fee: Pilates" in text(page)
        confirm = member_client.get(reverse("wagtail_passes:dues_checkout"), {"charge": fee.pk})
        assert confirm.status_code == 200 and "€22.00" not in text(confirm)
        form = BeautifulSoup(confirm.content, "html.parser").select_one("form.wp-checkout")
        data = {
            field["name"]: field.get("value", "")
            for field in form.select("input[name]")
            if field.get("type") != "radio" or field.has_attr("checked")
        }
        placed = member_client.post(reverse("wagtail_passes:dues_checkout"), data)
    assert placed.status_code == 303
    line = OrderLine.objects.get(charge=fee)
    assert line.total == Decimal("10.00")
    # Another member's charge is a 404, as an unknown booking is.
    other = member_client.get(reverse("wagtail_passes:dues_checkout"), {"charge": 999999})
    assert other.status_code == 404


def test_L3_outstanding_payments_list_due_fees_with_their_reason(fee):
    with at(AFTER):
        owed = [item for item in outstanding() if item.kind == CHARGE]
        totals = outstanding_totals()
    assert [(item.charge, str(item.amount)) for item in owed] == [(fee, "€10.00")]
    # The booking's own amount due (the price, no pass paid) is owed too: 12 + 10.
    assert [str(total) for total in totals] == ["€22.00"]
    fee.state = ChargeState.WAIVED
    fee.save()
    with at(AFTER):
        assert not [item for item in outstanding() if item.kind == CHARGE]


def test_L3_the_outstanding_report_offers_desk_payment_and_waive(client, superuser, fee):
    with at(AFTER):
        client.force_login(superuser)
        page = client.get(reverse("wagtail_passes_reports:outstanding"))
    body = text(page)
    assert "Fee due" in body and "No-show fee: " in body
    links = BeautifulSoup(page.content, "html.parser").select("a.button")
    hrefs = [a["href"] for a in links if f"charge={fee.pk}" in a["href"]]
    assert len(hrefs) == 2


def test_L1_the_cancel_page_says_what_cancelling_now_costs(
    programme, klass, member, member_client, a_pass
):
    set_policy(programme, late_cancel_policy="fee", late_cancel_fee=Decimal("5.00"))
    session = session_on(klass, dt.date(2027, 2, 1))
    booking = book_before(member, session, member_pass=a_pass)
    url = reverse("wagtail_passes:cancel_booking", args=[booking.pk])
    with at(session.start - dt.timedelta(hours=10)):
        listing = text(member_client.get(reverse("wagtail_passes:my_bookings")))
        page = text(member_client.get(url))
        response = member_client.post(url)
    expected = "Cancelling now costs a late cancellation fee of €5.00."
    assert expected in listing and expected in page
    assert response.status_code == 303
    assert AttendanceCharge.objects.get(booking=booking).state == ChargeState.DUE


def test_L1_the_cancel_page_is_unchanged_before_the_cutoff(programme, klass, member, member_client):
    set_policy(programme, late_cancel_policy="fee", late_cancel_fee=Decimal("5.00"))
    session = session_on(klass, dt.date(2027, 2, 1))
    booking = book_before(member, session)
    with at(session.start - dt.timedelta(hours=30)):
        page = text(member_client.get(reverse("wagtail_passes:cancel_booking", args=[booking.pk])))
    assert "Cancelling now costs" not in page and "You can cancel online until" in page
