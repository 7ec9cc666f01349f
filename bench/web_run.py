"""The web benchmark's run, once the site is up: the scenarios in order, the in-process
comparison of ``services.book`` with the plain ORM, and what went wrong."""

from __future__ import annotations

import time

from bench import web_world
from bench.web_report import progress
from bench.web_scenarios import (
    CALENDAR_URL,
    OPENED,
    TRIVIAL_URL,
    Result,
    Servers,
    book_url,
    booking_flow,
    booking_get_flow,
    checkout_flow,
    checkout_url,
    failed_tasks,
    floor_book_url,
    measure,
    page_flow,
    wait_for_queue,
    warm_up,
)

#: Scenario 3's pages: (key, label, URL of the world or a fixed one, signed in)
PAGES = (
    ("calendar anonymous", "calendar page", CALENDAR_URL, False),
    ("calendar member", "calendar page", CALENDAR_URL, True),
    ("plain anonymous", "plain page", None, False),
    ("plain member", "plain page", None, True),
    ("trivial", "trivial view", TRIVIAL_URL, False),
)


def run_scenarios(args, world, base_url, server_pid, worker_pid, workers) -> dict[str, Result]:
    servers = Servers(base_url, server_pid, worker_pid)
    members = world.members

    def key(i: int) -> str:
        return world.session_keys[members[i % len(members)]]

    progress("waiting for the task queue (emails of the passes issued)")
    wait_for_queue(300)
    progress(f"warming up the {workers} workers")
    warm_up(servers, world, workers)
    results = {}

    def run(name, title, flows, concurrency):
        who = f"{concurrency} clients" if concurrency else "all at once"
        progress(f"{title}: {len(flows)} flows, {who}")
        results[name] = measure(title, servers, flows, concurrency, args.time_limit)

    for name, title, url, sessions, floor in (
        ("book", "1. booking page", book_url, world.ours_sessions, False),
        ("floor book", "1. floor booking view", floor_book_url, world.floor_sessions, True),
    ):
        # Every member opens their page, then every member presses Book: the server's CPU
        # of the GETs and of the POSTs apart.
        run(
            f"{name} GET",
            f"{title}, distinct sessions: GET",
            [
                booking_get_flow(base_url, key(i), url(s), floor=floor)
                for i, s in enumerate(sessions)
            ],
            args.clients,
        )
        run(
            f"{name} POST",
            f"{title}, distinct sessions: POST",
            results[f"{name} GET"].next_flows,
            args.clients,
        )
    run(
        "burst",
        f"2. one session's burst (capacity {web_world.CAPACITY})",
        [
            booking_flow(base_url, key(i), book_url(world.burst_session), waitlist=True)
            for i in range(len(members))
        ],
        None,
    )
    for name, label, url, signed_in in PAGES:
        run(
            name,
            f"3. {name}",
            [
                page_flow(base_url, key(i) if signed_in else "", url or world.plain_page_url, label)
                for i in range(args.page_requests)
            ],
            args.clients,
        )
    run(
        "checkout",
        f"4. checkout burst (stock {web_world.STOCK})",
        [
            checkout_flow(base_url, key(len(members) - 1 - i), checkout_url(world.product))
            for i in range(args.checkout_members)
        ],
        None,
    )
    return results


def in_process(world, count: int) -> dict[str, tuple[float, float]]:
    """``services.book`` and the plain-ORM booking called in a loop in this process, one
    after the other: {"ours"/"floor": (CPU ms, statements) per booking}. The first few of
    each are a warm-up and not counted."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.web_floor import plain_orm_book
    from wagtail_passes import services
    from wagtail_passes.models import Session

    users = get_user_model().objects.in_bulk(world.members)
    sessions = Session.objects.in_bulk(world.inprocess_sessions)
    members = world.members
    ours_ids = world.inprocess_sessions[:count]
    floor_ids = world.inprocess_sessions[count : 2 * count]

    def ours(i, session_id):
        services.book(users[members[i % len(members)]], sessions[session_id])

    def floor(i, session_id):
        member = members[i % len(members)]
        plain_orm_book(users[member], session_id, world.passes[member])

    def timed(book, ids):
        warm = min(5, len(ids) // 5)
        for i, session_id in enumerate(ids[:warm]):
            book(i, session_id)
        statements = 0

        def counter(execute, sql, params, many, context):
            nonlocal statements
            statements += 1
            return execute(sql, params, many, context)

        measured = ids[warm:]
        with connection.execute_wrapper(counter):
            begin = time.process_time()
            for i, session_id in enumerate(measured, start=warm):
                book(i, session_id)
            cpu = time.process_time() - begin
        return cpu * 1000 / len(measured), statements / len(measured)

    return {"ours": timed(ours, ours_ids), "floor": timed(floor, floor_ids)}


def problems(args, world, results: dict[str, Result]) -> list[str]:
    """The invariants, the bursts' exact outcomes, and every failed request."""
    found = web_world.check_invariants()
    found += web_world.burst_outcome(world.burst_session, len(world.members))
    found += web_world.checkout_outcome(world.product, args.checkout_members)
    for name in ("book", "floor book"):
        opened, pressed = results[f"{name} GET"], results[f"{name} POST"]
        if (opened.count(OPENED), pressed.count("booked")) != (opened.started, opened.started):
            outcomes = {**opened.recorder.outcomes, **pressed.recorder.outcomes}
            found.append(f"{opened.name}: outcomes {outcomes}")
    burst, capacity = results["burst"], web_world.CAPACITY
    if (burst.count("booked"), burst.count("waiting")) != (capacity, burst.planned - capacity):
        found.append(f"{burst.name}: outcomes {burst.recorder.outcomes}")
    checkout = results["checkout"]
    placed = min(args.checkout_members, web_world.STOCK)
    if (checkout.count("placed"), checkout.count("sold out")) != (
        placed,
        args.checkout_members - placed,
    ):
        found.append(f"{checkout.name}: outcomes {checkout.recorder.outcomes}")
    failed = failed_tasks()
    if failed:
        found.append(f"{failed} task(s) failed in the worker (see db_worker.log)")
    for result in results.values():
        errors = result.recorder.server_errors
        if errors:
            found.append(f"{result.name}: {errors} unexpected 5xx")
        failures = result.recorder.failures
        found += [f"{result.name}: {failure}" for failure in failures[:5]]
        if len(failures) > 5:
            found.append(f"{result.name}: ... {len(failures) - 5} more failures")
    return found
