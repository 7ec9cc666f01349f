# Two commands set everything up on a fresh machine:
#   make demo   runs the example site with demo data on http://127.0.0.1:8000 (another
#               port: make demo PORT=8123), and its task worker (db_worker, which sends
#               the emails) beside the server
#   make test   runs linters, the migrations check and the whole suite (SQLite, then PostgreSQL)
#   make messages  regenerates the message catalogue after a marked string changed
# See README.md.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check -q
MANAGE := cd example_site && ../$(PY) manage.py

.PHONY: demo test test-matrix browser-deps lint build messages docs-screenshots clean bench-web

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[example]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[test,example]"
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[bench]"
	touch $@

# The port `make demo` serves on; links in emails and the URLs passes_demo prints follow it
# (example_site's settings read PASSES_DEMO_BASE_URL).
PORT ?= 8000
demo: export PASSES_DEMO_BASE_URL = http://127.0.0.1:$(PORT)

# passes_daily catches up what a real site's daily job would have done since the last
# `make demo` (expiries, renewal orders due).
demo: $(VENV)/.installed-demo
	$(MANAGE) migrate --noinput
	$(MANAGE) passes_demo --logins
	$(MANAGE) demo_home
	$(MANAGE) passes_daily
	bash scripts/demo_server.sh $(PY) 127.0.0.1:$(PORT)

test: $(VENV)/.installed-test
	@bash scripts/ensure_chromium.sh
	@bash scripts/ensure_gettext.sh
	$(PY) scripts/run_tests.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# Regenerate the message catalogue (wagtail_passes/locale/) after changing a marked string;
# tests/test_locale.py fails until you do. Needs GNU gettext (scripts/ensure_gettext.sh).
MAKEMESSAGES_ARGS := --locale en --add-location file --no-obsolete

messages: $(VENV)/.installed-test
	@bash scripts/ensure_gettext.sh
	cd wagtail_passes && env -u DJANGO_SETTINGS_MODULE ../$(PY) -m django makemessages $(MAKEMESSAGES_ARGS)

# Regenerate the front desk's screenshots in the docs (docs/images/front-desk/): the browser
# walk of a day at the desk writes them as it goes. Needs Chromium (scripts/ensure_chromium.sh).
docs-screenshots: $(VENV)/.installed-test
	@bash scripts/ensure_chromium.sh
	PASSES_DOCS_SCREENSHOTS=docs/images/front-desk $(PY) -m pytest tests/browser/test_front_desk_walk.py

# The web load benchmark (docs/how-to/benchmarks.md): the example site under gunicorn on
# PostgreSQL (DATABASE_URL's server; it creates and drops its own database), driven over
# loopback HTTP. Options: make bench-web ARGS="--quick" (or --conn-max-age 0, --help).
bench-web: $(VENV)/.installed-bench
	$(PY) bench/web.py $(ARGS)

build: $(VENV)/.installed-test
	$(PY) -m build --outdir dist .

# The oldest and the newest supported combinations, each in its own venv.
test-matrix:
	bash scripts/test_matrix.sh

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache tests/test.sqlite3
