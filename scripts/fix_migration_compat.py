"""Make a migration generated under Wagtail 8 run on Wagtail 7 too.

``makemigrations`` under Wagtail 8 writes ``settings.WAGTAIL_PAGE_MODEL`` and a
dependency on the newest wagtailcore migration; Wagtail 7 has neither. This rewrites
them to ``wagtail_passes.compat``. Usage: python scripts/fix_migration_compat.py FILE...
"""

import re
import sys

for path in sys.argv[1:]:
    with open(path) as f:
        text = f.read()
    text = re.sub(r"\('wagtailcore', '\d{4}_\w+'\),", "WAGTAILCORE_MIGRATION,", text)
    text = text.replace(
        "migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL)",
        "migrations.swappable_dependency(PAGE_MODEL)",
    )
    text = text.replace("to=settings.WAGTAIL_PAGE_MODEL", "to=PAGE_MODEL")
    if "PAGE_MODEL" in text or "WAGTAILCORE_MIGRATION" in text:
        if "from wagtail_passes.compat import" not in text:
            text = text.replace(
                "from django.db import migrations, models\n",
                "from django.db import migrations, models\n\n"
                "from wagtail_passes.compat import PAGE_MODEL, WAGTAILCORE_MIGRATION\n",
                1,
            )
    with open(path, "w") as f:
        f.write(text)
    print(f"fixed {path}")
