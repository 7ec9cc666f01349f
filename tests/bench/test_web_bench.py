"""The web benchmark's pure parts (bench/web*.py), so it cannot rot silently: reading forms
and refusals from the real booking and checkout pages and sending them back, the floor's
plain-ORM booking, the figures (percentiles, /proc readings, Retry-After), the statement
counter and the invariants it checks at the end. No server is started here."""

import datetime as dt
import math
import os
from decimal import Decimal

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from bench import web, web_client, web_procs, web_world
from bench.web_floor import plain_orm_book
from bench.web_middleware import HEADER, count_statements
from wagtail_passes.models import Booking, MemberPass
from wagtail_passes.test.factories import (
    BookingFactory,
    PassPageFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
    sell,
)

PAGE = """<html><body>
<form method="post" action="/accounts/logout/"><input type="hidden" name="csrfmiddlewaretoken"
 value="c1"><button type="submit">Sign out</button></form>
<div data-refusal="session_full">Full</div>
<form method="post" action="" novalidate>
  <input type="hidden" name="csrfmiddlewaretoken" value="c2">
  <input type="hidden" name="token" value="t&amp;1">
  <input type="hidden" name="action" value="book">
  <input type="radio" name="member_pass" value="7" checked>
  <input type="radio" name="member_pass" value="8">
  <input type="checkbox" name="accept_terms" id="terms">
  <input type="checkbox" name="auto_renew" value="yes" checked>
  <input type="text" name="discount_code" value="">
  <input type="number" name="attendees" value="1" disabled>
  <textarea name="note">hello &lt;you&gt;</textarea>
  <button type="submit">Book</button>
</form></body></html>"""


def test_a_page_gives_its_forms_as_a_browser_would_send_them():
    page = web_client.parse_page(PAGE)
    assert page.refusals == ["session_full"]
    assert len(page.forms) == 2
    form = page.form_with("action", "book")
    assert form is page.forms[1] and page.form_with("action", "waitlist") is None
    assert form.method == "post" and form.action == ""
    assert form.data() == [
        ("csrfmiddlewaretoken", "c2"),
        ("token", "t&1"),
        ("action", "book"),
        ("member_pass", "7"),  # the checked radio only
        ("auto_renew", "yes"),  # a checked box; a disabled input is not sent
        ("discount_code", ""),
        ("note", "hello <you>"),
    ]
    assert ("accept_terms", "on") in form.data(tick=("accept_terms",))
    assert ("action", "waitlist") in form.data(action="waitlist")
    assert web_client.posted_to(form, "/passes/sessions/1/book/") == "/passes/sessions/1/book/"
    assert web_client.form_body([("a", "1 2"), ("a", "&")])["content"] == b"a=1+2&a=%26"


def test_percentiles_interpolate_between_ranks():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert web_client.percentile(values, 50) == pytest.approx(50.5)
    assert web_client.percentile(values, 99) == pytest.approx(99.01)
    assert web_client.percentile([3.0], 95) == 3.0
    assert math.isnan(web_client.percentile([], 50))


@pytest.mark.parametrize(
    "header, seconds",
    [("2", 2.0), ("0.5", 0.5), (None, 1.0), ("soon", 1.0), ("nan", 1.0), ("600", 5.0), ("-3", 0)],
)
def test_retry_after_is_obeyed_within_bounds(header, seconds):
    assert web_client.retry_after(header) == seconds


def test_proc_stat_lines_are_read_past_odd_command_names():
    line = "4242 (gunicorn: worker (x) ) S 4200 4200 4200 0 -1 4194560 9 0 0 0 150 25 7 3 20 0"
    stat = web_procs.parse_stat(line)
    assert (stat.pid, stat.ppid, stat.ticks) == (4242, 4200, 150 + 25 + 7 + 3)
    stats = {
        1: web_procs.ProcStat(1, 0, 100),
        10: web_procs.ProcStat(10, 1, 5),  # the master
        11: web_procs.ProcStat(11, 10, 20),  # its workers
        12: web_procs.ProcStat(12, 10, 30),
        13: web_procs.ProcStat(13, 12, 1),  # a worker's child
        20: web_procs.ProcStat(20, 1, 1000),  # someone else
    }
    assert web_procs.tree_ticks(10, stats) == 56
    assert web_procs.tree_ticks(99, stats) == 0


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux's /proc")
def test_this_process_cpu_time_is_read_from_proc():
    sum(i * i for i in range(300_000))
    assert web_procs.cpu_seconds(os.getpid())[os.getpid()] > 0
    assert web_procs.gunicorn_workers(2) == 5


def test_the_bench_uses_its_own_database_on_the_given_server():
    url = web.bench_database_url("postgres://postgres@127.0.0.1:5433/someone_elses?sslmode=x")
    assert url == "postgres://postgres@127.0.0.1:5433/passes_bench_web?sslmode=x"
    quick = web.parse_args(["--quick"])
    assert (quick.members, quick.clients, quick.conn_max_age) == (60, 16, None)
    assert web.parse_args(["--conn-max-age", "0", "--members", "30"]).members == 30


@pytest.mark.django_db
def test_the_statement_counter_says_how_many_in_a_header():
    def view(request):
        list(Booking.objects.all())
        list(MemberPass.objects.all())
        return HttpResponse("ok")

    response = count_statements(view)(RequestFactory().get("/"))
    assert response[HEADER] == "2"


# ---- the real pages, read as the bench reads them -------------------------------------


@pytest.fixture
def world(db):
    programme = ProgrammeFactory(require_valid_pass=True, default_capacity=1)
    member = UserFactory()
    paying = member_pass(member, quantity=Decimal(5), duration_days=0, programmes=[programme])
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    session = SessionFactory(
        programme_class__programme=programme, start=start, end=start + dt.timedelta(hours=1)
    )
    return member, paying, session


def test_the_booking_page_is_booked_then_offers_the_waiting_list(client, world):
    member, paying, session = world
    url = f"/passes/sessions/{session.pk}/book/"
    client.force_login(member)
    form = web_client.parse_page(client.get(url).content.decode()).form_with("action", "book")
    response = client.post(url, dict(form.data()))
    assert response.status_code == 303 and "/booked/" in response["Location"]

    other = UserFactory()
    member_pass(other, product=paying.product)
    client.force_login(other)
    page = web_client.parse_page(client.get(url).content.decode())
    join = page.form_with("action", "waitlist")  # the session is full: capacity 1
    assert join is not None and page.form_with("action", "book") is None
    assert client.post(url, dict(join.data())).status_code == 303
    assert web_world.burst_outcome(session.pk, members=2, capacity=1) == []
    assert web_world.burst_outcome(session.pk, members=3, capacity=1) != []


def test_the_checkout_places_an_order_then_says_sold_out(client, world):
    member, _, _ = world
    product = PassPageFactory(stock_limit=1, price=Decimal("20.00"))
    url = f"/passes/checkout/{product.pk}/"
    client.force_login(member)
    form = web_client.parse_page(client.get(url).content.decode()).form_with("seen_total")
    assert form is not None
    response = client.post(url, dict(form.data(tick=("accept_terms",))))
    assert response.status_code == 303 and "/passes/orders/" in response["Location"]
    assert "sold_out" in web_client.parse_page(client.get(url).content.decode()).refusals
    assert web_world.checkout_outcome(product.pk, members=5, stock=1) == []
    assert web_world.checkout_outcome(product.pk, members=5, stock=2) != []


# ---- the floor and the invariants ------------------------------------------------------


def test_the_floor_books_with_a_correct_ledger_and_refuses_a_full_session(world):
    member, paying, session = world
    booking = plain_orm_book(member, session.pk, paying.pk)
    assert booking is not None and booking.member_pass_id == paying.pk
    paying.refresh_from_db()
    assert paying.balance == 4
    assert plain_orm_book(member, session.pk, paying.pk) is None  # capacity 1: full
    assert web_world.check_invariants() == []


def test_the_invariants_find_overbooking_a_wrong_balance_and_oversold_stock(world):
    member, paying, session = world
    BookingFactory(session=session)
    BookingFactory(session=session)  # capacity 1, written past the services
    MemberPass.objects.filter(pk=paying.pk).update(balance=Decimal(3))
    product = PassPageFactory(stock_limit=2)
    sell(product, 2)
    type(product).objects.filter(pk=product.pk).update(stock_limit=1)  # lowered after selling
    problems = web_world.check_invariants()
    assert any(f"session {session.pk}: 2 places taken, capacity 1" in p for p in problems)
    assert any(f"member pass {paying.pk}: balance 3" in p for p in problems)
    assert any(f"product {product.pk}: 2 held, stock 1" in p for p in problems)
    assert len(problems) == 3


@pytest.mark.django_db
def test_a_signed_in_session_is_what_the_login_view_would_leave(client):
    member = UserFactory()
    client.cookies["sessionid"] = web_world.sign_in(member)
    response = client.get("/passes/bookings/")
    assert response.status_code == 200
    assert response.wsgi_request.user == member


def test_the_report_prints_one_table_with_ratios_and_the_problems():
    from bench import web_report, web_run
    from bench.web_scenarios import Result

    def result(name, labels, outcome, count, cpu):
        recorder = web_client.Recorder()
        for label, statements in labels:
            recorder.samples += [web_client.Sample(label, 200, 0.1, statements)] * count
        recorder.outcomes = {outcome: count}
        return Result(name, recorder, 2.0, cpu, 0.5, count, count)

    results = {
        "book GET": result("book GET", [("book GET", 14)], "opened", 10, 0.2),
        "book POST": result("book POST", [("book POST", 13)], "booked", 10, 0.3),
        "floor book GET": result("floor GET", [("floor GET", 8)], "opened", 10, 0.1),
        "floor book POST": result("floor POST", [("floor POST", 8)], "booked", 10, 0.15),
        "burst": result("burst", [("book GET", 10)], "booked", 10, 1.0),
        "trivial": result("trivial", [("trivial view", 0)], "ok", 10, 0.01),
        "checkout": result("checkout", [("checkout GET", 12)], "placed", 10, 0.5),
    }
    for key, label, *_ in web_run.PAGES:
        if key != "trivial":
            results[key] = result(key, [(label, 17)], "ok", 10, 0.2)
    args = web.parse_args(["--quick"])
    text = web_report.report(
        args,
        results,
        {"ours": (9.0, 9.0), "floor": (4.5, 6.0)},
        ["session 1: 11 places taken, capacity 10"],
        workers=5,
        conn_max_age="0",
    )
    assert "| booking GET+POST, server CPU (ms)" in text
    assert "| 50.0 " in text and "| 25.0 " in text and "| 2.0x " in text
    assert "27 (14 + 13)" in text and "16 (8 + 8)" in text
    assert "| 20.0 / 30.0 " in text and "| 10.0 / 15.0 " in text  # per GET / per POST
    assert "FAILED: 1 problem(s)" in text and "session 1: 11 places taken" in text


def answers(*statuses):
    """A fake site answering ``statuses`` in turn, and the waits the client made."""
    from types import SimpleNamespace

    pending, waits = list(statuses), []

    async def request():
        status = pending.pop(0)
        headers = {"Retry-After": "2"} if status == 503 else {web_client.STATEMENTS_HEADER: "5"}
        return SimpleNamespace(status_code=status, headers=headers)

    async def sleep(seconds):
        waits.append(seconds)

    return request, sleep, waits


def send(request, sleep, recorder):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    retried = web_client.with_retries(
        request, recorder, "book POST /x/", label="book POST", sleep=sleep
    )
    # A loop of its own in a thread of its own: an earlier test of the run may have left an
    # event loop running in this thread (Playwright's sync API does).
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, retried).result()


def test_a_busy_answer_is_counted_and_sent_again_after_its_retry_after():
    request, sleep, waits = answers(503, 503, 303)
    recorder = web_client.Recorder()
    assert send(request, sleep, recorder).status_code == 303
    assert (recorder.busy, waits, recorder.failures, recorder.server_errors) == (2, [2, 2], [], 0)
    assert [s.status for s in recorder.samples] == [503, 503, 303]
    assert recorder.statements("book POST") == 5  # the 503s carried no count


def test_other_5xx_and_endless_busy_answers_are_failures():
    request, sleep, _ = answers(500)
    recorder = web_client.Recorder()
    assert send(request, sleep, recorder) is None
    assert recorder.server_errors == 1 and recorder.failures == ["book POST /x/: HTTP 500"]
    request, sleep, waits = answers(*[503] * (web_client.BUSY_RETRIES + 1))
    recorder = web_client.Recorder()
    assert send(request, sleep, recorder) is None
    assert recorder.busy == web_client.BUSY_RETRIES + 1 and recorder.server_errors == 0
    assert len(waits) == web_client.BUSY_RETRIES  # no wait after the last answer
    assert recorder.failures == ["book POST /x/: HTTP 503"]
