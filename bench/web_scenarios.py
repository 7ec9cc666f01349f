"""The web benchmark's scenarios, each measured the same way: wall time, server CPU (the
gunicorn master and workers, from /proc), the task worker's CPU (until the queue it was
given is done), every response's latency and statement count, busy answers and failures.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bench import web_client
from bench.web_client import Browser, Recorder
from bench.web_procs import cpu_seconds

#: The outcome of a flow whose next step is left for the next phase.
OPENED = "opened"


@dataclass
class Servers:
    base_url: str
    server_pid: int
    worker_pid: int


@dataclass
class Result:
    name: str
    recorder: Recorder
    wall: float
    server_cpu: float  # seconds
    worker_cpu: float  # seconds
    planned: int  # flows asked for
    started: int  # flows run before the time limit
    notes: list[str] = field(default_factory=list)
    #: what a first phase left for the next: its flows' next steps (``booking_get_flow``)
    next_flows: list = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.recorder.samples)

    def count(self, outcome: str) -> int:
        return self.recorder.outcomes.get(outcome, 0)

    def cpu_ms_per(self, units: int) -> float:
        return self.server_cpu * 1000 / units if units else float("nan")


def queue_is_empty() -> bool:
    """No task due or running in the worker's database queue (an unpaid order's hold end,
    due in days, is not work of this run)."""
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects
    return not (tasks.ready() | tasks.running()).exists()


def failed_tasks() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.failed().count()


def wait_for_queue(timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if queue_is_empty():
            return True
        time.sleep(0.25)
    return False


def measure(name: str, servers: Servers, flows, concurrency, time_limit: float) -> Result:
    """Run the coroutine factories ``flows`` (each taking a Recorder and returning its
    outcome), ``concurrency`` at a time (all at once when None), starting none after
    ``time_limit`` seconds."""
    recorder = Recorder()
    before = cpu_seconds(servers.server_pid, servers.worker_pid)
    begin = time.perf_counter()

    async def run():
        import httpx

        limits = httpx.Limits(max_connections=max(concurrency or len(flows), 1) + 4)
        async with httpx.AsyncHTTPTransport(limits=limits, retries=0) as transport:
            jobs = [lambda flow=flow: flow(transport, recorder) for flow in flows]
            return await web_client.run_all(jobs, concurrency, time.monotonic() + time_limit)

    outcomes = asyncio.run(run())
    wall = time.perf_counter() - begin
    server_after = cpu_seconds(servers.server_pid)[servers.server_pid]
    notes = [] if wait_for_queue() else ["the task queue was not empty after 120 s"]
    worker_after = cpu_seconds(servers.worker_pid)[servers.worker_pid]
    for outcome in outcomes:
        if outcome is not None:
            recorder.outcome(outcome if isinstance(outcome, str) else OPENED)
    started = sum(1 for outcome in outcomes if outcome is not None)
    if started < len(flows):
        notes.append(f"time limit: {started} of {len(flows)} flows ran")
    return Result(
        name,
        recorder,
        wall,
        server_after - before[servers.server_pid],
        worker_after - before[servers.worker_pid],
        len(flows),
        started,
        notes,
        [outcome for outcome in outcomes if callable(outcome)],
    )


# ---- flows: one member's (or visitor's) part of a scenario ---------------------------


def booking_flow(base_url, session_key, url, *, waitlist=False):
    async def flow(transport, recorder):
        browser = Browser(transport, base_url, recorder, session_key)
        return await web_client.book(browser, url, waitlist=waitlist)

    return flow


def booking_get_flow(base_url, session_key, url, *, floor=False):
    """The GET of a booking, whose outcome is its POST: a flow for the next phase."""

    async def flow(transport, recorder):
        browser = Browser(transport, base_url, recorder, session_key)
        page, why = await web_client.open_page(browser, url, "floor GET" if floor else "book GET")
        if page is None:
            return why

        async def press(transport, recorder):
            browser.rebind(transport, recorder)
            if floor:
                return await web_client.press_floor(browser, page, url)
            return await web_client.press_book(browser, page, url, waitlist=False)

        return press

    return flow


def page_flow(base_url, session_key, url, label):
    async def flow(transport, recorder):
        browser = Browser(transport, base_url, recorder, session_key)
        response = await browser.get(label, url)
        if response is None:
            return "failed"
        return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"

    return flow


def checkout_flow(base_url, session_key, url):
    async def flow(transport, recorder):
        return await web_client.check_out(Browser(transport, base_url, recorder, session_key), url)

    return flow


def book_url(session_id: int) -> str:
    return f"/passes/sessions/{session_id}/book/"


def floor_book_url(session_id: int) -> str:
    return f"/bench/floor/sessions/{session_id}/book/"


def checkout_url(product_id: int) -> str:
    return f"/passes/checkout/{product_id}/"


TRIVIAL_URL = "/bench/floor/ok/"
CALENDAR_URL = "/"  # the demo home page: heading, paragraph, calendar and products blocks


def warm_up(servers: Servers, world, workers: int) -> Result:
    """Each worker renders each kind of page a few times before anything is measured
    (templates compiled, URL resolvers built, first connections opened)."""
    base, key = servers.base_url, world.session_keys[world.members[0]]
    urls = [
        book_url(world.ours_sessions[0]),
        floor_book_url(world.floor_sessions[0]),
        checkout_url(world.product),
        CALENDAR_URL,
        world.plain_page_url,
        TRIVIAL_URL,
    ]
    flows = [
        page_flow(base, who, url, "warm-up")
        for url in urls
        for who in ("", key)
        for _ in range(2 * workers)
    ]
    return measure("warm-up", servers, flows, 2 * workers, 120)
