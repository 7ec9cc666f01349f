"""The same admin money form sent twice at the same instant (PostgreSQL, real threads;
issue 17, item 14): a double click records one refund (C4).

Two requests of one staff session carry the same one-time token. The token's claim
(``admin/once.py``: a row under a unique token) lets one through; with the claim switched
off, the refund service still finds the token's refund under the order's row lock.
"""

from decimal import Decimal
from functools import partial
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client

from wagtail_passes.models import OrderState, Refund
from wagtail_passes.test.factories import PassPageFactory, StaffFactory

from ..admin import admin_url, form_token
from .test_order_races import STAGGER, check_refusals, staggered
from .test_refund_races import paid_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RECORDED_ALREADY = "This refund was recorded already; nothing changed."


def twin_clients(user):
    """Two clients of one logged-in session: two tabs, or one double click."""
    first = Client()
    first.force_login(user)
    second = Client()
    name = settings.SESSION_COOKIE_NAME
    second.cookies[name] = first.cookies[name].value
    return first, second


def send(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def race_one_refund_form(concurrently, staff, product, step):
    order = paid_order(product)
    line = order.lines.get()
    first, second = twin_clients(staff)
    url = admin_url("order", "refund", order.pk)
    data = {
        f"line_{line.pk}": "on",
        f"amount_{line.pk}": "20.00",
        "confirm": "on",
        "form_token": form_token(first.get(url)),
    }

    results = staggered(
        concurrently, partial(send, first, url, data), partial(send, second, url, data), step=step
    )

    check_refusals(results, set())
    assert list(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("20.00")
    ]
    order.refresh_from_db()
    assert order.state == OrderState.PARTIALLY_REFUNDED
    said = [messages[-1] for _kind, messages in results]
    assert sum(message.startswith("€20.00 refunded") for message in said) == 1, said
    return said


def test_c4_the_same_manual_refund_form_sent_twice_at_once_records_one_refund(concurrently):
    staff = StaffFactory(permissions=["change_order", "view_order"])
    product = PassPageFactory(price=Decimal("50.00"))
    for step in range(len(STAGGER)):
        said = race_one_refund_form(concurrently, staff, product, step)
        # The other request was stopped by the claim, or (later) by the spent token.
        other = next(message for message in said if not message.startswith("€20.00"))
        assert "sent twice at the same time" in other or other == RECORDED_ALREADY, said


def test_c4_without_the_claim_the_refund_service_still_refunds_once(concurrently):
    """Every claim granted: both requests may pass the session's check, and the refund
    service decides under the order's lock (the token is the refund's request key)."""
    staff = StaffFactory(permissions=["change_order", "view_order"])
    product = PassPageFactory(price=Decimal("50.00"))
    with mock.patch("wagtail_passes.admin.once.claim_form_token", return_value=True):
        for step in range(len(STAGGER)):
            said = race_one_refund_form(concurrently, staff, product, step)
            assert RECORDED_ALREADY in said, said
