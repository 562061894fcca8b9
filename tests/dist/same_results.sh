#!/usr/bin/env bash
# The main job under mpirun on 1, 2 and 3 processes gives the same files, byte for byte, as
# one process without mpirun (docs/distributed.md). Three processes on a two-core machine are
# oversubscribed; CI runs as root, which Open MPI refuses unless told otherwise.
#   tests/dist/same_results.sh BINARY BUILD_DIR MPIEXEC
set -uo pipefail
bin=$1
build=$2
mpiexec=$3
source "$(dirname "$0")/../cli/lib/check.bash" dist
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# Shared memory between the processes of one machine without the ptrace-based single copy,
# which containers usually forbid.
export OMPI_MCA_btl_vader_single_copy_mechanism=none

"$build/groundswell-generate" --scale small --seed 5 --out "$work/gen" --quiet
# SOURCE_DATE_EPOCH fixes the date the outputs carry, so runs can be compared byte for byte.
export SOURCE_DATE_EPOCH=1700000000
run=(run "$work/gen/data" --actors "$work/gen/actors.toml" --quiet)
"$bin" "${run[@]}" --out "$work/one"
check "one process writes the outputs" test -s "$work/one/summary.json"
check "one process finds clusters" test "$(wc -l < "$work/one/clusters.csv")" -gt 1

for np in 1 2 3; do
  "$mpiexec" --bind-to none -np "$np" "$bin" "${run[@]}" --out "$work/np$np"
  check "mpirun -np $np succeeds" test -s "$work/np$np/summary.json"
  for f in accounts.csv clusters.csv edges.csv network.gexf network.graphml report.html \
           support.csv sensitivity.csv rejects.jsonl; do
    check "$f identical at -np $np" cmp -s "$work/one/$f" "$work/np$np/$f"
  done
  check "summary identical at -np $np but for the database path" \
    bash -c "diff <(grep -v '\"database\"' '$work/one/summary.json') <(grep -v '\"database\"' '$work/np$np/summary.json') >/dev/null"
  check "evidence identical at -np $np" diff -r "$work/one/evidence" "$work/np$np/evidence"
done

# detect on the stored data, alone and on two processes.
"$bin" detect --db "$work/one/groundswell.db" --out "$work/d1" --quiet
"$mpiexec" -np 2 "$bin" detect --db "$work/one/groundswell.db" --out "$work/d2" --quiet
for f in edges.csv clusters.csv accounts.csv; do
  check "detect: $f identical at -np 2" cmp -s "$work/d1/$f" "$work/d2/$f"
done
finish dist
