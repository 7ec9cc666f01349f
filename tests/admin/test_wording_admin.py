"""Staff screens speak plainly: no rule IDs ("(P3)", "V7") anywhere staff read, and a
credit pack counts whole credits."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ScheduleFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from . import admin_url

pytestmark = pytest.mark.django_db

RULE_ID = re.compile(r"\b[KVPURSACNM]\d{1,2}\b")


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def visible_text(response) -> str:
    soup = BeautifulSoup(response.content, "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    main = soup.find("main") or soup
    return main.get_text(" ", strip=True)


def test_no_rule_ids_on_any_staff_screen(admin):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(capacity=1),
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    mp = member_pass(kind="credits", quantity=Decimal(20), duration_days=30)
    booking = services.book(UserFactory(), session)
    entry = services.join_waitlist(UserFactory(), session)
    schedule = ScheduleFactory(programme_class=session.programme_class)
    programme = session.programme_class.programme
    pages = [
        admin_url(model, "index")
        for model in ("programme", "programmeclass", "session", "schedule", "booking", "memberpass")
    ] + [
        admin_url("programme", "edit", programme.pk),
        admin_url("programme", "create"),
        admin_url("programmeclass", "edit", session.programme_class_id),
        admin_url("schedule", "edit", schedule.pk),
        admin_url("session", "edit", session.pk),
        admin_url("session", "create"),
        admin_url("session", "register", session.pk),
        admin_url("session", "cancel_session", session.pk),
        admin_url("session", "remove_waiting", entry.pk),
        admin_url("booking", "inspect", booking.pk),
        admin_url("booking", "cancel", booking.pk),
        admin_url("booking", "attendance", booking.pk),
        admin_url("booking", "desk_payment", booking.pk),
        admin_url("memberpass", "inspect", mp.pk),
        admin_url("memberpass", "assign"),
        admin_url("memberpass", "hold", mp.pk),
        admin_url("memberpass", "adjust", mp.pk),
        admin_url("memberpass", "extend", mp.pk),
        admin_url("memberpass", "cancel", mp.pk),
        admin_url("memberpass", "history", mp.pk),
    ]
    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url
        found = RULE_ID.findall(visible_text(response))
        assert found == [], (url, found)


def test_a_credit_pack_counts_whole_credits_for_staff(admin):
    mp = member_pass(kind="credits", quantity=Decimal(20), title="Twenty credits")
    inspect = visible_text(admin.get(admin_url("memberpass", "inspect", mp.pk)))
    listing = visible_text(admin.get(admin_url("memberpass", "index")))
    for text in (inspect, listing):
        assert "20 of 20 credits" in text
        assert "20.00" not in text
