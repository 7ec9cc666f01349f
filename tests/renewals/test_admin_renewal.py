"""N1, N2, S4 in the admin: the pass's inspect page shows its renewal and commitment and
links the renewal order; "Stop renewal" (a form with a reason, change permission) stops it
whatever the commitment, audited."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.urls import reverse
from wagtail.models import ModelLogEntry

from wagtail_passes.models import Renewal
from wagtail_passes.services.renewals import run_renewals
from wagtail_passes.test.factories import UserFactory

from ..admin import admin_url, post_form, staff_client
from .helpers import at, local, renewing_pass, renewing_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee")


def fields(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        " ".join(dt_.get_text().split()): " ".join(dt_.find_next_sibling("dd").get_text().split())
        for dt_ in soup.select("dl dt")
    }


def test_n1_n2_inspect_shows_when_it_renews_and_the_commitment(admin, ann, time_machine):
    time_machine.move_to(local(2026, 12, 2, 10), tick=False)
    mp = renewing_pass(
        renewing_product(commitment_payments=12), member=ann, bought=local(2026, 11, 20)
    )  # valid until 20 December
    response = admin.get(admin_url("memberpass", "inspect", mp.pk))
    shown = fields(response)
    assert shown["Renewal"] == "Renews on 18 December 2026"
    assert shown["Commitment"] == "1 of 12 payments made, 11 to go"
    assert admin_url("memberpass", "stop_renewal", mp.pk) in response.content.decode()


def test_n1_inspect_links_the_renewal_order(admin, ann):
    mp = renewing_pass(member=ann, bought=local(2027, 1, 1))
    with at(local(2027, 1, 29, 9)):
        run_renewals()
    order = Renewal.objects.get(member_pass=mp).order
    response = admin.get(admin_url("memberpass", "inspect", mp.pk))
    assert fields(response)["Renewal"] == f"Renewal order {order.reference} is awaiting payment"
    link = BeautifulSoup(response.content, "html.parser").select_one(".passes-renewal a")
    assert link["href"] == admin_url("order", "inspect", order.pk)
    assert link.get_text() == order.reference


def test_n2_staff_stop_renewal_from_the_admin_despite_the_commitment(admin, ann, superuser):
    mp = renewing_pass(renewing_product(commitment_payments=12, title="Contract"), member=ann)
    url = admin_url("memberpass", "stop_renewal", mp.pk)
    page = admin.get(url)
    assert page.status_code == 200
    assert "The member committed to 12 payments: 1 of 12 payments made, 11 to go." in (
        page.content.decode()
    )
    refused = post_form(admin, url, {"reason": "  "})
    assert refused.status_code == 200
    assert refused.context["form"].errors["reason"] == ["Say why the renewal is stopped."]
    mp.refresh_from_db()
    assert mp.auto_renew is True

    response = post_form(admin, url, {"reason": "Moved abroad"})
    assert response.status_code == 302
    assert response["Location"] == admin_url("memberpass", "inspect", mp.pk)
    [message] = get_messages(response.wsgi_request)
    assert str(message.message).strip() == "“Contract” of Ann Lee (ann) will no longer renew."
    mp.refresh_from_db()
    assert mp.auto_renew is False
    entry = ModelLogEntry.objects.get(action="wagtail_passes.pass.stop_renewal")
    assert (entry.object_id, entry.user, entry.data["reason"]) == (
        str(mp.pk),
        superuser,
        "Moved abroad",
    )
    # Done: the button is gone and a second POST is refused with a clear message.
    inspect = admin.get(admin_url("memberpass", "inspect", mp.pk)).content.decode()
    assert url not in inspect
    again = post_form(admin, url, {"reason": "again"})
    assert again.context["form"].errors["__all__"] == ["This pass does not renew."]


def test_n2_stop_renewal_needs_the_change_permission(ann):
    mp = renewing_pass(member=ann)
    viewer = staff_client("view_memberpass")
    response = viewer.post(admin_url("memberpass", "stop_renewal", mp.pk), {"reason": "x"})
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    mp.refresh_from_db()
    assert mp.auto_renew is True
    assert (
        "stop_renewal" not in viewer.get(admin_url("memberpass", "inspect", mp.pk)).content.decode()
    )


def test_n2_unknown_pass_is_a_404(admin):
    assert admin.get(admin_url("memberpass", "stop_renewal", 999999)).status_code == 404
    assert dt  # (dates imported for the helpers' sake)
