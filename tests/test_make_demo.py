"""`make demo PORT=...`: the demo target serves on that port and tells every step where the
site is (PASSES_DEMO_BASE_URL), run with stand-ins for Python and the server script."""

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")

LOGGER = '#!/bin/sh\necho "$PASSES_DEMO_BASE_URL {what} $*" >> "{log}"\n'


def executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def run_demo(tmp_path: Path, *args: str) -> list[str]:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "example_site").mkdir()
    log = tmp_path / "log"
    executable(tmp_path / ".venv/bin/python", LOGGER.format(what="manage", log=log))
    executable(tmp_path / "scripts/demo_server.sh", LOGGER.format(what="server", log=log))
    installed = tmp_path / ".venv/.installed-demo"
    installed.touch()
    later = time.time() + 60  # installed after pyproject.toml changed: nothing to install
    os.utime(installed, (later, later))
    env = {k: v for k, v in os.environ.items() if k not in {"PORT", "PASSES_DEMO_BASE_URL"}}
    subprocess.run(
        ["make", "-s", "demo", *args], cwd=tmp_path, env=env, check=True, capture_output=True
    )
    return log.read_text().splitlines()


def test_make_demo_port_serves_there_and_exports_the_base_url(tmp_path):
    lines = run_demo(tmp_path, "PORT=8123")
    assert lines[-1] == "http://127.0.0.1:8123 server .venv/bin/python 127.0.0.1:8123"
    managed = [line.split(" manage manage.py ")[1] for line in lines[:-1]]
    assert managed == ["migrate --noinput", "passes_demo --logins", "demo_home", "passes_daily"]
    assert all(line.startswith("http://127.0.0.1:8123 ") for line in lines)


def test_make_demo_serves_on_8000_by_default(tmp_path):
    lines = run_demo(tmp_path)
    assert lines[-1] == "http://127.0.0.1:8000 server .venv/bin/python 127.0.0.1:8000"
