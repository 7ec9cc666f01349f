"""The built sdist and wheel carry what a host site needs at runtime."""

import ast
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    # Builds the sdist, then the wheel from the sdist, so MANIFEST.in is tested too.
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def package_files(root: Path, prefix: str) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in (root / prefix).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.mark.slow
def test_wheel_contains_templates_static_migrations_and_locale(dist):
    wheel = next(dist.glob("wagtail_passes-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "static", "migrations", "locale"):
        expected = package_files(ROOT, f"wagtail_passes/{folder}")
        assert expected, folder
        assert expected <= names, sorted(expected - names)
    assert not any(n.startswith(("tests/", "example_site/")) for n in names)


@pytest.mark.slow
def test_sdist_contains_templates_static_migrations_and_locale(dist):
    sdist = next(dist.glob("wagtail_passes-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        names = {"/".join(n.split("/")[1:]) for n in tar.getnames()}
    for folder in ("templates", "static", "migrations", "locale"):
        assert package_files(ROOT, f"wagtail_passes/{folder}") <= names


# ---- declared dependencies -----------------------------------------------------------


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group())


def imported_distributions(paths) -> set[str]:
    """The distributions that the modules ``paths`` import (stdlib and the package itself
    left out), by their canonical names."""
    modules = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    modules -= set(sys.stdlib_module_names) | {"__future__", "wagtail_passes"}
    known = packages_distributions()
    # A module that is not installed here (e.g. swapper under Wagtail 7) keeps its own name.
    return {canonical(dist) for module in modules for dist in known.get(module, [module])}


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PACKAGE = ROOT / "wagtail_passes"
SHIPPED_FACTORIES = PACKAGE / "test"
DECLARED = {requirement_name(r) for r in PYPROJECT["dependencies"]}
RUNTIME_DEPENDENCIES = {
    "django",
    "wagtail",
    "wagtail-modeladmin",
    "django-modelcluster",
    "python-dateutil",
    "swapper",
    "stripe",
    "django-tasks",
    "babel",
    "icalendar",
    "django-filter",
    "openpyxl",
}


def test_every_imported_distribution_is_a_declared_dependency():
    runtime_modules = [p for p in PACKAGE.rglob("*.py") if SHIPPED_FACTORIES not in p.parents]
    undeclared = imported_distributions(runtime_modules) - DECLARED
    assert not undeclared, f"imported by wagtail_passes/ but not declared: {sorted(undeclared)}"
    # The shipped factories may also use what the `factories` extra brings.
    factories = {requirement_name(r) for r in PYPROJECT["optional-dependencies"]["factories"]}
    undeclared = imported_distributions(SHIPPED_FACTORIES.rglob("*.py")) - DECLARED - factories
    assert not undeclared, sorted(undeclared)


def test_declared_dependencies_and_extras():
    assert DECLARED == RUNTIME_DEPENDENCIES
    extras = PYPROJECT["optional-dependencies"]
    assert [requirement_name(r) for r in extras["factories"]] == ["factory-boy"]
    assert "wagtail-passes[factories]" in extras["test"]


# ---- a bare pytest from the repository root ------------------------------------------


def test_bare_pytest_collects_from_the_repository_root_without_pythonpath():
    """pyproject's pytest settings alone (DJANGO_SETTINGS_MODULE, pythonpath) find the test
    settings: no PYTHONPATH, no DJANGO_SETTINGS_MODULE, and `-P` so that Python does not put
    the working directory on sys.path the way `python -m pytest` does (like the `pytest`
    script)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTEST_ADDOPTS"}
    }
    result = subprocess.run(
        [sys.executable, "-P", "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + ["tests/test_checks.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tests/test_checks.py::test_shipped_test_settings_pass_every_check" in result.stdout


# ---- the wheel's metadata ------------------------------------------------------------


@pytest.mark.slow
def test_wheel_metadata_declares_dependencies_extras_and_classifiers(dist):
    wheel = next(dist.glob("wagtail_passes-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode())
    requires = metadata.get_all("Requires-Dist")
    runtime = {requirement_name(r) for r in requires if "extra ==" not in r}
    assert runtime == RUNTIME_DEPENDENCIES
    assert not {"django-crispy-forms", "crispy-bootstrap5", "factory-boy"} & runtime
    assert "factories" in metadata.get_all("Provides-Extra")
    assert any(
        requirement_name(r) == "factory-boy" and 'extra == "factories"' in r for r in requires
    )
    assert metadata["License-Expression"] == "BSD-3-Clause"
    classifiers = set(metadata.get_all("Classifier"))
    assert {
        "Framework :: Django :: 6.1",
        "Framework :: Wagtail :: 8",
        "Programming Language :: Python :: 3 :: Only",
    } <= classifiers
    assert not any(c.startswith("License ::") for c in classifiers)


# ---- the install how-to --------------------------------------------------------------


def test_install_doc_lists_every_declared_dependency_as_declared():
    """docs/how-to/install.md, step 1: the complete list, each requirement as the wheel
    declares it (pyproject's dependencies), nothing more."""
    doc = (ROOT / "docs/how-to/install.md").read_text()
    step = doc[doc.index("## 1. Install the package") : doc.index("## 2. Settings")]
    listed = re.findall(r"^\| `([^`]+)` \|", step, flags=re.MULTILINE)
    assert sorted(listed) == sorted(PYPROJECT["dependencies"])
    assert {requirement_name(r) for r in listed} == RUNTIME_DEPENDENCIES
