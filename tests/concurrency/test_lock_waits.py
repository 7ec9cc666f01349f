"""Bounded lock waits (issue 20): a write that cannot get its lock within
WAGTAIL_PASSES_LOCK_TIMEOUT is refused ``busy`` with nothing written, never a hung worker.

Another connection (a thread) holds the row lock; the service under test runs in the test's
own connection. PostgreSQL only: SQLite has no row locks.
"""

import contextlib
import re
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError, CheckoutError
from wagtail_passes.models import (
    Booking,
    BookingStatus,
    LedgerEntry,
    MemberPass,
    Order,
    ProductStock,
    Session,
)
from wagtail_passes.services.lock_waits import LockBusy, locked_rows
from wagtail_passes.services.locking import lock_session
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # the holder's connection sees committed rows
]

TIMEOUT = 0.5  # seconds: WAGTAIL_PASSES_LOCK_TIMEOUT in these tests


@pytest.fixture(autouse=True)
def short_timeout(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks, lock_timeout); run with DATABASE_URL set")
    settings.WAGTAIL_PASSES_LOCK_TIMEOUT = TIMEOUT


@contextlib.contextmanager
def held(lock):
    """Run ``lock()`` (row locks, or an uncommitted insert) in another connection's
    transaction, held until the block ends; then that transaction commits."""
    taken, release, failed = threading.Event(), threading.Event(), []

    def holder():
        try:
            with transaction.atomic():
                lock()
                taken.set()
                release.wait(30)
        except Exception as exc:  # reported by the test
            failed.append(exc)
            taken.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert taken.wait(10) and not failed, failed
    try:
        yield
    finally:
        release.set()
        thread.join(30)
    assert not failed, failed


def row_of(instance):
    """A lock on ``instance``'s row, as another transaction would hold it."""
    model = type(instance)
    return lambda: list(model.objects.select_for_update().filter(pk=instance.pk))


def refused_busy(call, error_class):
    """``call()`` is refused ``busy`` (as ``error_class``) within the timeout; the elapsed
    seconds are returned."""
    started = time.monotonic()
    with pytest.raises(error_class) as refusal:
        call()
    elapsed = time.monotonic() - started
    assert refusal.value.code == "busy"
    assert "Try again in a moment" in refusal.value.message
    assert TIMEOUT * 0.8 <= elapsed < 2, elapsed
    return elapsed


def new_session(capacity=10):
    return SessionFactory(programme_class=ProgrammeClassFactory(), capacity=capacity)


def show_lock_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return cursor.fetchone()[0]


# ---- the mechanism ---------------------------------------------------------------------


def test_the_lock_query_itself_sets_the_timeout_before_it_waits():
    """No statement before the lock query: the bound is evaluated in its WHERE, before
    PostgreSQL waits for the row (the server's own lock_timeout is 0, wait for ever)."""
    session = new_session()
    assert show_lock_timeout() == "0"
    with held(row_of(session)), CaptureQueriesContext(connection) as queries:
        with pytest.raises(LockBusy), transaction.atomic():
            lock_session(session)
    begin, *statements, rollback = [q["sql"] for q in queries.captured_queries]
    assert (begin, rollback) == ("BEGIN", "ROLLBACK")
    assert len(statements) == 1, statements  # the lock query, with its bound: nothing else
    assert "set_config('lock_timeout'" in statements[0]
    assert "FOR UPDATE" in statements[0]


def test_the_bound_lasts_until_the_transaction_ends():
    session = new_session()
    with transaction.atomic():
        lock_session(session)
        assert show_lock_timeout() == "500ms"
    assert show_lock_timeout() == "0"


def test_inside_a_hosts_atomic_block_the_refusal_rolls_back_the_service_only():
    """A service called in the host's own transaction runs in a savepoint: refused busy,
    the host's transaction goes on, and what it wrote before is kept."""
    session = new_session()
    member = UserFactory()
    with held(row_of(session)), transaction.atomic():
        UserFactory(username="written-by-the-host")
        with pytest.raises(BookingError) as refusal:
            services.book(member, session)
        assert refusal.value.code == "busy"
        assert show_lock_timeout() == "0"  # rolled back to the savepoint, bound and all
    assert Booking.objects.count() == 0
    assert get_user_model().objects.filter(username="written-by-the-host").exists()


def test_a_deadlock_is_refused_busy_too(concurrently):
    """Two transactions locking two rows in opposite orders (what the fixed lock order
    prevents in the services): PostgreSQL breaks the cycle, and that one is refused busy."""
    first, second = new_session(), new_session()
    both_have_one = threading.Barrier(2)

    def lock_crossed(a, b):
        with transaction.atomic():
            locked_rows(Session.objects.select_for_update().filter(pk=a.pk))
            both_have_one.wait(5)
            locked_rows(Session.objects.select_for_update().filter(pk=b.pk))
        return "locked"

    # Above the server's deadlock_timeout (1 s), so the deadlock is found first.
    with override_settings(WAGTAIL_PASSES_LOCK_TIMEOUT=3):
        results = concurrently(lock_crossed, [(first, second), (second, first)], timeout=20)
    outcomes = sorted(kind if kind == "ok" else value.code for kind, value in results)
    assert outcomes == ["busy", "ok"], results
    busy = next(value for kind, value in results if kind == "error")
    assert busy.__cause__.__cause__.sqlstate == "40P01"  # deadlock_detected


# ---- the services ----------------------------------------------------------------------


def test_book_is_refused_busy_while_the_session_is_locked_then_books():
    session = new_session()
    member = UserFactory()
    ten = member_pass(member, quantity=Decimal(10))
    entries = LedgerEntry.objects.count()
    with held(row_of(session)):
        refused_busy(lambda: services.book(member, session), BookingError)
    assert Booking.objects.count() == 0
    assert LedgerEntry.objects.count() == entries
    assert MemberPass.objects.get(pk=ten.pk).balance == Decimal(10)
    booking = services.book(member, session)  # the holder committed: it books now
    assert booking.member_pass_id == ten.pk
    assert MemberPass.objects.get(pk=ten.pk).balance == Decimal(9)


def test_book_is_refused_busy_while_one_of_the_members_passes_is_locked():
    """The bound set by the session's lock query holds for the passes' lock too."""
    session = new_session()
    member = UserFactory()
    ten = member_pass(member, quantity=Decimal(10))
    with held(row_of(ten)):
        refused_busy(lambda: services.book(member, session), BookingError)
    assert Booking.objects.count() == 0
    assert MemberPass.objects.get(pk=ten.pk).balance == Decimal(10)


def test_cancel_is_refused_busy_while_the_session_is_locked_then_cancels():
    session = new_session()
    member = UserFactory()
    ten = member_pass(member, quantity=Decimal(10))
    booking = services.book(member, session)
    with held(row_of(session)):
        refused_busy(lambda: services.cancel_booking(booking), BookingError)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED
    assert MemberPass.objects.get(pk=ten.pk).balance == Decimal(9)
    assert services.cancel_booking(booking).status == BookingStatus.CANCELLED
    assert MemberPass.objects.get(pk=ten.pk).balance == Decimal(10)


def test_joining_the_waiting_list_is_refused_busy_while_the_session_is_locked():
    session = new_session(capacity=0)
    with held(row_of(session)):
        refused_busy(lambda: services.join_waitlist(UserFactory(), session), BookingError)


def test_staff_tools_are_refused_busy_while_the_row_they_change_is_locked():
    """Adjusting a pass, marking attendance, cancelling a session: a clear refusal, not a
    database error, and nothing written."""
    from wagtail_passes.exceptions import PassError
    from wagtail_passes.test.factories import StaffFactory

    staff, member = StaffFactory(), UserFactory()
    ten = member_pass(member, quantity=Decimal(10))
    session = new_session()
    booking = services.book(member, session)
    with held(row_of(ten)):
        refused_busy(lambda: services.adjust_pass(ten, Decimal(2), staff, "goodwill"), PassError)
    with held(row_of(session)):
        refused_busy(lambda: services.cancel_session(session, staff), BookingError)
    assert MemberPass.objects.get(pk=ten.pk).balance == Decimal(9)
    assert Session.objects.get(pk=session.pk).is_cancelled is False
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED


def test_generating_a_schedules_sessions_is_refused_busy_while_the_schedule_is_locked(
    admin_client,
):
    from django.urls import reverse

    from wagtail_passes.exceptions import ScheduleError
    from wagtail_passes.models import Schedule
    from wagtail_passes.test.factories import ScheduleFactory

    schedule = ScheduleFactory()
    with held(row_of(schedule)):
        refused_busy(lambda: services.generate_sessions(schedule), ScheduleError)
        url = reverse("wagtail_passes_schedule_modeladmin_generate", args=[schedule.pk])
        response = admin_client.post(url, follow=True)
    assert response.status_code == 200
    assert "Many people are booking right now" in response.content.decode()
    assert not Session.objects.filter(schedule=schedule).exists()
    assert Schedule.objects.filter(pk=schedule.pk).exists()


def test_checkout_is_refused_busy_while_the_stock_row_is_locked_then_places():
    product = PassPageFactory(stock_limit=5)
    stock = ProductStock.objects.create(product_id=product.pk)
    member = UserFactory()

    def place():
        return services.place_order(member, product, accepted_terms=True)

    with held(row_of(stock)):
        refused_busy(place, CheckoutError)
    assert Order.objects.count() == 0
    assert place().is_pending


def test_checkout_is_refused_busy_while_another_order_creates_the_stock_row():
    """The first sale of a product: the row is created by an order not yet committed, so
    this one's insert waits on the unique index, bounded too."""
    product = PassPageFactory(stock_limit=5)
    with held(lambda: ProductStock.objects.create(product_id=product.pk)):
        refused_busy(
            lambda: services.place_order(UserFactory(), product, accepted_terms=True),
            CheckoutError,
        )
    assert Order.objects.count() == 0


def test_paying_an_order_is_refused_busy_while_the_order_is_locked():
    order = services.place_order(UserFactory(), PassPageFactory(), accepted_terms=True)
    with held(row_of(order)):
        refused_busy(lambda: services.fulfil_order(order, provider="manual"), CheckoutError)
    assert Order.objects.get(pk=order.pk).is_pending
    assert services.fulfil_order(order, provider="manual").paid_at is not None


# ---- the pages -------------------------------------------------------------------------


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_the_booking_page_answers_503_with_retry_after_when_busy(client):
    session = new_session()
    member = UserFactory()
    client.force_login(member)
    url = f"/passes/sessions/{session.pk}/book/"
    token = token_of(client.get(url))
    with held(row_of(session)):
        response = client.post(url, {"token": token, "action": "book"})
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "Many people are booking right now" in response.content.decode()
    assert Booking.objects.count() == 0
    again = client.post(url, {"token": token, "action": "book"})  # the same form, later
    assert again.status_code == 303
    assert Booking.objects.filter(member=member, session=session).count() == 1


def test_the_checkout_page_answers_503_with_retry_after_when_busy(client):
    product = PassPageFactory(stock_limit=5)
    stock = ProductStock.objects.create(product_id=product.pk)
    client.force_login(UserFactory())
    url = f"/passes/checkout/{product.pk}/"
    page = client.get(url)
    total = re.search(r'name="seen_total" value="([^"]+)"', page.content.decode()).group(1)
    form = {"token": token_of(page), "quantity": "1", "seen_total": total, "accept_terms": "on"}
    with held(row_of(stock)):
        response = client.post(url, form)
    assert response.status_code == 503, response.content.decode()[:2000]
    assert response["Retry-After"] == "2"
    assert "Many people are booking right now" in response.content.decode()
    assert Order.objects.count() == 0
