"""A host site on Wagtail 8's custom base page model (``WAGTAIL_PAGE_MODEL``).

It leaves ``wagtail_passes.pages`` out and builds its own index, pass and credit-pack page
types from the mixins and its own ``BasePage``, each with a field of its own, the way
docs/how-to/install.md tells a host to. ``tests/settings_custom_page_model.py`` installs it.
"""
