#!/usr/bin/env bash
# Runs every fuzz target of a GS_FUZZ build for a bounded time (docs/testing.md) and fails
# when any of them finds an input that crashes it or breaks an invariant.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]
# Each target starts from its corpus in tests/fuzz/corpus/NAME (read only: new inputs go to a
# scratch folder), without the compressed seeds that expand past 1 MiB: they take a second or
# more per run under the sanitizers, so mutating them would spend most of a bounded run on a
# few inputs (their 8 MiB records are checked by every corpus replay, fuzz.NAME). A finding is saved as FUZZ_OUT/NAME-crash-<sha1> (FUZZ_OUT defaults to
# BUILD_DIR/fuzz-out) and printed with the command that reproduces it; once fixed, copy it
# into tests/fuzz/corpus/NAME/ so that the corpus replay test fuzz.NAME keeps it fixed.
# Targets run FUZZ_JOBS at a time (default: the number of cores).
set -uo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR [SECONDS] [TARGET...]}" && pwd)
seconds=${2:-30}
shift $(($# > 1 ? 2 : 1))
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${FUZZ_OUT:-$build/fuzz-out}
jobs=${FUZZ_JOBS:-$(nproc)}
mkdir -p "$out"
symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
[[ -n "$symbolizer" ]] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(cd "$repo/src" && ls ./*/*_fuzz.cc | xargs -n1 basename | sed 's/_fuzz\.cc$//' | sort)
fi

run_one() {  # run_one NAME: fuzz one target, log to $out/NAME.log
  local name=$1 bin="$build/${1}_fuzz" corpus="$repo/tests/fuzz/corpus/$1"
  local scratch="$out/$name-corpus" seeds="$out/$name-seeds" f magic
  mkdir -p "$scratch"
  rm -rf "$seeds" && mkdir -p "$seeds"
  for f in "$corpus"/*; do
    magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
    if [[ $magic == 1f8b* ]] && [[ $(gzip -dc "$f" 2>/dev/null | head -c 1048577 | wc -c) -gt 1048576 ]]; then continue; fi
    if [[ $magic == 28b52ffd ]] && [[ $(zstd -dc "$f" 2>/dev/null | head -c 1048577 | wc -c) -gt 1048576 ]]; then continue; fi
    cp "$f" "$seeds/"
  done
  if [[ ! -x "$bin" ]]; then
    echo "$name: no binary $bin (configure with -DGS_FUZZ=ON)" > "$out/$name.log"
    return 1
  fi
  # An input taking a minute is a hang: a few KiB take milliseconds, but a busy machine may
  # stall a run for seconds, so a shorter limit would fail at random.
  "$bin" -max_total_time="$seconds" -timeout=60 -report_slow_units=60 -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$out/$name-" "$scratch" "$seeds" > "$out/$name.log" 2>&1
}
export -f run_one
export build repo out seconds

start=$(date +%s)
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}
status=0
printf '%-18s %12s %10s %8s %s\n' target executions exec/s corpus result
for name in "${targets[@]}"; do
  log="$out/$name.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  # Crashes, invariants, leaks, timeouts and out-of-memory; not the slow-unit notes.
  finding=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | grep -v -- '-slow-unit-' | head -1)
  if [[ -n "$finding" ]] || ! grep -q '^stat::number_of_executed_units' "$log"; then
    status=1
    printf '%-18s %12s %10s %8s %s\n' "$name" "${execs:--}" "${rate:--}" "${units:--}" FINDING
    grep -a -m1 -E 'ERROR: |fuzz invariant broken|runtime error|deadly signal|no binary' "$log" | sed 's/^/    /'
    [[ -n "$finding" ]] && echo "    input: $finding (reproduce: $build/${name}_fuzz $finding)"
    echo "    log: $log"
  else
    printf '%-18s %12s %10s %8s %s\n' "$name" "$execs" "$rate" "+$units" ok
  fi
done
echo "fuzzing: ${#targets[@]} targets, ${seconds} s each, $jobs at a time, $(( $(date +%s) - start )) s"
exit $status
