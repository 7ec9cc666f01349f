"""Small shims that keep wagtail_passes working on every supported Django and Wagtail.

Wagtail 8 lets a site swap its base page model (``WAGTAIL_PAGE_MODEL``, see Wagtail's
"reusable app base page" guide); Wagtail 7 has neither the setting nor the swap.
Foreign keys and migrations name the page model through ``PAGE_MODEL`` so both work.
Like ``AUTH_USER_MODEL``, it is fixed for the life of the process.

``task`` is the Tasks API's decorator: Django's own ``django.tasks`` when Django has it
(6.0+), else the ``django-tasks`` backport. django-tasks-db makes the same choice, so
our tasks and its ``DatabaseBackend`` always speak the same API. (Wagtail imports the
backport everywhere; on Django 6 the backport's decorator builds its tasks with the
configured backend's task class, so Wagtail's tasks run on that backend too.)
"""

from importlib.util import find_spec

from django.conf import settings

if find_spec("django.tasks"):
    from django.tasks import task
else:  # Django < 6: the backport, which Wagtail also depends on
    from django_tasks import task

__all__ = ["PAGE_MODEL", "WAGTAILCORE_MIGRATION", "task"]

PAGE_MODEL = getattr(settings, "WAGTAIL_PAGE_MODEL", "wagtailcore.Page")

# The newest wagtailcore migration that every supported Wagtail has (7.0 ends here).
WAGTAILCORE_MIGRATION = ("wagtailcore", "0094_alter_page_locale")
