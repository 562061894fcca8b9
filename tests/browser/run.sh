#!/usr/bin/env bash
# Browser test of report.html: writes reports from the fixture data with
# groundswell-report-fixture, then opens them in Debian's headless Chromium through
# playwright-core (tests/browser/report_browser_test.mjs).
#
#   tests/browser/run.sh BUILD_DIR
#
# Needs: the build's groundswell-report-fixture, node, web/node_modules (make web) and
# /usr/bin/chromium (deps/debian-packages.txt). Prints "browser: N passed, M failed".
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: tests/browser/run.sh BUILD_DIR" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fixture_tool="$build_dir/groundswell-report-fixture"  # from tools/gs_report_fixture.cc

fail() { echo "browser: $*" >&2; echo "browser: 0 passed, 1 failed"; exit 1; }
[[ -x "$fixture_tool" ]] || fail "$fixture_tool is missing; build the groundswell-report-fixture target"
command -v node >/dev/null || fail "node is not installed"
[[ -d "$repo/web/node_modules/playwright-core" ]] || fail "web/node_modules is missing; run make web"
[[ -x "${GS_CHROMIUM:-/usr/bin/chromium}" ]] || fail "chromium is not installed (apt-get install chromium)"

work=$(mktemp -d "${TMPDIR:-/tmp}/gs-browser-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$fixture_tool" "$repo/tests/browser/fixture.json" "$work/report.html"
"$fixture_tool" "$repo/tests/browser/fixture-empty.json" "$work/empty.html"
"$fixture_tool" "$repo/tests/browser/fixture-malformed.json" "$work/malformed.html"
node "$repo/tests/browser/make_fixture.mjs" "$work/large.json" --accounts 2000 >/dev/null
"$fixture_tool" "$work/large.json" "$work/large.html"

node "$repo/tests/browser/report_browser_test.mjs" \
  --report "$work/report.html" --empty "$work/empty.html" --malformed "$work/malformed.html" \
  --large "$work/large.html"
