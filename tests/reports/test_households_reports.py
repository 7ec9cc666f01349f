"""Who attends and who pays (F2) in the reports: the pass holders report names the
dependant holding a pass beside the account holder ("Holder", "Member") and finds it by
the dependant's name; outstanding payments name who attended a session still owed for,
and whom an order's passes are for ("Attending"), the payer unchanged in "Member".

Today is Wednesday 10 March 2027, 10:00 in London (GMT).
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from wagtail_passes import services
from wagtail_passes.models import MemberPass, OrderLine
from wagtail_passes.test.factories import (
    BookingFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    member_pass,
)

from .conftest import NOW, person

pytestmark = pytest.mark.django_db

PASS_HOLDERS = reverse("wagtail_passes_reports:pass_holders")
OUTSTANDING = reverse("wagtail_passes_reports:outstanding")


@pytest.fixture
def lind(clock):
    """Maya Lind, her son Leo holding a pass and owing for yesterday's session, and an
    order awaiting payment for a pass for Leo."""
    maya = person("maya", "Maya", "Lind")
    leo = services.add_dependant(maya, "Leo")
    kids = PassPageFactory(title="Kids ten", price=Decimal("50.00"), currency="EUR")
    his = member_pass(maya, kids)
    MemberPass.objects.filter(pk=his.pk).update(person=leo)
    yoga = ProgrammeFactory(name="Yoga", currency="EUR", default_unit_price=Decimal("12.00"))
    flow = ProgrammeClassFactory(programme=yoga, name="Flow")
    start = NOW - dt.timedelta(days=1)
    yesterday = SessionFactory(programme_class=flow, start=start, end=start + dt.timedelta(hours=1))
    due = BookingFactory(
        member=maya,
        person=leo,
        session=yesterday,
        price=Decimal("12.00"),
        amount_due=Decimal("12.00"),
        currency="EUR",
    )
    order = services.place_order(maya, kids, accepted_terms=True)
    OrderLine.objects.filter(order=order).update(person=leo)
    return {"maya": maya, "leo": leo, "pass": his, "due": due, "order": order}


def csv_of(response) -> list[dict]:
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_F2_pass_holders_name_the_dependant_and_the_payer(admin, lind):
    response = admin.get(PASS_HOLDERS)

    text = " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())
    assert "Leo paid by Maya Lind" in text
    rows = csv_of(admin.get(PASS_HOLDERS, {"export": "csv"}))
    assert [(r["Holder"], r["Member"], r["Email"]) for r in rows] == [
        ("Leo", "Maya Lind (maya)", "maya@example.com")
    ]


def test_F2_pass_holders_are_found_by_the_dependants_name(admin, lind):
    other = person("leonard", "Leonard", "Cohen")
    member_pass(other, title="Adult ten")

    rows = csv_of(admin.get(PASS_HOLDERS, {"q": "Leo", "export": "csv"}))
    assert sorted(r["Holder"] for r in rows) == ["Leo", "Leonard Cohen (leonard)"]
    rows = csv_of(admin.get(PASS_HOLDERS, {"q": "Leo Lind", "export": "csv"}))
    assert [r["Holder"] for r in rows] == ["Leo"]


def test_F2_outstanding_names_who_attended_and_whom_an_order_is_for(admin, lind):
    rows = csv_of(admin.get(OUTSTANDING, {"export": "csv"}))

    assert [(r["Attending"], r["Member"], r["Kind"]) for r in rows] == [
        ("Leo", "Maya Lind (maya)", "Amount due"),
        ("Leo", "Maya Lind (maya)", "Order awaiting payment"),
    ]
    page = admin.get(OUTSTANDING)
    text = " ".join(BeautifulSoup(page.content, "html.parser").get_text(" ").split())
    assert text.count("Leo paid by Maya Lind") == 2


def test_F2_outstanding_keeps_the_account_holder_for_their_own_debts(admin, clock):
    ann = person("ann", "Ann", "Lee")
    order = services.place_order(ann, PassPageFactory(title="Ten"), accepted_terms=True)

    rows = csv_of(admin.get(OUTSTANDING, {"export": "csv"}))

    assert [(r["Attending"], r["Member"]) for r in rows] == [("Ann Lee (ann)", "Ann Lee (ann)")]
    assert order.state == "pending"
