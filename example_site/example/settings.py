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

# Persistent connections: each web process keeps its connection for 10 minutes instead of
# opening one per request (on PostgreSQL about 6 ms and a process on the server each time;
# bench/web.py measures the difference). Health checks reopen one the server dropped.
DATABASES = {
    "default": dj_database_url.config(
        default="sqlite:///" + os.path.join(SITE_DIR, "db.sqlite3"),
        conn_max_age=600,
        conn_health_checks=True,
    )
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
    # member accounts: sign up, sign in, email confirmation (the app itself needs only LOGIN_URL)
    "allauth",
    "allauth.account",
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
    "allauth.account.middleware.AccountMiddleware",
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

# The worker's console shows the emails it sends, not a log line for every task it runs:
# task logging from warnings up only (a failed task is still logged, with its traceback).
# db_worker sets its loggers' level itself (INFO), so the handler's level is what filters.
# django.tasks is the Tasks API's logger on Django 6+, django_tasks the backport's.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"tasks": {"class": "logging.StreamHandler", "level": "WARNING"}},
    "loggers": {
        name: {"handlers": ["tasks"], "level": "WARNING", "propagate": False}
        for name in ("django.tasks", "django_tasks", "django_tasks_db")
    },
}

# Members sign up and sign in with django-allauth (accounts/ in urls.py); the checkout
# sends a visitor to LOGIN_URL with ?next= and allauth brings them back. Staff still sign
# in to the Wagtail admin at /admin/login/.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",  # the Wagtail admin's login (username)
    "allauth.account.auth_backends.AuthenticationBackend",  # the site's sign in (email)
]
# Sign in with an email address or a username; sign up asks for email and password only
# (allauth makes up a username, which the Wagtail admin's sign-in uses).
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = True  # no "Remember me" box: members stay signed in
# A new member confirms their email address before they can sign in: allauth sends a link
# (printed in the terminal by the console email backend below) and, once it is opened,
# signs them in and takes them back where they were going (the checkout).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = True  # the link confirms at once: one click less in the demo
# Users made outside allauth (passes_demo --logins, createsuperuser) sign in without a
# confirmation email: see example/accounts.py.
ACCOUNT_ADAPTER = "example.accounts.AccountAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Harbour Studio] "

WAGTAIL_SITE_NAME = "Harbour Studio"
# Where `make demo` serves the site (`make demo PORT=8123` exports PASSES_DEMO_BASE_URL).
WAGTAILADMIN_BASE_URL = os.environ.get("PASSES_DEMO_BASE_URL", "http://127.0.0.1:8000")
# Where the emails' links lead (wagtail_passes' booking and order emails): the address
# `make demo` serves (`make demo PORT=8123` sets PASSES_DEMO_BASE_URL), not the default
# Site's "localhost", where a member would arrive signed out.
WAGTAIL_PASSES_BASE_URL = os.environ.get("PASSES_DEMO_BASE_URL", "http://127.0.0.1:8000")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# wagtail_passes settings (docs/reference/settings.md)
WAGTAIL_PASSES_DEFAULT_CURRENCY = "GBP"
# Shown on the order page and in the "order received" email, with the order's reference.
# A demo account: not a real bank.
WAGTAIL_PASSES_BANK_TRANSFER_INSTRUCTIONS = """Harbour Studio Ltd (demo)
IBAN: GB33 DEMO 0000 0000 0000 00 (fake)
BIC: DEMOGB2L"""
# Card payments by Stripe (test mode) when both are in the environment; see
# docs/how-to/stripe.md. Never put real keys in this file.
WAGTAIL_PASSES_STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
