#!/usr/bin/env bash
# The tests: `cargo test`, with what the browser tests need.
#
# The end-to-end tests (tests/portal_browser.rs) drive headless Chromium
# through chromedriver. When either is missing, this installs Debian's
# `chromium` and `chromium-driver` (as root, or through sudo) instead of
# letting the tests fail; with CHROMIUM and CHROMEDRIVER set, those are used.
# Arguments go to `cargo test` (e.g. `./test.sh --test portal_api`).
set -euo pipefail
cd "$(dirname "$0")"

have() { command -v "$1" >/dev/null 2>&1; }

browser_present() {
  if [ -n "${CHROMIUM:-}" ] && [ -n "${CHROMEDRIVER:-}" ]; then
    return 0
  fi
  have chromedriver || [ -x /usr/lib/chromium/chromedriver ] || return 1
  have chromium || have chromium-browser || have google-chrome || [ -x /usr/lib/chromium/chromium ]
}

if ! browser_present; then
  echo "test.sh: chromium or chromedriver missing; installing chromium and chromium-driver" >&2
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif have sudo; then
    sudo=(sudo)
  else
    echo "test.sh: root or sudo is needed to install chromium and chromium-driver" >&2
    exit 1
  fi
  if ! have apt-get; then
    echo "test.sh: no apt-get here: install Chromium and its chromedriver, or set CHROMIUM and CHROMEDRIVER" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  browser_present || { echo "test.sh: chromium or chromedriver still missing" >&2; exit 1; }
fi

exec cargo test "$@"
