#!/usr/bin/env bash
# The example site as `make demo` runs it: the task worker (django-tasks-db's db_worker,
# which sends the emails and expires each unpaid order at its hold's end) and the tidy job
# (passes_tidy, once a minute) in the background, runserver in the foreground. Stopping the
# server (Ctrl-C) stops the worker and the tidy loop too.
# Usage: bash scripts/demo_server.sh [PYTHON] [ADDR:PORT]
set -euo pipefail
py=${1:-.venv/bin/python}
addr=${2:-127.0.0.1:8000}
case $py in */*) py="$(cd "$(dirname "$py")" && pwd)/$(basename "$py")" ;; esac
cd "$(dirname "$0")/../example_site"

# --no-reload: one process, which a single signal stops once its current task is done.
# Restart `make demo` after changing task code.
"$py" manage.py db_worker --no-reload &
worker=$!

# The tidy job (C5), as cron would run it on a real site: unpaid orders whose hold ran out
# expire and their members are emailed. Its output is left out of the server's log.
(while sleep 60; do "$py" manage.py passes_tidy >/dev/null || true; done) &
tidy=$!

stop_background() {
  kill -TERM "$tidy" 2>/dev/null || true
  wait "$tidy" 2>/dev/null || true
  # Ctrl-C reaches the worker too (same process group) and it stops by itself; when the
  # server stopped on its own, ask the worker with SIGTERM after a short wait.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$worker" 2>/dev/null || { wait "$worker" 2>/dev/null || true; return; }
    sleep 0.2
  done
  kill -TERM "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
trap stop_background EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$py" manage.py runserver "$addr"
