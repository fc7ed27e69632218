#!/usr/bin/env bash
# The tests: `cargo test`, with what the tests need beyond Rust.
#
# - The end-to-end tests (tests/portal_browser.rs and the office's) drive
#   headless Chromium through chromedriver: Debian's `chromium` and
#   `chromium-driver` (with CHROMIUM and CHROMEDRIVER set, those are used).
# - The annotated copy's tests (tests/overlay.rs, tests/consolidate.rs) open
#   workbooks in LibreOffice, edit cells through its Python bridge, and read
#   them with openpyxl: Debian's `libreoffice-calc-nogui` and `python3-uno`,
#   and openpyxl from PyPI for the `python3` on the PATH.
#
# What is missing is installed (as root, or through sudo) instead of letting
# the tests fail. Arguments go to `cargo test` (e.g. `./test.sh --test portal_api`).
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

libreoffice_present() {
  have soffice && [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import uno" >/dev/null 2>&1
}

packages=()
browser_present || packages+=(chromium chromium-driver)
libreoffice_present || packages+=(libreoffice-calc-nogui python3-uno)

if [ "${#packages[@]}" -gt 0 ]; then
  echo "test.sh: installing ${packages[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif have sudo; then
    sudo=(sudo)
  else
    echo "test.sh: root or sudo is needed to install ${packages[*]}" >&2
    exit 1
  fi
  if ! have apt-get; then
    echo "test.sh: no apt-get here: install ${packages[*]} (for the browser: or set CHROMIUM and CHROMEDRIVER)" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  browser_present || { echo "test.sh: chromium or chromedriver still missing" >&2; exit 1; }
  libreoffice_present || { echo "test.sh: LibreOffice or its Python bridge still missing" >&2; exit 1; }
fi

if ! python3 -c "import openpyxl" >/dev/null 2>&1; then
  echo "test.sh: installing openpyxl for $(command -v python3)" >&2
  python3 -m pip install --quiet openpyxl || { echo "test.sh: pip install openpyxl failed" >&2; exit 1; }
fi

exec cargo test "$@"
