"""The processes of the web benchmark: gunicorn serving the example site and the task worker
beside it, started and stopped by bench/web.py, and their CPU time read from /proc.

CPU time of a process tree is what the kernel charged to it: ``utime + stime`` of the root
and of every live descendant, plus ``cutime + cstime`` (what their children that already
exited and were reaped had used), so a gunicorn worker that was replaced still counts.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    ticks: int  # utime + stime + cutime + cstime


def parse_stat(text: str) -> ProcStat:
    """One /proc/<pid>/stat line. The command name (field 2) is in parentheses and may hold
    spaces or parentheses itself, so the fields are counted from the last ")"."""
    head, _, rest = text.rpartition(")")
    pid = int(head.split("(", 1)[0])
    fields = rest.split()
    # fields[0] is the state (field 3); utime..cstime are fields 14..17
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return ProcStat(pid, ppid, utime + stime + cutime + cstime)


def all_stats(proc: str = "/proc") -> dict[int, ProcStat]:
    stats = {}
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        try:
            with open(os.path.join(proc, name, "stat")) as f:
                stat = parse_stat(f.read())
        except (OSError, ValueError, IndexError):  # it exited while we looked
            continue
        stats[stat.pid] = stat
    return stats


def tree_ticks(root: int, stats: dict[int, ProcStat]) -> int:
    """Clock ticks used by ``root`` and all its descendants in ``stats``."""
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid].ticks
        todo.extend(children.get(pid, ()))
    return total


def cpu_seconds(*roots: int) -> dict[int, float]:
    """CPU seconds so far of each process tree, from one reading of /proc."""
    stats = all_stats()
    return {root: tree_ticks(root, stats) / CLOCK_TICKS for root in roots}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_workers(cores: int | None = None) -> int:
    """gunicorn's own advice for sync workers: 2 x cores + 1."""
    return 2 * (cores or os.cpu_count() or 1) + 1


def start(args: list[str], *, env: dict, cwd: str, log_path: str) -> subprocess.Popen:
    """A child in its own process group, so a Ctrl-C in the terminal reaches only the bench,
    which then stops it (``stop``)."""
    log = open(log_path, "ab")  # the child writes to it; stop() closes it
    proc = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    proc.log = log  # type: ignore[attr-defined]
    return proc


def stop(proc: subprocess.Popen | None, grace: float = 10) -> None:
    """SIGTERM (gunicorn and db_worker finish what they are doing), then SIGKILL the group."""
    if proc is None:
        return
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(grace)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    log = getattr(proc, "log", None)
    if log is not None:
        log.close()


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until ``url`` answers (any status), or raise if the process died or time ran out."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            httpx.get(url, timeout=2, trust_env=False)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
