#!/usr/bin/env bash
# Make GNU gettext available for the message catalogue test (tests/test_locale.py) and
# `make messages`: Django's makemessages runs xgettext, msguniq, msgmerge and msgattrib.
# Installs Debian's gettext with apt-get when missing and we are root; otherwise says the
# catalogue test will be skipped.
set -u
missing=""
for tool in xgettext msguniq msgmerge msgattrib; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -z "$missing" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "=== Installing Debian's gettext for the message catalogue (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq gettext >/dev/null; then
    exit 0
  fi
  echo "=== apt-get could not install gettext: the catalogue test will be skipped"
else
  echo "=== gettext is not installed ($missing ) and this is not root: the catalogue test will be skipped"
  echo "    (install it with: sudo apt-get install gettext)"
fi
exit 0
