"""The "Passes today" panel on the admin home: today's sessions with places taken,
passes expiring in the next 7 days, the outstanding total; each part for those who may
see it, no panel for anyone else. Today is Wednesday 10 March 2027 (conftest)."""

import datetime as dt

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.urls import reverse

from wagtail_passes.admin.reports.dashboard import PassesTodayPanel
from wagtail_passes.test.factories import (
    BookingFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
)

from .conftest import UTC, staff_client

pytestmark = pytest.mark.django_db

HOME = reverse("wagtailadmin_home")


def panel(response):
    return BeautifulSoup(response.content, "html.parser").find(id="passes-today-section")


def session_rows(section) -> list[list[str]]:
    table = section.find(attrs={"data-passes-sessions": True})
    if table is None:
        return []
    return [
        [" ".join(td.get_text().split()) for td in tr.find_all("td")]
        for tr in table.find("tbody").find_all("tr")
    ]


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def pilates():
    programme = ProgrammeFactory(name="Pilates", default_capacity=8)
    return ProgrammeClassFactory(programme=programme, name="Mat Pilates")


def session_at(klass, start, **kwargs):
    return SessionFactory(
        programme_class=klass, start=start, end=start + dt.timedelta(hours=1), **kwargs
    )


def test_S1_S2_panel_shows_todays_sessions_expiring_passes_and_outstanding_total(
    admin, holders, debts, pilates
):
    # Today in London: 10 March 00:00 to 11 March 00:00 (GMT = UTC in March).
    early = session_at(pilates, at(2027, 3, 10, 0, 0))
    late = session_at(pilates, at(2027, 3, 10, 23, 30), capacity=5)
    session_at(pilates, at(2027, 3, 9, 23, 59))  # yesterday
    session_at(pilates, at(2027, 3, 11, 0, 0))  # tomorrow
    session_at(pilates, at(2027, 3, 10, 12, 0), is_cancelled=True)
    BookingFactory(session=late, attendees=2)
    BookingFactory(session=late, attendees=1)
    BookingFactory(session=late, attendees=3, status="cancelled")

    section = panel(admin.get(HOME))

    assert section is not None
    assert session_rows(section) == [
        ["00:00", "Mat Pilates (Pilates)", "0 of 8"],
        ["08:00", "Yoga Flow (Yoga)", "2 of 10"],  # bob's booking for two
        ["23:30", "Mat Pilates (Pilates)", "3 of 5"],
    ]
    links = [a["href"] for a in section.find(attrs={"data-passes-sessions": True}).find_all("a")]
    assert links[0] == reverse("wagtail_passes_session_modeladmin_register", args=[early.pk])
    expiring = section.find(attrs={"data-passes-expiring": True})
    # ann's and bob's Ten classes end on 14 March; cat's is used up, gus's cancelled.
    assert " ".join(expiring.get_text().split()) == "2 passes expire in the next 7 days"
    assert expiring.a["href"] == reverse("wagtail_passes_reports:pass_holders") + "?expiring=7"
    outstanding = section.find(attrs={"data-passes-outstanding": True})
    assert " ".join(outstanding.get_text().split()) == "Outstanding payments: €228.00, £8.00"
    assert outstanding.a["href"] == reverse("wagtail_passes_reports:outstanding")


def test_S1_the_expiring_link_lists_the_passes_it_counted(admin, holders):
    response = admin.get(reverse("wagtail_passes_reports:pass_holders"), {"expiring": "7"})

    assert len(response.context["object_list"]) == 2


def test_S1_S2_todays_sessions_follow_the_site_clock_across_a_clock_change(pilates, superuser):
    # Sunday 28 March 2027: London moves to BST at 01:00 UTC. The local day runs from
    # 00:00 UTC to 23:00 UTC (midnight BST).
    with time_machine.travel(at(2027, 3, 28, 12, 0), tick=False):
        session_at(pilates, at(2027, 3, 28, 0, 30))  # 00:30 GMT: today
        session_at(pilates, at(2027, 3, 28, 22, 30))  # 23:30 BST: today
        session_at(pilates, at(2027, 3, 28, 23, 30))  # 00:30 BST on the 29th: tomorrow
        context = PassesTodayPanel(superuser).get_context_data()

    assert [(s["time"], s["name"]) for s in context["sessions"]] == [
        ("00:30", "Mat Pilates"),
        ("23:30", "Mat Pilates"),
    ]


def test_S1_S2_panel_queries_are_constant(
    clock, holders, debts, superuser, django_assert_num_queries
):
    # today's sessions, the expiring count, the open payment problems, the amounts due, the
    # fees due (L1-L3) and the orders totals
    with django_assert_num_queries(6):
        PassesTodayPanel(superuser).get_context_data()


def test_S1_S2_panel_is_hidden_without_any_view_permission(clock, holders, debts):
    editor = staff_client("view_schedule")

    response = editor.get(HOME)

    assert response.status_code == 200
    assert panel(response) is None


def test_S1_S2_panel_parts_follow_permissions(clock, holders, debts):
    passes_only = panel(staff_client("view_memberpass", "view_reports").get(HOME))
    orders_only = panel(staff_client("view_order", "view_reports").get(HOME))

    assert passes_only.find(attrs={"data-passes-expiring": True}) is not None
    assert passes_only.find(attrs={"data-passes-outstanding": True}) is None
    assert "Today's sessions" not in passes_only.get_text()
    assert orders_only.find(attrs={"data-passes-expiring": True}) is None
    # Orders only: 90 + 90 + 12 euros, no amounts due.
    outstanding = orders_only.find(attrs={"data-passes-outstanding": True})
    assert " ".join(outstanding.get_text().split()) == "Outstanding payments: €192.00"


def test_S1_S2_panel_says_when_nothing_is_owed_and_no_session_is_today(clock, admin):
    section = panel(admin.get(HOME))

    assert "No sessions today." in section.get_text()
    assert "nothing is owed" in section.get_text()
    assert "0 passes expire in the next 7 days" in " ".join(section.get_text().split())


def test_S1_S2_panel_totals_need_the_reports_permission(clock, holders, debts):
    desk = panel(staff_client("view_memberpass", "view_order", "view_booking").get(HOME))

    assert desk.find(attrs={"data-passes-expiring": True}) is None
    assert desk.find(attrs={"data-passes-outstanding": True}) is None
    assert "Today's sessions" in desk.get_text()
