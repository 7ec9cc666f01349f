"""The locale and translation key of the base page model, added once wagtailcore's Locale
exists and filled in for any page already there (none on a new site)."""

from django.db import migrations
from wagtail.models import (
    BootstrapLocaleField,
    BootstrapTranslatableModel,
    BootstrapTranslationKeyField,
)


class Migration(migrations.Migration):
    dependencies = [
        ("hostsite", "0001_initial"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [
        BootstrapLocaleField("hostsite.BasePage"),
        BootstrapTranslationKeyField("hostsite.BasePage"),
        BootstrapTranslatableModel("hostsite.BasePage"),
    ]
