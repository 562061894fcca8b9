#!/usr/bin/env bash
# Benchmarks that produce the figures in bench/README.md. Not part of `make test`.
#   bench/run.sh BUILD_DIR [ingest|detect|text|signals|e2e|all]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
what=${2:-all}
work=${GS_BENCH_DIR:-/tmp/gs-bench}
mkdir -p "$work"

measure() {  # measure LABEL COMMAND...: wall, CPU and peak memory of one command
  local label=$1
  shift
  /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, %M kB peak RSS" "$@" >/dev/null
}

ingest_bench() {
  # End-to-end ingest of generated canonical JSON lines; memory must stay flat as files grow.
  for n in 220000 2200000; do
    f="$work/canonical-$n.jsonl"
    [[ -f "$f" ]] || "$build/groundswell-synth-canonical" --messages $n --seed 1 > "$f"
    size=$(stat -c %s "$f")
    rm -f "$work/ingest.db"*
    start=$(date +%s.%N)
    measure "ingest $((size / 1000000)) MB ($n records)" \
      "$build/groundswell" ingest "$f" --db "$work/ingest.db" --quiet
    end=$(date +%s.%N)
    awk -v s="$size" -v n="$n" -v a="$start" -v b="$end" \
      'BEGIN { printf "  %.1f MB/s, %.0f records/s (wall)\n", s / (b - a) / 1e6, n / (b - a) }'
  done
}

case "$what" in
  ingest) ingest_bench ;;
  detect) "$build/detect_coortweet_benchmark"; "$build/detect_shares_benchmark" ;;
  text) "$build/text_near_duplicate_benchmark" --messages 1000000 --brute 50000 ;;
  signals)
    # Every account's signals on a generated store (GS_BENCH_STORE to use a store of your own).
    if [[ -z "${GS_BENCH_STORE:-}" ]]; then
      [[ -f "$work/gen-signals/done" ]] || {
        rm -rf "$work/gen-signals"
        "$build/groundswell-generate" --scale 1m --seed 1 --out "$work/gen-signals" --quiet
        "$build/groundswell" ingest "$work/gen-signals/data" --db "$work/gen-signals/gs.db" --quiet
        touch "$work/gen-signals/done"
      }
      export GS_BENCH_STORE="$work/gen-signals/gs.db"
    fi
    "$build/signals_benchmark"
    ;;
  e2e)
    # GS_BENCH_SCALES="1m 10m" for both (10m: 15 GB of input, about 20 minutes in all).
    for scale in ${GS_BENCH_SCALES:-1m}; do
      rm -rf "$work/gen-$scale"
      "$build/groundswell-generate" --scale $scale --seed 1 --out "$work/gen-$scale" --quiet
      measure "run $scale" "$build/groundswell" run "$work/gen-$scale/data" \
        --actors "$work/gen-$scale/actors.toml" --out "$work/gen-$scale/out"
      "$build/groundswell" eval --truth "$work/gen-$scale/truth.json" --out "$work/gen-$scale/out"
    done
    ;;
  all) ingest_bench ;;
  *) echo "unknown benchmark $what" >&2; exit 1 ;;
esac
