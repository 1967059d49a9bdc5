#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the back office's browser tests (tests/browser):
# Playwright drives it through executable_path (`playwright install` would download a browser).
# Installs the OS package if it is missing (needs root or sudo). Used by `make chromium` and .ci/run.
set -euo pipefail

CHROMIUM=${OMS_CHROMIUM:-/usr/bin/chromium}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root for: $*" >&2; return 1; fi
}

if [ ! -x "$CHROMIUM" ]; then
  echo "installing chromium from the OS packages..."
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
"$CHROMIUM" --version
