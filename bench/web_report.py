"""What the web benchmark prints: progress lines while it runs, then one table comparing
ours with the floors, a table of every scenario, and the invariants."""

from __future__ import annotations

import math
import os
import time

from bench.web_client import Recorder, percentile
from bench.web_scenarios import Result

STARTED = time.monotonic()


def progress(what: str) -> None:
    print(f"  [{time.monotonic() - STARTED:6.1f} s] {what}", flush=True)


def number(value: float, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:,.{digits}f}"


def ratio(ours: float, floor: float) -> str:
    if not (math.isfinite(ours) and math.isfinite(floor)) or floor == 0:
        return "—"
    return f"{ours / floor:.1f}x"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def latencies(result, *labels) -> str:
    values = result.recorder.latencies_ms(*labels)
    return "/".join(number(percentile(values, p), 0) for p in (50, 95, 99))


def split(recorder, get: str, post: str) -> tuple[float, str]:
    """Statements of a GET and a POST: their sum, and "27 (14 + 13)"."""
    first, second = recorder.statements(get), recorder.statements(post)
    total = first + second
    return total, f"{count(total)} ({count(first)} + {count(second)})"


def count(value: float) -> str:
    """A mean count: whole when it is, else with one decimal."""
    return number(value, 0 if math.isfinite(value) and value == int(value) else 1)


def booking(results, name: str) -> Result:
    """A booking scenario's GET phase and POST phase as one."""
    get, post = results[f"{name} GET"], results[f"{name} POST"]
    recorder = Recorder(
        samples=get.recorder.samples + post.recorder.samples,
        busy=get.recorder.busy + post.recorder.busy,
        failures=get.recorder.failures + post.recorder.failures,
        outcomes=dict(post.recorder.outcomes),
    )
    return Result(
        name,
        recorder,
        get.wall + post.wall,
        get.server_cpu + post.server_cpu,
        get.worker_cpu + post.worker_cpu,
        get.planned,
        get.started,
    )


def per_request(results, name: str) -> str:
    """Server CPU per GET and per POST of a booking scenario: "21.0 / 25.3"."""
    get, post = results[f"{name} GET"], results[f"{name} POST"]
    return f"{number(get.cpu_ms_per(get.requests))} / {number(post.cpu_ms_per(post.requests))}"


def comparison(args, results, inprocess) -> str:
    ours, floor = booking(results, "book"), booking(results, "floor book")
    booked, floor_booked = ours.count("booked"), floor.count("booked")
    cpu, floor_cpu = ours.cpu_ms_per(booked), floor.cpu_ms_per(floor_booked)
    statements = split(ours.recorder, "book GET", "book POST")
    floor_statements = split(floor.recorder, "floor GET", "floor POST")
    rate = booked / ours.wall if ours.wall else math.nan
    floor_rate = floor_booked / floor.wall if floor.wall else math.nan
    rows = [
        [
            "booking GET+POST, server CPU (ms)",
            number(cpu),
            number(floor_cpu),
            ratio(cpu, floor_cpu),
        ],
        [
            "  GET / POST, server CPU (ms)",
            per_request(results, "book"),
            per_request(results, "floor book"),
            "",
        ],  # fmt: skip
        [
            "statements per booking (GET + POST)",
            statements[1],
            floor_statements[1],
            ratio(statements[0], floor_statements[0]),
        ],
        [
            f"bookings/s, {args.clients} clients",
            number(rate),
            number(floor_rate),
            ratio(rate, floor_rate),
        ],
        ["booking requests p50/p95/p99 (ms)", latencies(ours), latencies(floor), ""],
        [
            "task worker CPU per booking (ms)",
            number(ours.worker_cpu * 1000 / booked if booked else math.nan),
            "— (no emails)",
            "",
        ],
    ]
    for who in ("anonymous", "member"):
        page, plain = results[f"calendar {who}"], results[f"plain {who}"]
        page_cpu, plain_cpu = page.cpu_ms_per(page.requests), plain.cpu_ms_per(plain.requests)
        rows.append(
            [
                f"calendar page {who} vs plain Wagtail page, CPU (ms)",
                number(page_cpu),
                number(plain_cpu),
                ratio(page_cpu, plain_cpu),
            ]
        )
        page_st = page.recorder.statements("calendar page")
        plain_st = plain.recorder.statements("plain page")
        rows.append(
            [
                f"  statements, {who}",
                number(page_st, 0),
                number(plain_st, 0),
                ratio(page_st, plain_st),
            ]
        )
        page_rate, plain_rate = page.requests / page.wall, plain.requests / plain.wall
        rows.append(
            [
                f"  pages/s, {who}, {args.clients} clients",
                number(page_rate),
                number(plain_rate),
                ratio(page_rate, plain_rate),
            ]
        )
    trivial = results["trivial"]
    rows.append(["trivial view, CPU (ms)", "", number(trivial.cpu_ms_per(trivial.requests), 2), ""])
    burst = results["burst"]
    rows.append(
        [
            f"one-session burst, {burst.planned} members: booked/waiting",
            f"{burst.count('booked')}/{burst.count('waiting')}",
            "",
            "",
        ]
    )
    rows.append(
        [
            "  burst: server CPU per member (ms), wall (s)",
            f"{number(burst.cpu_ms_per(burst.started))}, {number(burst.wall)}",
            "",
            "",
        ]
    )
    checkout = results["checkout"]
    rows.append(
        [
            f"checkout burst, {checkout.planned} members: placed/sold out",
            f"{checkout.count('placed')}/{checkout.count('sold out')}",
            "",
            "",
        ]
    )
    rows.append(
        [
            "  checkout: server CPU per member (ms), wall (s)",
            f"{number(checkout.cpu_ms_per(checkout.started))}, {number(checkout.wall)}",
            "",
            "",
        ]
    )
    (ours_ms, ours_st), (floor_ms, floor_st) = inprocess["ours"], inprocess["floor"]
    rows.append(
        [
            "services.book vs plain ORM, in-process CPU (ms)",
            number(ours_ms, 2),
            number(floor_ms, 2),
            ratio(ours_ms, floor_ms),
        ]
    )
    rows.append(
        [
            "  statements per booking, in-process",
            number(ours_st, 0),
            number(floor_st, 0),
            ratio(ours_st, floor_st),
        ]
    )
    return table(["measured", "ours", "floor", "ratio"], rows)


def scenarios(results) -> str:
    rows = []
    for result in results.values():
        r = result.recorder
        statements = [s.statements for s in r.samples if s.statements is not None]
        rows.append(
            [
                result.name,
                f"{result.started}/{result.planned}",
                str(result.requests),
                number(result.wall),
                number(result.requests / result.wall if result.wall else math.nan),
                number(result.cpu_ms_per(result.requests)),
                number(result.worker_cpu * 1000, 0),
                number(sum(statements) / len(statements) if statements else math.nan),
                latencies(result),
                str(r.busy),
                str(len(r.failures)),
            ]
        )
    header = [
        "scenario",
        "flows",
        "requests",
        "wall s",
        "req/s",
        "CPU ms/req",
        "worker CPU ms",
        "stmts/req",
        "p50/p95/p99 ms",
        "503",
        "failed",
    ]
    return table(header, rows)


def report(args, results, inprocess, problems, *, workers: int, conn_max_age: str) -> str:
    parts = [
        f"web benchmark: {os.cpu_count()} cores, gunicorn {workers} sync workers, "
        f"CONN_MAX_AGE {conn_max_age}, {args.members} members, {args.clients} clients"
        + (" (--quick)" if args.quick else ""),
        "",
        comparison(args, results, inprocess),
        "",
        scenarios(results),
        "",
        "CPU: the gunicorn master and workers (utime+stime from /proc), per request or per "
        "booking (GET+POST); the task worker's apart. Statements: as Django's execute_wrapper "
        "sees them, BEGIN and COMMIT not included. Ratios are ours / floor: compare ratios "
        "between runs, not absolute figures.",
        "",
    ]
    notes = [f"  - {result.name}: {note}" for result in results.values() for note in result.notes]
    if notes:
        parts += ["notes:", *notes, ""]
    if problems:
        parts.append(f"FAILED: {len(problems)} problem(s)")
        parts += [f"  - {problem}" for problem in problems]
    else:
        parts.append(
            "invariants hold: no session over capacity, no product over stock, every pass's "
            "ledger sums to its balance, no unexpected 5xx, bursts exact"
        )
    return "\n".join(parts)
