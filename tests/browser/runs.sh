#!/usr/bin/env bash
# Browser test of report.html as `groundswell run` writes it on real inputs, for the cases a
# first run meets: CooRTweet's data without an actors file, where nothing passes the tests of
# chance (sim_input.csv) and where clusters are found (german_urls_input.csv, with
# SOURCE_DATE_EPOCH set), and the demo data with actors and planted campaigns (the same as
# make demo). Opens each in Debian's headless Chromium (tests/browser/runs_browser_test.mjs).
#
#   tests/browser/runs.sh BUILD_DIR
#
# Needs: the build's groundswell and groundswell-generate, node, web/node_modules (make web)
# and /usr/bin/chromium. Prints "browser: N passed, M failed".
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: tests/browser/runs.sh BUILD_DIR" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
gs="$build_dir/groundswell"
generate="$build_dir/groundswell-generate"

fail() { echo "browser: $*" >&2; echo "browser: 0 passed, 1 failed"; exit 1; }
[[ -x "$gs" && -x "$generate" ]] || fail "build the groundswell and groundswell-generate targets first"
command -v node >/dev/null || fail "node is not installed"
[[ -d "$repo/web/node_modules/playwright-core" ]] || fail "web/node_modules is missing; run make web"
[[ -x "${GS_CHROMIUM:-/usr/bin/chromium}" ]] || fail "chromium is not installed (apt-get install chromium)"

work=$(mktemp -d "${TMPDIR:-/tmp}/gs-browser-runs.XXXXXX")
trap 'rm -rf "$work"' EXIT
ref="$repo/tests/data/reference/coortweet"

# Two threads: CTest runs this beside other tests on a two-core machine.
"$gs" run "$ref/sim_input.csv" --out "$work/none" --threads 2 --quiet \
  || fail "run on sim_input.csv failed"
SOURCE_DATE_EPOCH=1764547200 "$gs" run "$ref/german_urls_input.csv" --out "$work/clusters" \
  --threads 2 --quiet || fail "run on german_urls_input.csv failed"
"$generate" --scale demo --seed 1 --out "$work/demo-data" --quiet || fail "generating the demo data failed"
"$gs" run "$work/demo-data/data" --actors "$work/demo-data/actors.toml" --out "$work/demo" \
  --threads 2 --quiet || fail "run on the demo data failed"

node "$repo/tests/browser/runs_browser_test.mjs" --none "$work/none" --clusters "$work/clusters" \
  --demo "$work/demo"
