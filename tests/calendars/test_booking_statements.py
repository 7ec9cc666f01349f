"""A booking through the web costs a fixed, small number of statements (issue 20): the
booking page (GET) and the form sent (POST), counted per request with everything the
request runs — the login's session and user, the page's own reads, BEGIN and COMMIT — and
the same whatever the member's history. (The tests' Tasks backend sends the email after
the commit; a queue in the database adds its one insert inside the transaction.)

The tests' site renders no menu and no user bar, so these counts are the app's own; the
example site adds its ``base.html``'s (site, menu, the user bar's permissions), measured by
``bench/web.py``.
"""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_passes import services
from wagtail_passes.models import Booking, WaitlistEntry
from wagtail_passes.test.factories import UserFactory, member_pass

pytestmark = pytest.mark.django_db

#: GET: the login (session, user); the session with places taken, the member's booking and
#: waiting entry; the member's passes (with "already used here"); the household (F1: whom
#: the page may book for).
PAGE = 5
#: POST: the login (session, user); the member's own person (F1: who attends); BEGIN; the
#: session's lock; what is taken, the member's
#: booking, waiting entry and this form's earlier booking; the passes' locks; the booking;
#: the pass's balance; its ledger movement; COMMIT.
BOOK = 11


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def url(session):
    return f"/passes/sessions/{session.pk}/book/"


def statements(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    # The test's own transaction turns BEGIN/COMMIT into a savepoint and its release.
    return response, len(captured.captured_queries)


@pytest.fixture
def history(member, yoga, make_session):
    """A member with a long past: other passes, bookings and cancellations."""
    for days in range(2, 12):
        session = make_session(days, hour=7)
        services.book(member, session)
        if days % 2:
            services.cancel_booking(Booking.objects.get(member=member, session=session))
    member_pass(member, title="Old pass", quantity=Decimal(3), programmes=[yoga])


@pytest.mark.parametrize("long_history", [False, True])
def test_cal2_a_booking_reads_and_writes_a_fixed_number_of_statements(
    long_history, request, client, member, yoga, make_session
):
    if long_history:
        request.getfixturevalue("history")
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    for other in range(3):  # other members on the session
        services.book(UserFactory(username=f"other{other}"), make_session(1, hour=9 + other))
    session = make_session(1)
    client.force_login(member)
    client.get(url(make_session(1, hour=8)))  # the site's first page loads its caches

    page, page_statements = statements(lambda: client.get(url(session)))
    assert page.status_code == 200
    sent, book_statements = statements(
        lambda: client.post(url(session), {"token": token_of(page), "action": "book"})
    )

    booking = Booking.objects.get(member=member, session=session)
    assert sent.status_code == 303 and booking.member_pass is not None
    assert page_statements == PAGE
    assert book_statements == BOOK


def test_p7_closing_the_members_own_waiting_entry_costs_one_statement_more(
    client, member, yoga, make_session
):
    session = make_session(1, capacity=1)
    services.book(UserFactory(username="first"), session)
    services.join_waitlist(member, session)
    Booking.objects.get(session=session).delete()  # a place frees outside the services
    client.force_login(member)
    client.get(url(make_session(1, hour=8)))
    # The page offers "Leave the waiting list"; a member on the list who books directly
    # (the staff, or another tab's form) has their entry closed in the same transaction.
    page = client.get(url(session))
    assert "Leave the waiting list" in page.content.decode()
    with CaptureQueriesContext(connection) as captured:
        services.book(member, session, token="tab-2")
    updates = [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "waitlistentry" in updates[0]["sql"]
    assert WaitlistEntry.objects.get(member=member).booking.session == session


def test_cal2_the_statements_do_not_grow_with_the_sessions_bookings(
    client, member, yoga, make_session
):
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    session = make_session(1, capacity=60)
    for n in range(40):
        services.book(UserFactory(username=f"m{n}"), session)
    client.force_login(member)
    client.get(url(make_session(1, hour=8)))
    page, page_statements = statements(lambda: client.get(url(session)))
    _, book_statements = statements(
        lambda: client.post(url(session), {"token": token_of(page), "action": "book"})
    )
    assert (page_statements, book_statements) == (PAGE, BOOK)


def test_p2_services_book_is_a_handful_of_statements(member, yoga, make_session):
    """``services.book``: the member's own person (F1), the session's lock, what is
    taken, the passes' locks, the
    booking, the pass's balance and its ledger movement — plus the transaction's own
    BEGIN/COMMIT (a savepoint here) and the email's task when the queue is the database
    (tests/test_task_queue.py)."""
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    session = make_session(1)
    with CaptureQueriesContext(connection) as captured:
        services.book(member, session)
    work = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))
    ]
    assert len(work) == 7, "\n".join(work)


def test_cal2_a_day_pass_or_a_period_limit_reads_the_redemptions_around_the_day(
    client, member, yoga, make_session
):
    """Only the rules that count uses near the session (K3, U1) read them: one statement
    more on the page and in the booking."""
    member_pass(
        member,
        title="Two a week",
        quantity=Decimal(10),
        programmes=[yoga],
        period_limit="week",
        period_max_uses=2,
    )
    session = make_session(1)
    client.force_login(member)
    client.get(url(make_session(1, hour=8)))
    page, page_statements = statements(lambda: client.get(url(session)))
    _, book_statements = statements(
        lambda: client.post(url(session), {"token": token_of(page), "action": "book"})
    )
    assert (page_statements, book_statements) == (PAGE + 1, BOOK + 1)


def test_cal2_the_booking_page_writes_nothing(client, member, make_session):
    """Showing the form issues a signed token: no session write, no row."""
    client.force_login(member)
    session = make_session(1)
    with CaptureQueriesContext(connection) as captured:
        client.get(url(session))
    writes = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
