#!/usr/bin/env bash
# CPU and wall seconds of groundswell's compat pipeline on CooRTweet-shaped rows, for two builds
# side by side (before and after a change): `ingest` into a fresh store, `detect --compat
# coortweet`, then `detect` again on the unchanged store (which reads the analysis columns
# saved beside it). On a shared machine CPU seconds (user + sys) are the figure to compare.
#   bench/compat_cpu.sh BINARY [BINARY...] -- [ROWS...]   (default rows: 35125 351000 3510000)
# Each line: binary, rows, step, wall s, CPU s, peak RSS MB.
set -euo pipefail
bins=()
while [[ $# -gt 0 && $1 != -- ]]; do bins+=("$(realpath "$1")"); shift; done
shift || true
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(35125 351000 3510000)
here=$(cd "$(dirname "$0")" && pwd)
work=${GS_BENCH_DIR:-/tmp/gs-bench}/compat
mkdir -p "$work"

measure() {  # measure LABEL COMMAND...: one line of wall, CPU and peak memory
  local label=$1
  shift
  /usr/bin/time -o "$work/time" -f "%e %U %S %M" "$@" >/dev/null 2>&1
  awk -v l="$label" '{ printf "%s %.2f %.2f %.0f\n", l, $1, $2 + $3, $4 / 1024 }' "$work/time"
}

echo "binary rows step wall_s cpu_s peak_MB"
for rows in "${sizes[@]}"; do
  csv="$work/ct-$rows.csv"
  [[ -f "$csv" ]] || bash "$here/coortweet_rows.sh" "$rows" "$csv"
  for bin in "${bins[@]}"; do
    name=$(basename "$bin")
    rm -rf "$work/s.db"* "$work/out"
    measure "$name $rows ingest" nice "$bin" ingest "$csv" --db "$work/s.db" --quiet
    measure "$name $rows detect" nice "$bin" detect --db "$work/s.db" --compat coortweet \
      --out "$work/out" --quiet
    measure "$name $rows detect-again" nice "$bin" detect --db "$work/s.db" --compat coortweet \
      --out "$work/out" --quiet
  done
done
rm -rf "$work/s.db"* "$work/out"
