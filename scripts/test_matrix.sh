#!/usr/bin/env bash
# Run the suite on the oldest and the newest supported combinations, each in its
# own venv (.venv-oldest, .venv-newest), on SQLite and on PostgreSQL when a server
# answers. Usage: bash scripts/test_matrix.sh [oldest|newest]...
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A PYTHON=([oldest]=python3.11 [newest]=python3.13)
# The database Tasks backend for tests/test_task_queue.py: django-tasks-db on the newest;
# Wagtail 7.0 pins django-tasks 0.7, which django-tasks-db can't use, so the oldest runs
# that test on the backport's own django_tasks.backends.database.
declare -A PINS=(
  [oldest]="Django==5.2.* wagtail==7.0.*"
  [newest]="Django==6.1.* wagtail==8.* django-tasks-db==0.13.*"
)

# Find an interpreter: on PATH when it works, else a pyenv installation of it.
find_python() {
  local name=$1
  if "$name" -c "" 2>/dev/null; then echo "$name"; return; fi
  local root
  root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for candidate in "$root"/versions/"${name#python}".*/bin/"$name"; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  return 1
}

# The matrix checks compatibility; the deep hypothesis runs (property and stateful tests)
# are make test's job, so they run a few examples here.
export PASSES_EXAMPLES=${PASSES_EXAMPLES:-8}

# What the custom base page model run covers: pages, products, the registry and booking.
CUSTOM_PAGE_MODEL_TESTS=(
  tests/pages tests/test_demo_command.py tests/test_renewal_options.py
  tests/services/test_booking.py tests/services/test_waitlist.py tests/services/test_eligibility.py
)

combos=("$@")
[ ${#combos[@]} -gt 0 ] || combos=(oldest newest)

status=0
for combo in "${combos[@]}"; do
  venv=".venv-$combo"
  if ! py=$(find_python "${PYTHON[$combo]}"); then
    echo "=== $combo: ${PYTHON[$combo]} not found"; status=1; continue
  fi
  echo "=== $combo: $py with ${PINS[$combo]}"
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -e ".[test]" ${PINS[$combo]}
  "$venv/bin/python" -c "import sys, django, wagtail; print('   Python', sys.version.split()[0], '| Django', django.get_version(), '| Wagtail', wagtail.__version__)"
  # Compatibility, not depth: the whole suite but the browser tests on SQLite, and the
  # PostgreSQL-only tests (row locks under threads) on PostgreSQL. `make test` runs everything,
  # browser tests and the whole suite on PostgreSQL included, on the default versions.
  DATABASE_URL= "$venv/bin/python" -m pytest -q -p no:cacheprovider -m "not browser" || status=1
  if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
      "$venv/bin/python" -m pytest -q -p no:cacheprovider -m postgres || status=1
  else
    echo "=== $combo on PostgreSQL: SKIPPED (no server on 127.0.0.1:5432)"
  fi
  if [ "$combo" = newest ]; then
    # A host site on Wagtail 8's custom base page model (WAGTAIL_PAGE_MODEL) with its own
    # product pages built on the mixins: the page, product and booking tests against it.
    echo "=== $combo with a custom base page model (tests.settings_custom_page_model)"
    DJANGO_SETTINGS_MODULE=tests.settings_custom_page_model DATABASE_URL= \
      "$venv/bin/python" -m django makemigrations --check --dry-run || status=1
    DJANGO_SETTINGS_MODULE=tests.settings_custom_page_model DATABASE_URL= \
      "$venv/bin/python" -m pytest -q -p no:cacheprovider "${CUSTOM_PAGE_MODEL_TESTS[@]}" || status=1
  fi
done
exit $status
