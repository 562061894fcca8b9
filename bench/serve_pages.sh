#!/usr/bin/env bash
# Page times of `groundswell serve` on a store (figures in bench/README.md):
#   bench/serve_pages.sh BUILD_DIR DB [REPEAT]
# Starts `groundswell serve --db DB --port 0 --read-only`, times how long it takes to read the
# store into its in-memory index (and the server's memory then), runs bench/serve_pages.mjs
# (each page in headless Chromium, each API request), and prints the server's memory at the
# end. Make a 10M-message store with `groundswell-generate --scale 10m` and `groundswell run`
# (docs/generator.md); on a shared machine run this with `nice` and say so beside the figures.
# The actor page is timed last, when its figures are stored (or GS_ACTORS_WAIT=SECONDS: once the
# server computed them; GS_ACTORS_DETECTION=N: at detection N); GS_RERUN=JSON
# (e.g. '{"behaviours": ["reply"]}') starts a detection run after the pages and times the
# detections page and the job's progress while it runs, then the comparison (serve_pages.mjs).
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: bench/serve_pages.sh BUILD_DIR DB [REPEAT]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
db=$2
repeat=${3:-20}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log=$(mktemp "${TMPDIR:-/tmp}/gs-serve-bench.XXXXXX")
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -f "$log"
}
trap cleanup EXIT

rss_gb() { awk '/^VmHWM/ { printf "peak %.2f GB", $2 / 1e6 } /^VmRSS/ { printf ", now %.2f GB", $2 / 1e6 }' "/proc/$server/status"; }

start=$(date +%s.%N)
# GS_RERUN=JSON also times a detection run started from the page (the store is then written).
mode=(--read-only)
[[ -n "${GS_RERUN:-}" ]] && mode=()
: >"$log"  # before the server: the background job may open it after the first read below
"$build/groundswell" serve --db "$db" --port 0 "${mode[@]}" >"$log" 2>&1 &
server=$!
url=""
while [[ -z "$url" ]]; do
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  url=$(sed -n 's|^groundswell serve: \(http://127\.0\.0\.1:[0-9]*/\)$|\1|p' "$log")
  sleep 0.1
done
answering=$(date +%s.%N)
until curl -sf "${url}api/status" | grep -q '"stage":"ready"'; do
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 1
done
ready=$(date +%s.%N)
awk -v s="$start" -v a="$answering" -v r="$ready" \
  'BEGIN { printf "server answering after %.1f s; in-memory index ready after %.1f s\n", a - s, r - s }'
echo "server memory when indexed: $(rss_gb)"
grep -E "^serve: " "$log" || true
node "$repo/bench/serve_pages.mjs" --url "$url" --repeat "$repeat"
echo "server memory at the end: $(rss_gb)"
