"""Small shims that keep wagtail_passes working on every supported Wagtail.

Wagtail 8 lets a site swap its base page model (``WAGTAIL_PAGE_MODEL``, see Wagtail's
"reusable app base page" guide); Wagtail 7 has neither the setting nor the swap.
Foreign keys and migrations name the page model through ``PAGE_MODEL`` so both work.
Like ``AUTH_USER_MODEL``, it is fixed for the life of the process.
"""

from django.conf import settings

PAGE_MODEL = getattr(settings, "WAGTAIL_PAGE_MODEL", "wagtailcore.Page")

# The newest wagtailcore migration that every supported Wagtail has (7.0 ends here).
WAGTAILCORE_MIGRATION = ("wagtailcore", "0094_alter_page_locale")
