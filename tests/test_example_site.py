"""The example site's settings, as `make demo` runs them (in a process of their own)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("django_tasks_db")
pytest.importorskip("allauth")

# What db_worker does at start (its own logging set-up at the default verbosity), then a
# task's log lines as the Tasks API writes them, then an email sent the way a task sends it.
WORKER = """
import logging
import django
django.setup()
from django.conf import settings
from django.core.mail import send_mail
from django_tasks_db.compat import TASKS_LOGGER
from django_tasks_db.management.commands.db_worker import Command

Command().configure_logging(1)
tasks = logging.getLogger(TASKS_LOGGER)
logging.getLogger("django_tasks_db").info("Starting worker worker_id=w1 queues=default")
tasks.info("Task id=t1 path=wagtail_passes.tasks.send_member_email state=RUNNING")
tasks.info("Task id=t1 path=wagtail_passes.tasks.send_member_email state=SUCCESSFUL")
tasks.error("Task id=t2 path=wagtail_passes.tasks.send_member_email state=FAILED")
send_mail("Your booking", "See you on Monday.", None, ["member@harbour-studio.example"])
print("BASE", settings.WAGTAILADMIN_BASE_URL)
"""


def run_example(code: str, **env) -> subprocess.CompletedProcess:
    environ = {
        **{k: v for k, v in os.environ.items() if k != "PASSES_DEMO_BASE_URL"},
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "example_site"), str(ROOT)]),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "example_site",
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_demo_worker_prints_emails_and_failures_but_no_line_per_task():
    result = run_example(WORKER)
    output = result.stdout + result.stderr
    assert "Subject: Your booking" in result.stdout and "See you on Monday." in result.stdout
    assert "state=FAILED" in output
    assert "state=RUNNING" not in output and "state=SUCCESSFUL" not in output
    assert "Starting worker" not in output
    assert "BASE http://127.0.0.1:8000" in result.stdout


def test_demo_base_url_follows_make_demo_port():
    result = run_example(WORKER, PASSES_DEMO_BASE_URL="http://127.0.0.1:8123")
    assert "BASE http://127.0.0.1:8123" in result.stdout
