#!/usr/bin/env bash
# Make Debian's Chromium available for the browser tests (tests/browser/).
# Installs it with apt-get when missing and we are root; otherwise says the browser
# tests will be skipped. Never downloads a browser of its own.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "=== Installing Debian's chromium for the browser tests (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then
    exit 0
  fi
  echo "=== apt-get could not install chromium: browser tests will be skipped"
else
  echo "=== chromium is not installed and this is not root: browser tests will be skipped"
  echo "    (install it with: sudo apt-get install chromium)"
fi
exit 0
