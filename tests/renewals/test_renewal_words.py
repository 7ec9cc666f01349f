"""N1, N2 (issue 17, item 19): every sentence about a renewal says what happens, because it
comes from the state it describes. The words are read off the pages, written out by hand.

- My passes and the admin's pass page name the renewal order's state: awaiting payment,
  renewed (paid), stopped (cancelled), not renewed (expired unpaid), refunded.
- The admin's "Stop renewal" form says the renewal order awaiting payment is cancelled with
  it (it is).
- The member's order page offers "Cancel order" on a renewal order only when the member may
  cancel it (the commitment met), and the confirmation says the pass will not renew."""

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.models import OrderState, Renewal
from wagtail_passes.services.renewals import run_renewals, staff_stop_renewal
from wagtail_passes.test.factories import StaffFactory

from ..admin import admin_url, post_form
from ..member import soup_of, words
from .helpers import local, renewing_pass

pytestmark = pytest.mark.django_db


def pass_url(pk):
    return f"/passes/my/{pk}/"


def facts(soup):
    return {words(row.dt): words(row.dd) for row in soup.select(".wp-facts__row")}


def renewal_ordered(member, **fields):
    """A pass bought 1 November 2026 (valid until 1 December), its renewal ordered on
    29 November; the clock stays at 29 November 9:00."""
    old = renewing_pass(member=member, bought=local(2026, 11, 1), title="Monthly", **fields)
    run_renewals()
    return old, Renewal.objects.get(member_pass=old).order


@pytest.fixture
def on_29_november(time_machine):
    time_machine.move_to(local(2026, 11, 29, 9), tick=False)


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def renewal_row(client, mp):
    soup = soup_of(client.get(pass_url(mp.pk)))
    return facts(soup)["Renewal"], soup.select_one(".wp-mypass__renewal a")


# ---- My passes: the renewal order's state ---------------------------------------------------


def test_n1_my_passes_says_the_renewal_awaits_payment_until_it_is_paid(
    member_client, member, on_29_november
):
    old, order = renewal_ordered(member)

    text, link = renewal_row(member_client, old)

    assert text == f"Renewal order {order.reference} is awaiting payment"
    assert link["href"] == f"/passes/orders/{order.reference}/" and words(link) == order.reference

    services.mark_paid(order, StaffFactory())
    assert renewal_row(member_client, old)[0] == f"Renewed with order {order.reference}"


def test_n1_my_passes_says_the_renewal_stopped_once_staff_stop_it(
    member_client, member, on_29_november
):
    old, order = renewal_ordered(member)

    staff_stop_renewal(old, StaffFactory(), "Moved abroad")

    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    text, link = renewal_row(member_client, old)
    assert text == f"Renewal stopped: order {order.reference} was cancelled"
    assert "Renewed" not in text and words(link) == order.reference


def test_n1_my_passes_says_a_renewal_order_that_expired_unpaid_did_not_renew(
    member_client, member, on_29_november
):
    old, order = renewal_ordered(member)
    services.expire_orders(now=order.expires_at + timezone.timedelta(minutes=1))

    assert renewal_row(member_client, old)[0] == (
        f"Not renewed: order {order.reference} expired unpaid"
    )


def test_n1_the_admin_pass_page_uses_the_same_words(admin, member, on_29_november):
    old, order = renewal_ordered(member)
    response = admin.get(admin_url("memberpass", "inspect", old.pk))
    soup = BeautifulSoup(response.content, "html.parser")
    shown = {
        " ".join(d.get_text().split()): " ".join(d.find_next_sibling("dd").get_text().split())
        for d in soup.select("dl dt")
    }
    assert shown["Renewal"] == f"Renewal order {order.reference} is awaiting payment"


# ---- the admin's "Stop renewal" form --------------------------------------------------------


def test_n1_stop_renewal_form_says_the_pending_renewal_order_is_cancelled_with_it(
    admin, member, on_29_november
):
    old, order = renewal_ordered(member)

    response = admin.get(admin_url("memberpass", "stop_renewal", old.pk))
    page = " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())

    assert f"Its renewal order {order.reference}, awaiting payment, is cancelled with it." in page
    assert "is not cancelled" not in page
    post_form(admin, admin_url("memberpass", "stop_renewal", old.pk), {"reason": "Moved abroad"})
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED  # what the form said


def test_n1_stop_renewal_form_before_any_renewal_order_names_none(admin, member, on_29_november):
    old = renewing_pass(member=member, bought=local(2026, 11, 20))  # renews on 18 December

    page = admin.get(admin_url("memberpass", "stop_renewal", old.pk)).content.decode()

    assert "The pass will not renew when it is next due." in page
    assert "renewal order" not in page


# ---- the member's order page: "Cancel order" on a renewal order -----------------------------


def test_n2_a_committed_member_is_not_offered_to_cancel_the_renewal_order(
    member_client, member, on_29_november
):
    _old, order = renewal_ordered(member, commitment_payments=3)
    detail = soup_of(member_client.get(f"/passes/orders/{order.reference}/"))
    assert detail.select_one(f"a[href='/passes/orders/{order.reference}/cancel/']") is None
    assert "Cancel order" not in words(detail)
    assert words(detail.select_one(".wp-order__no-cancel")) == (
        "This order renews your pass and you committed to 3 payments: "
        "1 of 3 payments made, 2 to go."
    )

    confirm = soup_of(member_client.get(f"/passes/orders/{order.reference}/cancel/"))

    assert confirm.select_one("form button[type=submit]") is None
    assert "nothing will be owed" not in words(confirm)
    assert words(confirm.select_one(".wp-alert")) == (
        "This order renews your pass and you committed to 3 payments: "
        "1 of 3 payments made, 2 to go."
    )


def test_n1_cancelling_a_renewal_order_says_the_pass_will_not_renew(
    member_client, member, on_29_november
):
    _old, order = renewal_ordered(member)  # no commitment: the member may cancel it
    detail = soup_of(member_client.get(f"/passes/orders/{order.reference}/"))
    assert detail.select_one(f"a[href='/passes/orders/{order.reference}/cancel/']") is not None

    confirm = soup_of(member_client.get(f"/passes/orders/{order.reference}/cancel/"))

    assert (
        "The order will be cancelled and “Monthly” will not renew: nothing will be owed for it."
        in words(confirm)
    )
    assert confirm.select_one("form button[type=submit]") is not None


def test_n1_an_order_whose_pass_pays_for_a_session_offers_no_cancel(member_client, member):
    """P4: the unpaid pass of a bank-transfer order has booked a session: the order is owed
    and cannot be cancelled; the page does not offer it."""
    import datetime as dt
    from decimal import Decimal

    from wagtail_passes.test.factories import (
        PassPageFactory,
        ProgrammeClassFactory,
        ProgrammeFactory,
        SessionFactory,
    )

    programme = ProgrammeFactory(redeem_if_unpaid=True)
    product = PassPageFactory(price=Decimal("90.00"), duration_days=90, programmes=[programme])
    start = timezone.now() + dt.timedelta(days=3)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(programme=programme),
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    order = services.place_order(member, product)
    services.book(member, session)

    detail = soup_of(member_client.get(f"/passes/orders/{order.reference}/"))
    assert detail.select_one(f"a[href='/passes/orders/{order.reference}/cancel/']") is None
    confirm = soup_of(member_client.get(f"/passes/orders/{order.reference}/cancel/"))
    assert confirm.select_one("form button[type=submit]") is None
    assert "has been booked with" in words(confirm.select_one(".wp-alert"))
