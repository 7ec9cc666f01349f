"""N1 at checkout: a "Renew automatically" box for products that allow it, carried to the
order line and to the pass the paid order issues. Works without JavaScript (a plain form)."""

from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.models import MemberPass, Order
from wagtail_passes.test.factories import StaffFactory

from ..checkout import checkout_url, form_data, soup_of, words
from .helpers import renewing_product

pytestmark = pytest.mark.django_db


def box(response):
    return soup_of(response).select_one("form.wp-checkout input[name=auto_renew]")


def test_n1_checkout_offers_renewal_with_its_terms_in_words(member_client, now):
    product = renewing_product(commitment_payments=12, title="Contract")
    page = member_client.get(checkout_url(product))
    checkbox = box(page)
    assert checkbox is not None and checkbox.get("checked") is None  # never ticked for them
    label = soup_of(page).select_one(f"label[for={checkbox['id']}]")
    assert words(label) == "Renew automatically"
    help_text = words(soup_of(page).select_one(f"#{checkbox['id']}_help"))
    assert help_text == (
        "Two days before this pass expires, the next one is ordered for you at the price then; "
        "it starts the day after this one ends. A saved card is charged; otherwise we email "
        "you a link to pay. You commit to 12 payments before you can stop renewing."
    )


def test_n1_no_renewal_box_where_the_product_does_not_renew(member_client, now):
    product = renewing_product(allow_auto_renew=False)
    assert box(member_client.get(checkout_url(product))) is None


@pytest.mark.parametrize("ticked", [True, False])
def test_n1_the_choice_reaches_the_line_and_the_pass(member_client, member, now, ticked):
    product = renewing_product(price=Decimal("60.00"))
    page = member_client.get(checkout_url(product))
    data = form_data(page, **({"auto_renew": "on"} if ticked else {}))
    response = member_client.post(checkout_url(product), data)
    assert response.status_code == 303
    order = Order.objects.get(member=member)
    assert order.lines.get().auto_renew is ticked
    services.mark_paid(order, StaffFactory())
    mp = MemberPass.objects.get(member=member)
    assert mp.auto_renew is ticked
    assert mp.renew_when == "expired"


def test_n1_a_crafted_opt_in_for_a_product_that_does_not_renew_is_ignored(
    member_client, member, now
):
    product = renewing_product(allow_auto_renew=False)
    page = member_client.get(checkout_url(product))
    member_client.post(checkout_url(product), form_data(page, auto_renew="on"))
    order = Order.objects.get(member=member)
    assert order.lines.get().auto_renew is False
    services.mark_paid(order, StaffFactory())
    assert MemberPass.objects.get(member=member).auto_renew is False
