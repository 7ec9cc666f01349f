"""Settings of the example site: a small Wagtail site that installs wagtail_passes
exactly as any host site would. SQLite by default; set DATABASE_URL to use another
database (for example postgres://postgres@127.0.0.1:5432/passes_demo)."""

import os

import dj_database_url
import django

SITE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SECRET_KEY = os.environ.get("SECRET_KEY", "example-site-development-only")
DEBUG = os.environ.get("DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

DATABASES = {
    "default": dj_database_url.config(default="sqlite:///" + os.path.join(SITE_DIR, "db.sqlite3"))
}

INSTALLED_APPS = [
    "home",
    # wagtail_passes and what it needs (docs/tutorial/quickstart.md)
    "wagtail_passes",
    "wagtail_passes.pages",  # the ready-made product pages
    "wagtail_modeladmin",
    "crispy_forms",
    "crispy_bootstrap5",
    # the real Tasks backend: emails are sent by `manage.py db_worker` (make demo runs it)
    "django_tasks_db",
    # a standard Wagtail site
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "example.urls"
WSGI_APPLICATION = "example.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(SITE_DIR, "templates")],
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(SITE_DIR, "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = os.path.join(SITE_DIR, "media")

# Emails are printed to the console. Django 6.1 configures this through MAILERS.
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "Harbour Studio <hello@harbour-studio.example>"

# Background work (member emails) goes to the database and runs in `manage.py db_worker`,
# so emails are printed by the worker. django-tasks-db uses django.tasks on Django 6+ and
# the django-tasks backport (>= 0.12) on Django 5.2; Wagtail's own tasks use it too.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGIN_URL = "wagtailcore_login"
LOGIN_REDIRECT_URL = "/"

WAGTAIL_SITE_NAME = "Harbour Studio"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# wagtail_passes settings (docs/reference/settings.md)
WAGTAIL_PASSES_DEFAULT_CURRENCY = "GBP"
