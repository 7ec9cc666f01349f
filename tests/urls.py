from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from tests.testapp.accounts import signup

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("passes/", include("wagtail_passes.urls")),
    # a minimal sign in / sign up at Django's default LOGIN_URL (tests/testapp/accounts.py)
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/signup/", signup, name="signup"),
    path("", include(wagtail_urls)),
]
