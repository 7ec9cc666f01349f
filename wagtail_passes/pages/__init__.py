"""The ready-made product pages: ``PassPage``, ``CreditPackPage`` and ``ProductIndexPage``.

A separate app (label ``wagtail_passes_pages``) so that a host site on a custom base page
model (Wagtail's ``WAGTAIL_PAGE_MODEL``) can leave it out of ``INSTALLED_APPS`` and build
its own page types from the mixins in ``wagtail_passes.models`` instead.
"""
