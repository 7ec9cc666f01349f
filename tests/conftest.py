import pytest
from django.db import connection


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
