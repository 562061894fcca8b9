#!/usr/bin/env bash
# Distributed runs (docs/distributed.md): generated data at one scale, ingested once, then
# detect and the main job at each process count, with wall time, CPU and peak memory per
# rank, the bytes detection exchanged, and a byte-for-byte check of the outputs against one
# process.
#   bench/distributed.sh BUILD_DIR [SCALE] [PROCESS COUNTS]     e.g. build 1m "1 2 4"
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
scale=${2:-1m}
counts=${3:-1 2}
work=${GS_BENCH_DIR:-/tmp/gs-bench}/dist-$scale
mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export SOURCE_DATE_EPOCH=1700000000

[[ -f "$work/gen/truth.json" ]] ||
  "$build/groundswell-generate" --scale "$scale" --seed 1 --out "$work/gen" --quiet
[[ -f "$work/store.db" ]] ||
  "$build/groundswell" ingest "$work/gen/data" --db "$work/store.db" --quiet

# Each rank under /usr/bin/time: its wall, CPU and peak RSS, labelled with its rank.
per_rank() {  # per_rank LABEL NP COMMAND...
  local label=$1 np=$2
  shift 2
  mpirun --bind-to none -np "$np" bash -c 'exec /usr/bin/time -f "'"$label"' rank ${OMPI_COMM_WORLD_RANK}: %e s wall, %U s user, %S s sys, %M kB peak RSS" "$@"' _ "$@"
}

for np in $counts; do
  rm -rf "$work/detect-$np" "$work/run-$np"
  echo "== $np process(es)"
  per_rank "detect np=$np" "$np" "$build/groundswell" detect --db "$work/store.db" \
    --out "$work/detect-$np" --threads 1 2>&1 | grep -E "rank [0-9]+:|sent|peak memory by rank|^.*detection [0-9.]+ s" || true
  per_rank "run np=$np" "$np" "$build/groundswell" run "$work/gen/data" \
    --actors "$work/gen/actors.toml" --out "$work/run-$np" --threads 1 2>&1 |
    grep -E "rank [0-9]+:|sent|peak memory by rank|(loading|signals|detection|sensitivity.*|estimation|report) [0-9.]+ s" || true
  for f in edges.csv clusters.csv accounts.csv; do
    cmp -s "$work/detect-1/$f" "$work/detect-$np/$f" || echo "DIFFERENT: detect $f at np=$np"
  done
  for f in edges.csv clusters.csv accounts.csv support.csv sensitivity.csv report.html; do
    cmp -s "$work/run-1/$f" "$work/run-$np/$f" || echo "DIFFERENT: run $f at np=$np"
  done
done
