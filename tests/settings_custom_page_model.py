"""The test settings of a host site on Wagtail 8's custom base page model: WAGTAIL_PAGE_MODEL
points at ``tests.hostsite``'s ``BasePage``, whose own product pages replace the ready-made ones
(``wagtail_passes.pages`` is left out, and so is ``tests.testapp``, built on Wagtail's Page).

``make test-matrix`` runs the page, product and booking tests with these settings on the
newest combination (scripts/test_matrix.sh); Wagtail 7 has no swappable page model.
"""

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS

INSTALLED_APPS = [
    "tests.hostsite",
    *(app for app in INSTALLED_APPS if app not in ("wagtail_passes.pages", "tests.testapp")),
]
WAGTAIL_PAGE_MODEL = "hostsite.BasePage"
