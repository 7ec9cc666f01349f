"""The one address emails link to (services.base_url): the request that caused the email,
else WAGTAIL_PASSES_BASE_URL, else WAGTAILADMIN_BASE_URL, else (last resort) the default
Site; and wagtail_passes.E008 for a WAGTAIL_PASSES_BASE_URL that cannot be one."""

import pytest
from django.core.checks import Tags, run_checks
from django.test import RequestFactory
from wagtail.models import Site

from wagtail_passes.checks import check_base_url
from wagtail_passes.services import base_url as links
from wagtail_passes.services.notifications import order_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_settings(settings):
    settings.WAGTAIL_PASSES_BASE_URL = None
    del settings.WAGTAILADMIN_BASE_URL
    return settings


def test_the_setting_comes_first_without_its_trailing_slash(settings):
    settings.WAGTAIL_PASSES_BASE_URL = "https://studio.example.com/"
    settings.WAGTAILADMIN_BASE_URL = "https://admin.example.com"
    assert links.configured_base_url() == "https://studio.example.com"
    assert links.absolute_url("wagtail_passes:my_bookings") == (
        "https://studio.example.com/passes/bookings/"
    )


def test_then_wagtails_admin_base_url(settings):
    settings.WAGTAIL_PASSES_BASE_URL = None
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
    assert links.configured_base_url() == "http://127.0.0.1:8000"


def test_then_the_default_site_as_a_last_resort(no_settings):
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "studio.test", 8080
    site.save()
    assert links.configured_base_url() == "http://studio.test:8080"
    Site.objects.all().delete()
    assert links.configured_base_url() == ""
    assert links.absolute_url("wagtail_passes:my_bookings") == ""  # no address: no link


def test_an_unusable_setting_is_passed_over(settings):
    settings.WAGTAIL_PASSES_BASE_URL = "studio.example.com"  # no scheme: E008 says so
    settings.WAGTAILADMIN_BASE_URL = "https://admin.example.com"
    assert links.configured_base_url() == "https://admin.example.com"


def test_the_request_that_caused_the_email_wins(settings):
    settings.WAGTAIL_PASSES_BASE_URL = "https://studio.example.com"
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8123")
    seen = []

    @links.links_from_request
    def view(request):
        seen.append(links.current_request_base_url())

    view(request)
    assert seen == ["http://127.0.0.1:8123"]
    assert links.current_request_base_url() == ""  # only while the view runs
    assert links.base_url(seen[0]) == "http://127.0.0.1:8123"
    assert links.base_url("") == "https://studio.example.com"


def test_c1_order_links_follow_the_same_rule(settings):
    class Order:
        reference = "AB23CD45"

    settings.WAGTAIL_PASSES_BASE_URL = "https://studio.example.com"
    assert order_url(Order()) == "https://studio.example.com/passes/orders/AB23CD45/"
    assert order_url(Order(), "http://127.0.0.1:8000") == (
        "http://127.0.0.1:8000/passes/orders/AB23CD45/"
    )


# E008


@pytest.mark.parametrize(
    "value",
    [
        "studio.example.com",
        "ftp://studio.example.com",
        "https://",
        "https://studio.example.com/passes/",
        "https://studio.example.com/?x=1",
        "https://studio.example.com/#top",
        "",
        8000,
    ],
)
def test_e007_an_unusable_base_url_is_an_error(settings, value):
    settings.WAGTAIL_PASSES_BASE_URL = value
    assert [m.id for m in check_base_url()] == ["wagtail_passes.E008"]
    passes_ids = [m.id for m in run_checks(tags=[Tags.compatibility]) if m.id]
    assert "wagtail_passes.E008" in passes_ids


@pytest.mark.parametrize(
    "value", [None, "https://studio.example.com", "http://127.0.0.1:8000/", "http://[::1]:8000"]
)
def test_e007_a_usable_or_unset_base_url_is_quiet(settings, value):
    settings.WAGTAIL_PASSES_BASE_URL = value
    assert check_base_url() == []
