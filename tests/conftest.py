import pytest
from django.db import connection

TRANSACTIONAL = {"transactional_db", "live_server"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test (threads, a live server) has flushed every table, put back
    Wagtail's root page, default site and root collection, as migrations made them: tests that
    run after it (pytest-django does not always run these last) then see a fresh install,
    whatever the order the suite was collected in."""
    yield
    if nextitem is None or not TRANSACTIONAL & set(getattr(item, "fixturenames", ())):
        return
    from pytest_django.plugin import blocking_manager_key
    from wagtail.models import Collection

    from wagtail_passes.test.factories import default_site_root

    with item.config.stash[blocking_manager_key].unblock():
        default_site_root()
        if Collection.get_first_root_node() is None:
            Collection.add_root(name="Root")


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and threads); run with DATABASE_URL set")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "password")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs what the block left for after its commit (emails,
    refunds asked of the payment provider) when the block ends, as a real commit would;
    the test's own transaction never commits."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block
