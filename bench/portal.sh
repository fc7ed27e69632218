#!/usr/bin/env bash
# The portal under load (issue 13): N (default 50) concurrent submissions of
# a 500-row workbook through the JSON API, with a zip bomb and a
# billion-laughs workbook checked in the middle of them; prints the lines
# for the README's benchmark table (examples/portal_load.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin sozialraum --example make_big --example portal_load
mkdir -p target/bench/portal
target/release/examples/make_big target/bench/portal --rows "${ROWS:-500}" --clean >/dev/null
target/release/examples/portal_load target/release/sozialraum \
  target/bench/portal/fall_custom.xlsx --n "${N:-50}"
