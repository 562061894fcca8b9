#!/usr/bin/env bash
# Browser test of `groundswell serve`: makes a store the way a user does (generated data plus
# the hostile accounts of tests/data/serve/hostile.jsonl, through `groundswell run`), starts
# the server on a free loopback port and drives it in Debian's headless Chromium through
# playwright-core (tests/browser/serve_browser_test.mjs).
#
#   tests/browser/serve.sh BUILD_DIR
#
# Needs: the build's groundswell and groundswell-generate, node, web/node_modules (make web)
# and /usr/bin/chromium (deps/debian-packages.txt). Prints "browser: N passed, M failed".
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: tests/browser/serve.sh BUILD_DIR" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

fail() { echo "browser: $*" >&2; echo "browser: 0 passed, 1 failed"; exit 1; }
for tool in groundswell groundswell-generate; do
  [[ -x "$build_dir/$tool" ]] || fail "$build_dir/$tool is missing; build it first"
done
command -v node >/dev/null || fail "node is not installed"
[[ -d "$repo/web/node_modules/playwright-core" ]] || fail "web/node_modules is missing; run make web"
[[ -x "${GS_CHROMIUM:-/usr/bin/chromium}" ]] || fail "chromium is not installed (apt-get install chromium)"

work=$(mktemp -d "${TMPDIR:-/tmp}/gs-serve-browser.XXXXXX")
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$build_dir/groundswell-generate" --scale small --seed 5 --out "$work/gen" --quiet
"$build_dir/groundswell" run "$work/gen/data" "$repo/tests/data/serve/hostile.jsonl" \
  --actors "$work/gen/actors.toml" --out "$work/out" --quiet

# Port 0: the system picks a free port; the server prints its address first. The log exists
# before the server starts: the shell opens it in the background job, perhaps after the first
# read below, which would fail the script under set -e.
: >"$work/serve.log"
"$build_dir/groundswell" serve --db "$work/out/groundswell.db" --port 0 >"$work/serve.log" 2>&1 &
server=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's|^groundswell serve: \(http://127\.0\.0\.1:[0-9]*/\)$|\1|p' "$work/serve.log")
  [[ -n "$url" ]] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; fail "the server did not start"; }
  sleep 0.1
done
[[ -n "$url" ]] || { cat "$work/serve.log" >&2; fail "the server printed no address"; }

status=0
node "$repo/tests/browser/serve_browser_test.mjs" --url "$url" || status=$?
if [[ $status -ne 0 ]]; then
  echo "--- server log" >&2
  cat "$work/serve.log" >&2
fi
exit $status
