from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailPassesConfig(AppConfig):
    name = "wagtail_passes"
    label = "wagtail_passes"
    verbose_name = _("Passes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .payments import get_provider
        from .services import gateway

        gateway.use(get_provider)  # the services find payment providers through it
