"""localstripe (PyPI ``localstripe``, a stateful fake Stripe server) run as a separate process.

It is GPL-3.0: the tests only start it as a program of its own and talk HTTP to it; nothing of
it is imported into the test process or the app. It listens on 127.0.0.1 only (the stock
command binds every interface), on a free port, with its disk dump turned off, and is emptied
between tests with ``DELETE /_config/data``.

What it does unlike Stripe (never rely on these): idempotency keys are ignored, over-refunds
are accepted, ``latest_charge`` is always expanded, events are thin. It has no Checkout
Sessions (``fake_stripe.FakeStripe`` stands in for those).
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from importlib.util import find_spec

#: The secret key the tests give stripe-python; localstripe accepts any ``sk_test_`` key.
SECRET_KEY = "sk_test_x"
#: Seconds to wait for the server to answer before giving up (and skipping its tests).
START_TIMEOUT = 30

# Run in the child process: binds 127.0.0.1 only and never writes its store to disk.
_SERVER = (
    "import sys; from aiohttp import web; from localstripe import resources as r; "
    "r.Store.dump_to_disk = lambda self: None; from localstripe.server import app; "
    "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)"
)


class LocalStripeUnavailable(Exception):
    """localstripe is not installed or did not start: its tests are skipped."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStripe:
    """One localstripe process: ``start()``, ``reset()`` between tests, ``stop()``."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.url = ""
        self._log = None

    def _request(self, method: str, path: str, timeout: float = 2.0) -> int:
        token = base64.b64encode(f"{SECRET_KEY}:".encode()).decode()
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"Basic {token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            response.read()
            return response.status

    def _output(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    def start(self) -> LocalStripe:
        if find_spec("localstripe") is None or find_spec("aiohttp") is None:
            raise LocalStripeUnavailable(
                "localstripe is not installed (pip install -e '.[test]' installs it)"
            )
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(port)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=tempfile.gettempdir(),
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self._output()
                self.stop()
                raise LocalStripeUnavailable(f"localstripe exited at start: {output}")
            try:
                if self._request("GET", "/v1/balance") == 200:
                    return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        output = self._output()
        self.stop()
        raise LocalStripeUnavailable(
            f"localstripe did not answer on {self.url} within {START_TIMEOUT}s: {output}"
        )

    def reset(self) -> None:
        """Forget every object (customers, PaymentIntents, refunds...)."""
        self._request("DELETE", "/_config/data")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
