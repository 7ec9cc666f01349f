"""A host site's base template shaped like wagtail/bakerydemo's (header, breadcrumbs, footer,
only ``{% block content %}``, no ``extra_css``), for the tests that render the public pages
inside it: tests/pages/test_host_layout.py (the HTML) and tests/browser/test_host_layout.py
(what a browser makes of it)."""

import copy
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.test import override_settings

HOST_LAYOUT = Path(settings.BASE_DIR) / "templates" / "host_layout"
# the same with a theme switch, a heading scale and menu items named "passes" (issue 19)
HOST_THEMED = Path(settings.BASE_DIR) / "templates" / "host_themed"


def host_templates(themed=False):
    """settings.TEMPLATES with the host's base.html found first."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [str(HOST_THEMED if themed else HOST_LAYOUT), *templates[0]["DIRS"]]
    return templates


@contextmanager
def host_layout(themed=False):
    """Pages render inside the host's base.html (in every thread: the live server's too);
    ``themed``: the one with a theme switch (templates/host_themed/base.html)."""
    with override_settings(TEMPLATES=host_templates(themed)):
        yield
