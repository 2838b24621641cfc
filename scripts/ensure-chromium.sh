#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing and we may use apt.
# Elsewhere it says why the browser tests will skip; under CI a missing browser is an error.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
if [ -n "${CI:-}" ]; then
  echo "chromium is missing and cannot be installed here (need root and apt-get)" >&2
  exit 1
fi
echo "note: chromium is not installed and this is not root on Debian: browser tests will skip"
