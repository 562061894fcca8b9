#!/usr/bin/env bash
# Wall and CPU seconds and peak memory of `groundswell ingest` into a fresh store, for one or
# more builds side by side (runs alternated, so a shared machine's load falls on all alike):
# CooRTweet CSV rows (bench/coortweet_rows.sh), the Telegram Desktop exports and the twarc2
# pages of the generator's `1m` preset (seed 1). On a shared machine CPU seconds (user + sys)
# are the figure to compare.
#   bench/ingest_cpu.sh BINARY [BINARY...] -- [INPUT...]
# INPUT: csv-ROWS (e.g. csv-351000), telegram, twarc2; default: csv-351000 csv-3510000
# telegram twarc2. GS_BENCH_REPEAT (default 2) runs per binary and input; GS_BENCH_DIR holds
# the data (the generated 1m preset takes about 1.5 GB and two minutes to write, with the
# groundswell-generate found beside the first BINARY, as in a build folder).
# Each line: binary, input, MB, records, wall s, CPU s, peak RSS MB.
set -euo pipefail
bins=()
while [[ $# -gt 0 && $1 != -- ]]; do bins+=("$(realpath "$1")"); shift; done
shift || true
inputs=("$@")
[[ ${#inputs[@]} -gt 0 ]] || inputs=(csv-351000 csv-3510000 telegram twarc2)
here=$(cd "$(dirname "$0")" && pwd)
work=${GS_BENCH_DIR:-/tmp/gs-bench}/ingest
repeat=${GS_BENCH_REPEAT:-2}
mkdir -p "$work"

files_of() {  # files_of INPUT: the input's files, made on first use
  case $1 in
    csv-*)
      local f="$work/ct-${1#csv-}.csv"
      [[ -f "$f" ]] || bash "$here/coortweet_rows.sh" "${1#csv-}" "$f"
      echo "$f"
      ;;
    telegram | twarc2)
      if [[ ! -f "$work/gen1m/truth.json" ]]; then
        rm -rf "$work/gen1m"
        "$(dirname "${bins[0]}")/groundswell-generate" --scale 1m --seed 1 --out "$work/gen1m" --quiet
      fi
      if [[ $1 == telegram ]]; then
        ls "$work"/gen1m/data/telegram/*/result.json
      else
        ls "$work"/gen1m/data/twitter/twarc2/*.jsonl
      fi
      ;;
    *) echo "unknown input $1" >&2; exit 1 ;;
  esac
}

echo "binary input MB records wall_s cpu_s peak_MB"
for input in "${inputs[@]}"; do
  mapfile -t files < <(files_of "$input")
  mb=$(cat "${files[@]}" | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')
  for ((i = 0; i < repeat; i++)); do
    for bin in "${bins[@]}"; do
      rm -f "$work/s.db"* "$work/s.rejects.jsonl"
      /usr/bin/time -o "$work/time" -f "%e %U %S %M" "$bin" ingest "${files[@]}" \
        --db "$work/s.db" --quiet >/dev/null 2>&1
      records=$(sqlite3 "$work/s.db" "SELECT json_extract(stats, '$.records_read') FROM runs")
      awk -v b="$(basename "$bin")" -v inp="$input" -v mb="$mb" -v n="$records" \
        '{ printf "%s %s %s %s %.2f %.2f %.0f\n", b, inp, mb, n, $1, $2 + $3, $4 / 1024 }' \
        "$work/time"
    done
  done
done
rm -f "$work/s.db"* "$work/s.rejects.jsonl"
