"""Keep what existing staff groups could do when two permissions were split out.

Before 0013, the reports followed "view member passes" / "view orders", and recording a
payment followed "change orders". Groups holding those now also get "Can see the passes
reports" and "Can sell at the desk and take payments", so no host's staff lose a screen.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REPORT_SOURCES = ["view_memberpass", "change_memberpass", "view_order", "change_order"]
DESK_SOURCES = ["change_order"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("wagtail_passes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for codename, sources in (("view_reports", REPORT_SOURCES), ("sell_at_desk", DESK_SOURCES)):
        permission = Permission.objects.filter(
            content_type__app_label="wagtail_passes", codename=codename
        ).first()
        if permission is None:
            continue
        groups = Group.objects.filter(
            permissions__content_type__app_label="wagtail_passes",
            permissions__codename__in=sources,
        ).distinct()
        for group in groups:
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtail_passes", "0013_desk_sales_checkin_and_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
