"""The committed message catalogue (``wagtail_passes/locale/``) holds exactly the strings the
code marks for translation, and ``makemessages`` reads every one of them without a warning
(no f-string or variable inside a translation call, no badly formed template tag).

Regenerates the catalogue in a copy of the package with the Makefile's own arguments, so a
string added, changed or removed without ``make messages`` fails here."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wagtail_passes"
CATALOGUE = Path("locale/en/LC_MESSAGES/django.po")
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
MISSING_TOOLS = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]

# The names xgettext reads (its Python defaults and the keywords makemessages adds), with how
# many leading arguments are the literal text (and context) it extracts.
TRANSLATION_CALLS = {
    "_": 1,
    "gettext": 1,
    "gettext_lazy": 1,
    "gettext_noop": 1,
    "ngettext": 2,
    "ngettext_lazy": 2,
    "pgettext": 2,
    "pgettext_lazy": 2,
    "npgettext": 3,
    "npgettext_lazy": 3,
}


def makemessages_args() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    return re.search(r"^MAKEMESSAGES_ARGS\s*:=\s*(.+)$", makefile, re.MULTILINE).group(1).split()


def messages(po_file: Path) -> set[tuple]:
    """(context, msgid) of every entry; a plural's msgid is its singular and plural."""
    with po_file.open("rb") as handle:
        catalogue = read_po(handle)
    return {
        (message.context, message.id if isinstance(message.id, str) else tuple(message.id))
        for message in catalogue
        if message.id
    }


def regenerate(package: Path) -> subprocess.CompletedProcess:
    # Without the test settings: makemessages needs none, and tests/ is not beside the copy.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "django", "makemessages", *makemessages_args()],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
    )


def python_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path.relative_to(ROOT), ast.parse(path.read_text(), str(path))


def test_translations_are_imported_under_names_makemessages_reads():
    # `gettext as gettext_now` hides every string from xgettext: they never reach the catalogue.
    hidden = [
        f"{path}:{node.lineno} imports {alias.name} as {alias.asname}"
        for path, tree in python_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.asname and alias.asname not in TRANSLATION_CALLS
    ]
    assert not hidden, hidden


def test_translation_calls_take_literal_strings():
    # An f-string or a variable in _() is looked up at runtime but never extracted.
    not_literal = []
    for path, tree in python_modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            literal_count = TRANSLATION_CALLS.get(node.func.id, 0)
            for argument in node.args[:literal_count]:
                if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                    not_literal.append(f"{path}:{node.lineno} {ast.unparse(node)[:80]}")
    assert not not_literal, not_literal


def test_the_package_ships_a_source_catalogue():
    assert (PACKAGE / CATALOGUE).is_file(), "no catalogue: run `make messages`"


@pytest.mark.skipif(
    bool(MISSING_TOOLS),
    reason=f"GNU gettext is not installed ({', '.join(MISSING_TOOLS)} missing): "
    "apt-get install gettext, or run `make test`",
)
def test_the_committed_catalogue_has_exactly_the_marked_strings(tmp_path):
    copy = tmp_path / "wagtail_passes"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

    result = regenerate(copy)

    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"makemessages warned:\n{result.stderr}"
    committed, fresh = messages(PACKAGE / CATALOGUE), messages(copy / CATALOGUE)
    unlisted = sorted(fresh - committed, key=str)
    stale = sorted(committed - fresh, key=str)
    assert not unlisted and not stale, (
        "wagtail_passes/locale/ is out of date: run `make messages`.\n"
        f"Marked in the code but not in the catalogue: {unlisted}\n"
        f"In the catalogue but no longer in the code: {stale}"
    )
