"""Run the whole test suite the way CI does and say plainly what ran.

1. ruff; 2. ``makemigrations --check``; 3. pytest on SQLite; 4. pytest on
PostgreSQL when DATABASE_URL is set or a server answers on 127.0.0.1:5432.

Set REQUIRE_POSTGRES=1 to fail when PostgreSQL could not be used (CI does).
Extra arguments go to pytest, e.g. ``python scripts/run_tests.py -k schedule``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def run(title: str, cmd: list[str], env: dict | None = None) -> bool:
    print(f"\n=== {title}: {' '.join(cmd)}", flush=True)
    return subprocess.call(cmd, cwd=ROOT, env={**os.environ, **(env or {})}) == 0


#: The browser tests check pages, not the database, and take most of a run's time: when
#: PostgreSQL runs next they run there only (CI has both; SQLite alone still runs them).
ONCE_ON_POSTGRES = ["tests/browser"]


def postgres_url() -> tuple[str | None, str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith(("postgres://", "postgresql://")):
            return url, "DATABASE_URL"
        return None, f"DATABASE_URL is not PostgreSQL ({url.split(':', 1)[0]})"
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return DEFAULT_PG_URL, "server on 127.0.0.1:5432"
    except OSError:
        return None, "no server answered on 127.0.0.1:5432 and DATABASE_URL is not set"


def main(pytest_args: list[str]) -> int:
    results: list[tuple[str, str]] = []
    ok = True

    def step(name: str, passed: bool) -> None:
        nonlocal ok
        ok = ok and passed
        results.append((name, "passed" if passed else "FAILED"))

    step("ruff", run("Lint", [PY, "-m", "ruff", "check", "."]))
    step(
        "makemigrations --check",
        run(
            "Migrations",
            [PY, "-m", "django", "makemigrations", "--check", "--dry-run"],
            {"DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": ROOT, "DATABASE_URL": ""},
        ),
    )
    sqlite_env = {"DATABASE_URL": ""}
    pg_url, why = postgres_url()
    # The browser tests take minutes and test templates, not the database: when PostgreSQL
    # runs next, they run there only.
    once = [f"--ignore={path}" for path in ONCE_ON_POSTGRES] if pg_url else []
    step(
        "pytest on SQLite",
        run("Tests on SQLite", [PY, "-m", "pytest", *once, *pytest_args], sqlite_env),
    )
    if once:
        results.append(("  on SQLite, left to PostgreSQL", ", ".join(ONCE_ON_POSTGRES)))

    if pg_url:
        step(
            f"pytest on PostgreSQL ({why})",
            run(
                "Tests on PostgreSQL", [PY, "-m", "pytest", *pytest_args], {"DATABASE_URL": pg_url}
            ),
        )
    else:
        results.append(("pytest on PostgreSQL", f"SKIPPED: {why}"))
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            ok = False
            results.append(("REQUIRE_POSTGRES=1", "FAILED: PostgreSQL did not run"))

    chromium = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )
    results.append(
        (
            "browser tests (tests/browser)",
            f"ran with {chromium}" if chromium else "SKIPPED: Chromium not installed",
        )
    )
    if not chromium and os.environ.get("REQUIRE_BROWSER") == "1":
        ok = False  # CI: the browser tests (accessibility, whole flows) must have run
        results.append(("REQUIRE_BROWSER=1", "FAILED: the browser tests did not run"))

    gettext = shutil.which("xgettext")
    results.append(
        (
            "message catalogue test (tests/test_locale.py)",
            f"ran with {gettext}" if gettext else "SKIPPED: GNU gettext not installed",
        )
    )

    print("\n=== Summary")
    for name, outcome in results:
        print(f"  {name}: {outcome}")
    if not pg_url:
        print("  (on SQLite the PostgreSQL-only tests, such as tests/concurrency/, are skipped)")
    print("ALL PASSED" if ok else "SOME STEPS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
