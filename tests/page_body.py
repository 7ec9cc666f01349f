"""A host whose page template renders its StreamField as ``{{ page.body }}`` (bakerydemo does),
so blocks render without the page's context: tests/calendars/test_block_without_request.py
and tests/browser/test_calendar_page_body.py. The same CalendarTestPage, another template."""

import copy
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.test import override_settings

PAGE_BODY = Path(settings.BASE_DIR) / "templates" / "page_body"


@contextmanager
def page_body_template():
    """CalendarTestPage renders ``{{ page.body }}`` (in every thread: the live server's too)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [str(PAGE_BODY), *templates[0]["DIRS"]]
    with override_settings(TEMPLATES=templates):
        yield
