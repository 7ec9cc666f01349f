"""WAGTAIL_PASSES_DARK_MODE (issue 19, item 6): what ``{% passes_stylesheet %}`` tells the
stylesheet, and the system check on the setting's value. What a browser then draws is in
tests/browser/test_host_layout.py."""

import pytest
from django.template import Context, Template
from django.templatetags.static import static
from django.test import override_settings

from wagtail_passes.checks import check_dark_mode

LINK = static("wagtail_passes/css/passes.css")


def stylesheet_tag():
    return Template("{% load passes_tags %}{% passes_stylesheet %}").render(Context())


def test_host_mode_is_the_default_and_needs_no_mark():
    assert stylesheet_tag() == f'<link rel="stylesheet" href="{LINK}">'
    assert check_dark_mode() == []


@pytest.mark.parametrize("mode", ["os", "never"])
def test_os_and_never_modes_mark_the_stylesheet_link(mode):
    with override_settings(WAGTAIL_PASSES_DARK_MODE=mode):
        html = stylesheet_tag()
        assert check_dark_mode() == []
    assert html == f'<link rel="stylesheet" href="{LINK}" data-wagtail-passes-dark-mode="{mode}">'


@override_settings(WAGTAIL_PASSES_DARK_MODE="host")
def test_host_mode_set_explicitly_is_quiet():
    assert check_dark_mode() == []
    assert "data-wagtail-passes" not in stylesheet_tag()


@pytest.mark.parametrize("value", ["dark", "OS", "", None, True, ["os"]])
def test_e007_an_unknown_dark_mode_is_an_error_and_the_pages_follow_the_host(value):
    with override_settings(WAGTAIL_PASSES_DARK_MODE=value):
        errors = check_dark_mode()
        html = stylesheet_tag()
    assert [error.id for error in errors] == ["wagtail_passes.E007"]
    assert repr(value) in errors[0].msg
    assert "'host'" in errors[0].hint
    assert html == f'<link rel="stylesheet" href="{LINK}">'
