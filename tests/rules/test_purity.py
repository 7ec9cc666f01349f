"""The rules stay pure: no models, no services, nothing from Django but translation (dates
are formatted with babel, in ``rules.dates``; DESIGN: rules never import services;
dependencies point one way)."""

import ast
from pathlib import Path

import pytest

import wagtail_passes.rules

RULES = sorted(Path(wagtail_passes.rules.__file__).parent.glob("*.py"))
ALLOWED_DJANGO = {"django.utils.translation"}


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield ("." * node.level) + (node.module or "")


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_rules_import_nothing_impure(path):
    for module in imported_modules(path):
        assert "services" not in module and "models" not in module, module
        if module.startswith("django"):
            assert module in ALLOWED_DJANGO, module
        assert not module.startswith("..") and not module.startswith("wagtail"), module
