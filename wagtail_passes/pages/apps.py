from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassesPagesConfig(AppConfig):
    name = "wagtail_passes.pages"
    label = "wagtail_passes_pages"
    verbose_name = _("Passes: ready-made pages")
    default_auto_field = "django.db.models.BigAutoField"
