"""Run the whole suite as if the clock read another time: tests that only fail late in the
evening, across midnight or on a clock change show up on demand, not when CI happens to run.

    PASSES_FAKE_NOW=2026-11-28T23:40:00+00:00 .venv/bin/python -m pytest -p tests.fake_clock

The clock starts at PASSES_FAKE_NOW (an ISO moment) and ticks from there; tests that freeze
time themselves still do. Without the variable the plugin does nothing.
"""

import datetime as dt
import os

import time_machine


def pytest_configure(config):
    when = os.environ.get("PASSES_FAKE_NOW")
    if when:
        config._passes_clock = time_machine.travel(dt.datetime.fromisoformat(when), tick=True)
        config._passes_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_passes_clock", None)
    if clock is not None:
        clock.stop()
