"""The page types the tests build and look up: the ready-made pages of ``wagtail_passes.pages``,
or a host site's own (``tests.hostsite``) when the tests run with
``tests.settings_custom_page_model``. Tests import page types from here, never by name, so the
same tests prove both set-ups."""

from django.apps import apps

from wagtail_passes.compat import PAGE_MODEL
from wagtail_passes.products import registry

BasePage = apps.get_model(PAGE_MODEL)  # Wagtail's Page, or the site's custom base page model
PassPage = registry.first_model(registry.pass_models())
CreditPackPage = registry.first_model(registry.credit_pack_models())
ProductIndexPage = registry.first_model(registry.index_models())
HomePage = (
    apps.get_model("hostsite", "HomePage")
    if apps.is_installed("tests.hostsite")
    else apps.get_model("testapp", "TestHomePage")
)
CUSTOM_PAGE_MODEL = PAGE_MODEL != "wagtailcore.Page"
