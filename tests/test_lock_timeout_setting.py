"""WAGTAIL_PASSES_LOCK_TIMEOUT (issue 20): its system check (E009), and which database
errors are a lock wait given up (refused ``busy``). The waits themselves are tested against
PostgreSQL in tests/concurrency/test_lock_waits.py."""

import sqlite3
from decimal import Decimal

import pytest
from django.db import IntegrityError, OperationalError

from wagtail_passes.busy import answer_busy
from wagtail_passes.checks import check_lock_timeout
from wagtail_passes.exceptions import BookingError, CheckoutError
from wagtail_passes.services.lock_waits import (
    LockBusy,
    gave_up_waiting,
    refusing_busy,
    timeout_ms,
)


@pytest.mark.parametrize("value", [3, 0.5, Decimal("1.5"), 60])
def test_e009_accepts_seconds(settings, value):
    settings.WAGTAIL_PASSES_LOCK_TIMEOUT = value
    assert check_lock_timeout() == []


@pytest.mark.parametrize("value", [0, -1, 61, "3", None, True, [3]])
def test_e009_refuses_what_is_not_a_bounded_number_of_seconds(settings, value):
    settings.WAGTAIL_PASSES_LOCK_TIMEOUT = value
    (error,) = check_lock_timeout()
    assert error.id == "wagtail_passes.E009"
    assert "WAGTAIL_PASSES_LOCK_TIMEOUT" in error.msg


def test_the_default_is_three_seconds():
    assert timeout_ms() == 3000


def test_a_tiny_timeout_is_still_a_bound(settings):
    settings.WAGTAIL_PASSES_LOCK_TIMEOUT = 0.0001  # 0 ms would mean "wait for ever"
    assert timeout_ms() == 1


class FakePostgresError(Exception):
    def __init__(self, sqlstate):
        self.sqlstate = sqlstate


def django_error(cause, error_class=OperationalError):
    try:
        raise error_class(str(cause)) from cause
    except error_class as error:
        return error


@pytest.mark.parametrize("state", ["55P03", "40P01"])
def test_lock_timeout_and_deadlock_are_waits_given_up(state):
    assert gave_up_waiting(django_error(FakePostgresError(state)))


def test_sqlites_database_is_locked_is_a_wait_given_up():
    assert gave_up_waiting(django_error(sqlite3.OperationalError("database is locked")))


@pytest.mark.parametrize(
    "error",
    [
        django_error(FakePostgresError("57014")),  # query_canceled: statement_timeout
        django_error(sqlite3.OperationalError("no such table: x")),
        django_error(FakePostgresError("23505"), IntegrityError),
        ValueError("database is locked"),
    ],
)
def test_other_errors_are_not(error):
    assert not gave_up_waiting(error)


def test_a_wait_given_up_is_every_services_error_with_code_busy():
    with pytest.raises(LockBusy) as refusal, refusing_busy():
        raise django_error(FakePostgresError("55P03"))
    assert isinstance(refusal.value, BookingError) and isinstance(refusal.value, CheckoutError)
    assert refusal.value.code == "busy"
    assert "Try again in a moment" in refusal.value.message


def test_other_database_errors_pass_through():
    with pytest.raises(OperationalError), refusing_busy():
        raise django_error(FakePostgresError("57014"))


def test_a_busy_page_is_503_with_retry_after():
    from django.http import HttpResponse

    busy = answer_busy(HttpResponse("try again"), LockBusy())
    assert (busy.status_code, busy["Retry-After"]) == (503, "2")
    other = answer_busy(HttpResponse("full"), BookingError("Full.", code="session_full"))
    assert other.status_code == 200 and not other.has_header("Retry-After")


def test_a_stripe_webhook_refused_busy_asks_stripe_to_deliver_it_again(monkeypatch, rf):
    """Busy decided nothing: the event must come again (Stripe retries a non-2xx answer),
    never be stored as refused."""
    from wagtail_passes.payments import views

    def handle(event, provider):
        raise LockBusy()

    monkeypatch.setattr(views, "_stripe", lambda: object())
    monkeypatch.setattr(views, "verify", lambda body, signature: {"id": "evt_1"})
    monkeypatch.setattr(views, "handle", handle)
    response = views.stripe_webhook(
        rf.post("/passes/webhooks/stripe/", data="{}", content_type="application/json")
    )
    assert response.status_code == 503
