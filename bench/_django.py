"""Set up Django with the test settings and a fresh test database for a benchmark.

SQLite (in memory) unless DATABASE_URL is set, e.g.
DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/eligibility.py
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def setup():
    sys.path.insert(0, ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return connection


def teardown(connection, old_name=None):
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
