"""The built sdist and wheel carry what a host site needs at runtime."""

import subprocess
import sys
import tarfile
import zipfile
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
def test_wheel_contains_templates_static_and_migrations(dist):
    wheel = next(dist.glob("wagtail_passes-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "static", "migrations"):
        expected = package_files(ROOT, f"wagtail_passes/{folder}")
        assert expected, folder
        assert expected <= names, sorted(expected - names)
    assert not any(n.startswith(("tests/", "example_site/")) for n in names)


@pytest.mark.slow
def test_sdist_contains_templates_static_and_migrations(dist):
    sdist = next(dist.glob("wagtail_passes-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        names = {"/".join(n.split("/")[1:]) for n in tar.getnames()}
    for folder in ("templates", "static", "migrations"):
        assert package_files(ROOT, f"wagtail_passes/{folder}") <= names
