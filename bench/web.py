"""The web load benchmark: the example site's real views through real HTTP, against floors
served by the same server (docs/how-to/benchmarks.md).

    make bench-web                     # default sizes: a few minutes on 2 cores
    make bench-web ARGS=--quick        # a small run
    make bench-web ARGS="--conn-max-age 0"

PostgreSQL only: the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/),
where it creates its own database, ``passes_bench_web``, and drops it at the end. It fills it
(migrate, passes_demo, demo_home, then its own members, sessions and products), starts the
example site under gunicorn (sync workers, 2 x cores + 1, loopback) with the task worker
beside it, runs the scenarios, stops both, checks the invariants and prints one table.
Exits 1 when an invariant fails or the site answered a 5xx other than 503 (busy), 2 when
PostgreSQL does not answer.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit, urlunsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE = os.path.join(ROOT, "example_site")
if not __package__:  # run as `python bench/web.py`, which puts only bench/ on the path
    sys.path[:0] = [ROOT, SITE]

from bench import web_procs, web_report  # noqa: E402
from bench.web_report import progress as step  # noqa: E402

DATABASE = "passes_bench_web"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
SETTINGS = "bench.web_settings"

SIZES = {  # name: (default, --quick)
    "members": (200, 60),
    "bookings": (200, 40),
    "page_requests": (200, 40),
    "checkout_members": (50, 20),
    "inprocess": (100, 30),
    "time_limit": (300.0, 60.0),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run (about a minute)")
    parser.add_argument("--members", type=int, help="members, each with a pass (and the burst)")
    parser.add_argument("--bookings", type=int, help="bookings through each booking page")
    parser.add_argument("--page-requests", type=int, help="requests of each page in scenario 3")
    parser.add_argument("--checkout-members", type=int, help="members in the checkout burst")
    parser.add_argument("--inprocess", type=int, help="services.book calls in the bench process")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--time-limit", type=float, help="seconds per scenario before it stops")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        help="the server's CONN_MAX_AGE (0: a new connection per request); default: the "
        "example site's own setting",
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database to look at")
    args = parser.parse_args(argv)
    for name, (default, quick) in SIZES.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else default)
    if args.members < 11 or args.checkout_members < 1 or args.clients < 1:
        parser.error("--members must be over the burst's capacity (10); counts at least 1")
    return args


# ---- the database ----------------------------------------------------------------------


def bench_database_url(server_url: str) -> str:
    """The bench's own database on the server of ``server_url``."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + DATABASE, parts.query, ""))


def admin_connect(server_url: str):
    """An autocommit connection to the server's ``postgres`` database (never the bench's
    own, which it creates and drops), or None when the server does not answer."""
    import psycopg

    parts = urlsplit(server_url)
    try:
        return psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=5,
            autocommit=True,
        )
    except psycopg.OperationalError:
        return None


def recreate_database(admin) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database(admin) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


# ---- the example site's processes -------------------------------------------------------


def site_env(database_url: str, base_url: str, *, debug: bool, conn_max_age=None) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE=SETTINGS,
        PYTHONPATH=os.pathsep.join([ROOT, SITE]),
        DEBUG="1" if debug else "0",
        PASSES_DEMO_BASE_URL=base_url,
    )
    env.pop("BENCH_CONN_MAX_AGE", None)
    if conn_max_age is not None:
        env["BENCH_CONN_MAX_AGE"] = str(conn_max_age)
    return env


def manage(args: list[str], env: dict, log_path: str) -> None:
    """One manage.py command (with DEBUG on: passes_demo --logins asks for it), its output
    in the log; its last lines are shown when it fails."""
    with open(log_path, "ab") as log:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=SITE, env=env, stdout=log, stderr=log
        )
    if done.returncode != 0:
        with open(log_path, errors="replace") as log:
            tail = "".join(log.readlines()[-30:])
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{tail}")


def gunicorn_quiet_flags() -> list[str]:
    """Recent gunicorns open a control socket in ~/.gunicorn by default, one path for every
    gunicorn of the user: off, so the bench never collides with another server."""
    from gunicorn.config import KNOWN_SETTINGS

    known = {cli for setting in KNOWN_SETTINGS for cli in setting.cli or ()}
    return ["--no-control-socket"] if "--no-control-socket" in known else []


def start_site(env: dict, port: int, workers: int, logs: str):
    server = web_procs.start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--worker-class",
            "sync",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--chdir",
            SITE,
            "--pythonpath",
            ROOT,
            *gunicorn_quiet_flags(),
            "example.wsgi:application",
        ],
        env=env,
        cwd=SITE,
        log_path=os.path.join(logs, "gunicorn.log"),
    )
    worker = web_procs.start(
        [sys.executable, "manage.py", "db_worker", "--no-reload"],
        env=env,
        cwd=SITE,
        log_path=os.path.join(logs, "db_worker.log"),
    )
    return server, worker


def setup_django(database_url: str) -> None:
    """Django in the bench process, on the bench database, DEBUG off (no query log)."""
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE=SETTINGS, DEBUG="0")
    os.environ.pop("BENCH_CONN_MAX_AGE", None)
    if SITE not in sys.path:  # the example's settings and apps
        sys.path.insert(0, SITE)
    import django

    django.setup()


def stop_on_sigterm(signum, frame):
    raise SystemExit(143)


# ---- the run -----------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    if not server_url.startswith(("postgres://", "postgresql://")):
        print(f"bench/web.py runs on PostgreSQL only; DATABASE_URL is {server_url!r}.")
        return 2
    admin = admin_connect(server_url)
    if admin is None:
        parts = urlsplit(server_url)
        print(
            f"PostgreSQL does not answer at {parts.hostname}:{parts.port or 5432} "
            "(set DATABASE_URL=postgres://USER@HOST:PORT/ to another server)."
        )
        return 2
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    database_url = bench_database_url(server_url)
    logs = tempfile.mkdtemp(prefix="bench-web-")
    port = web_procs.free_port()
    base_url = f"http://127.0.0.1:{port}"
    workers = web_procs.gunicorn_workers()
    server = worker = None
    print(f"bench-web: database {DATABASE}, logs in {logs}", flush=True)
    try:
        recreate_database(admin)
        setup_env = site_env(database_url, base_url, debug=True)
        for command in (["migrate", "--noinput"], ["passes_demo", "--logins"], ["demo_home"]):
            step(f"manage.py {' '.join(command)}")
            manage(command, setup_env, os.path.join(logs, "setup.log"))
        setup_django(database_url)
        from bench import web_run, web_world

        step(f"the bench's world: {args.members} members")
        world = web_world.build_world(args.members, args.bookings, args.inprocess)
        from django.db import connections

        connections.close_all()
        step(f"gunicorn ({workers} sync workers) and db_worker on {base_url}")
        env = site_env(database_url, base_url, debug=False, conn_max_age=args.conn_max_age)
        server, worker = start_site(env, port, workers, logs)
        web_procs.wait_for_http(base_url + "/bench/floor/ok/", server)
        results = web_run.run_scenarios(args, world, base_url, server.pid, worker.pid, workers)
        step("stopping the server and the worker")
        web_procs.stop(server)
        web_procs.stop(worker)
        server = worker = None
        step(f"in-process: services.book vs the plain ORM, {args.inprocess} each")
        inprocess = web_run.in_process(world, args.inprocess)
        step("checking the invariants")
        problems = web_run.problems(args, world, results)
        connections.close_all()
        print()
        print(
            web_report.report(
                args, results, inprocess, problems, workers=workers, conn_max_age=conn_age(args)
            )
        )
        return 1 if problems else 0
    finally:
        web_procs.stop(server)
        web_procs.stop(worker)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.keep_db:
            print(f"database kept: {database_url}")
        else:
            step(f"dropping {DATABASE}")  # it waits for a checkpoint: seconds on a busy server
            drop_database(admin)
        admin.close()


def conn_age(args) -> str:
    if args.conn_max_age is not None:
        return str(args.conn_max_age)
    from django.conf import settings

    value = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    return f"{value} (the example's)"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the server and the worker are stopped, the database dropped")
        sys.exit(130)
