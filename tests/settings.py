"""Settings for the test suite. SQLite unless DATABASE_URL is set."""

import os
from importlib.metadata import version
from importlib.util import find_spec

import dj_database_url
import django

BASE_DIR = os.path.dirname(os.path.abspath(__file__))

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]

DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or "sqlite://:memory:")
}

INSTALLED_APPS = [
    "wagtail_passes",
    "wagtail_passes.pages",  # the ready-made product pages
    "tests.testapp",
    "wagtail_modeladmin",
    "wagtail.contrib.forms",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "crispy_forms",
    "crispy_bootstrap5",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

# django-tasks before 0.12 (Wagtail 7.0) defers every enqueue to the commit by default. The
# services already enqueue on commit; the tests' Immediate backend runs a task at once.
if find_spec("django_tasks") and tuple(map(int, version("django-tasks").split(".")[:2])) < (0, 12):
    TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "ENQUEUE_ON_COMMIT": False,
        }
    }

# The tables of a database Tasks backend, for tests/test_task_queue.py. TASKS itself is
# left at the Immediate default: the other tests expect emails at once.
if find_spec("django_tasks_db"):
    INSTALLED_APPS.append("django_tasks_db")
elif find_spec("django_tasks.backends.database"):  # django-tasks < 0.12 (Wagtail 7.0-7.2)
    INSTALLED_APPS.append("django_tasks.backends.database")

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(BASE_DIR, "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

USE_TZ = True
TIME_ZONE = "Europe/London"
LANGUAGE_CODE = "en-gb"  # the example site's; dates read "9 March 2027"
USE_I18N = True

STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BASE_DIR, "static-collected")
MEDIA_URL = "/media/"
MEDIA_ROOT = os.path.join(BASE_DIR, "media")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_FROM_EMAIL = "studio@example.com"

WAGTAIL_SITE_NAME = "wagtail_passes tests"
WAGTAILADMIN_BASE_URL = "http://testserver"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django 6.1 configures email through MAILERS (EMAIL_BACKEND is deprecated); the test
# environment swaps in the in-memory backend either way.
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
