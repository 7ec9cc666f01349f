"""CAL2 on a whole page (issue 20): a host page holding the calendar block, requested
through the test Client, runs the same statements whether 5 or 50 sessions are in view and
the member holds 1 pass or 5 — their bookings, waiting entries, passes and what would pay
are read once for all the sessions, and so are the products behind "Get a pass"."""

from decimal import Decimal

import pytest
from django.db import connection

from wagtail_passes import services
from wagtail_passes.models import WaitlistEntry
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    member_pass,
)

from .conftest import block_value, bulk_sessions

pytestmark = pytest.mark.django_db

#: The app's own statements (those reading a wagtail_passes table) for the page, as pinned
#: after issue 20: the block's classes (its filter choices) and the sessions; for a member
#: also their bookings and waiting entries in view, their passes and those passes'
#: redemptions, the live products of each product type (their pages, then the programmes
#: and classes of the pass pages: no credit pack page is live here) and the member's orders
#: awaiting payment of them, and the member's dependants (F1: none here; each one's
#: standing would add their own bookings, waiting places and passes). The host's statements
#: (Wagtail's site and page, the session, the user) come on top and are counted only to
#: stay the same.
APP_STATEMENTS = {"anonymous": 2, "member": 12}


def statements(client, url) -> list[str]:
    """The SQL of every statement the request runs (at the cursor, whatever DEBUG is)."""
    found = []

    def record(execute, sql, params, many, context):
        found.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200
    return found


def app_statements(found) -> list[str]:
    return [sql for sql in found if "wagtail_passes" in sql]


@pytest.fixture
def studio(yoga, flow, member, calendar_page):
    """A page with the calendar of two programmes: yoga, which the member's passes pay
    for, and pilates, which needs a valid pass they do not hold (P3: "Get a pass", from a
    product on sale). The member has booked one session and waits for a place on another."""
    pilates = ProgrammeFactory(name="Pilates", default_unit_price=Decimal("15.00"), currency="EUR")
    pilates.require_valid_pass = True
    pilates.save()
    mat = ProgrammeClassFactory(programme=pilates, name="Mat Pilates", instructor="Bo")
    PassPageFactory(title="Pilates 5", programmes=[pilates])
    page = calendar_page(block_value(programmes=[yoga.pk, pilates.pk], first_view="list"))
    return {"yoga": yoga, "flow": flow, "mat": mat, "member": member, "url": page.url, "passes": 0}


def grow(studio, *, sessions: int, passes: int):
    """``sessions`` sessions of each programme in the list view's 28 days, and the member
    holding ``passes`` yoga passes (in total)."""
    bulk_sessions(sessions, studio["flow"], days=20)
    bulk_sessions(sessions, studio["mat"], days=20)
    while studio["passes"] < passes:
        studio["passes"] += 1
        member_pass(
            studio["member"],
            title=f"Yoga {studio['passes']}",
            quantity=Decimal(100),
            programmes=[studio["yoga"]],
        )


def first_visit(studio):
    """The member's own sessions: one booked, one waited for."""
    from wagtail_passes.models import Session

    member = studio["member"]
    yoga_sessions = Session.objects.filter(programme_class=studio["flow"]).order_by("start")
    services.book(member, yoga_sessions[0])
    WaitlistEntry.objects.create(member=member, session=yoga_sessions[1], attendees=1)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_cal2_the_page_runs_the_same_statements_for_5_or_50_sessions_and_1_or_5_passes(
    who, studio, client
):
    member = studio["member"]
    if who == "member":
        client.force_login(member)
    grow(studio, sessions=5, passes=1)
    if who == "member":
        first_visit(studio)
    client.get(studio["url"])  # warm: the site's caches are not what this counts
    small = statements(client, studio["url"])

    grow(studio, sessions=50, passes=5)
    large = statements(client, studio["url"])
    html = client.get(studio["url"]).content.decode()

    assert len(large) == len(small), "\n".join(large)
    assert len(app_statements(large)) == APP_STATEMENTS[who], "\n".join(app_statements(large))
    assert html.count('data-session="') > 50  # both sizes were in view
    if who == "member":
        assert ">Get a pass<" in html
        assert "pays — " in html
        assert "On the waiting list" in html


def test_cal2_choices_are_not_read_again_for_each_chosen_programme(studio, client):
    """The block's chosen ids are read back as saved: Wagtail's choice block read the whole
    list of programmes again for each one (a query per chosen id on every page view)."""
    found = statements(client, studio["url"])
    programme_lists = [sql for sql in found if 'FROM "wagtail_passes_programme"' in sql]
    assert programme_lists == []
