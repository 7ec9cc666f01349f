"""Browser tests: Playwright drives the system's Chromium (never a downloaded one)
against pytest-django's live server.

Skipped with a clear reason when Chromium is not installed; ``make test`` installs it
with apt-get when it can.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# to set up data are ordinary synchronous calls, so Django's async guard can stand down.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: browser tests skipped")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# Only running, finite animations, and never more than two seconds: a paused animation's
# `finished` never settles, and page.evaluate has no timeout of its own.
FINISH_ANIMATIONS = """() => Promise.race([
    Promise.all(
        document.getAnimations()
            .filter((a) => a.playState === "running" && a.effect
                && a.effect.getComputedTiming().endTime !== Infinity)
            .map((a) => a.finished.catch(() => null))
    ),
    new Promise((resolve) => setTimeout(resolve, 2000)),
])"""


@pytest.fixture
def assert_accessible():
    """``assert_accessible(page, name)``: axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA)
    finds no violation on the page as it is now; the report names each one. The axe script
    ships inside axe-playwright-python: nothing is downloaded."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, name=""):
        # A message that fades in is measured at its final colours, not half-way through
        # (Wagtail's success banner animates its background for a moment after a redirect).
        page.evaluate(FINISH_ANIMATIONS)
        results = axe.run(
            page,
            options={
                "runOnly": {
                    "type": "tag",
                    "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
                }
            },
        )
        assert results.violations_count == 0, f"{name or page.url}:\n{results.generate_report()}"

    return check


@pytest.fixture(autouse=True)
def wagtail_tree(transactional_db):
    """Each browser test starts with Wagtail's root page and default site, as a fresh install
    has them: the test before it flushed every table (transactional tests), so without this
    the admin's dashboard, which links to the root, would depend on the order tests run in."""
    from wagtail_passes.test.factories import default_site_root

    default_site_root()


SCREENSHOTS = os.environ.get("PASSES_SCREENSHOTS_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    ".test-results",
    "screenshots",
)


@pytest.fixture
def save_screenshot():
    """Save a full-page screenshot as a test artefact: in ``PASSES_SCREENSHOTS_DIR``, else
    ``.test-results/screenshots/`` (git-ignored), named ``<name>.png``; returns the path."""

    def save(page, name: str) -> str:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, f"{name}.png")
        page.screenshot(path=path, full_page=True)
        return path

    return save
