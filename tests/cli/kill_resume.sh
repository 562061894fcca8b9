#!/usr/bin/env bash
# Kills `ingest` and `run` with SIGKILL at seeded random moments, again and again, and checks
# what docs/architecture.md ("Faults") promises:
#   - after every kill the store passes PRAGMA integrity_check, and every output file present
#     is complete: byte-identical to the same file of an uninterrupted run (files appear whole
#     or not at all; summary.json only once the run finished);
#   - running the same command again finishes the job: the store holds exactly what an
#     uninterrupted ingest stores (every row, the same ids), the run's statistics and
#     rejects file are the same, and every output of `run` is byte-identical to an
#     uninterrupted run's, with no temporary file left. (The rejects files name the run that
#     read each record, a later one after a kill: that number is left out of the comparison.)
#   tests/cli/kill_resume.sh BINARY BUILD_DIR
# GS_KILL_SEED (default 16) seeds the moments, GS_KILL_TRIALS (default 20) sets the trials per
# command; each trial kills 1 to 3 times before the final run. A kill can land after the end
# (a resumed command has less left to do), so trials go on past GS_KILL_TRIALS, up to three
# times as many, until at least that many kills landed before the end.
set -uo pipefail
bin=$1
build=$2
source "$(dirname "$0")/lib/check.bash" kill
export SOURCE_DATE_EPOCH=1700000000  # outputs carry this date: runs compare byte for byte
seed=${GS_KILL_SEED:-16}
trials=${GS_KILL_TRIALS:-20}
RANDOM=$seed
echo "kill moments seeded with $seed, $trials trials per command"

"$build/groundswell-generate" --scale small --seed 7 --out "$work/gen" --quiet
# Records that are rejected, so that rejects are resumed too.
printf '{"broken": \nnot json\n' >> "$(ls "$work/gen/data/telegram/telethon/"*.jsonl | head -1)"
# For ingest, also a file longer than one transaction (50,000 records with the
# --transaction-records the ingests below give), so that a kill can leave a file half stored.
"$build/groundswell-synth-canonical" --messages 55000 --seed 3 > "$work/long.jsonl"
cd "$work"

now_ms() { date +%s%3N; }
# The store's content in a comparable form: every message (but the files row it came from,
# which differs when an interrupted read was resumed), account and reject.
dump() {
  local cols
  cols=$(sqlite3 "$1" "SELECT group_concat(name) FROM pragma_table_info('messages') WHERE name <> 'file_id'")
  sqlite3 "$1" "SELECT $cols FROM messages ORDER BY id"
  sqlite3 "$1" "SELECT * FROM accounts ORDER BY id"
  sqlite3 "$1" "SELECT file, line, byte_offset, reason, excerpt FROM rejects ORDER BY file, byte_offset, line"
}
# A rejects file without the number of the run that read each record.
rejects() { sed -E 's/"run":[0-9]+,//' "$1"; }
last_stats() { sqlite3 "$1" "SELECT stats FROM runs WHERE status = 'ok' ORDER BY id DESC LIMIT 1"; }
integrity() { [[ ! -e "$1" ]] || [[ "$(sqlite3 "$1" 'PRAGMA integrity_check')" == "ok" ]]; }
# Starts a command in a folder and kills it after a random moment within 1.2 times its
# uninterrupted duration; appends the moment to `moments`. (RANDOM is drawn here, in this
# shell, so that the seed and the measured durations fix every moment.)
kill_at_random() {  # kill_at_random DURATION_MS FOLDER COMMAND...
  local span=$(( $1 * 12 / 10 + 1 )) dir=$2
  shift 2
  local wait_ms=$(( (RANDOM * 32768 + RANDOM) % span ))
  moments+=("$wait_ms")
  (cd "$dir" && exec "$@" > /dev/null 2>&1) &
  local pid=$!
  sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
# A command started afresh that finished before the moment it was to be killed at is quicker
# than it was when timed (the machine was busier then): later moments are drawn within that
# moment instead, so that enough kills land before the end.
shorten() {  # shorten DURATION_VAR: after a fresh start that was not interrupted
  local -n duration=$1
  local last=${moments[-1]}
  if (( last < duration )); then
    duration=$last
    echo "finished within ${last} ms: moments drawn within that from now on"
  fi
}

# ---- ingest -------------------------------------------------------------------------------
mkdir base
t0=$(now_ms)
"$bin" ingest gen/data long.jsonl --db base/in.db --transaction-records 50000 --quiet
t_ingest=$(( $(now_ms) - t0 ))
check "uninterrupted ingest" test -s base/in.db
dump base/in.db > base/in.dump
last_stats base/in.db > base/in.stats
check "the data has rejects to resume" test -s base/in.rejects.jsonl
echo "uninterrupted ingest: ${t_ingest} ms, $(sqlite3 base/in.db 'SELECT count(*) FROM messages') messages"
running="SELECT 1 FROM runs WHERE status = 'running'"  # an ingest that did not finish
ingest_ok=0
interrupted=0  # kills that landed before the command finished
trial=0
while (( trial < trials || (interrupted < trials && trial < 3 * trials) )); do
  trial=$((trial + 1))
  d="ingest-$trial"
  mkdir "$d"
  moments=()
  for k in $(seq 1 $(( 1 + RANDOM % 3 ))); do
    kill_at_random "$t_ingest" . "$bin" ingest gen/data long.jsonl --db "$d/in.db" --transaction-records 50000 --quiet
    if [[ ! -e "$d/in.db" || -n "$(sqlite3 "$d/in.db" "$running")" ]]; then
      interrupted=$((interrupted + 1))
    elif (( k == 1 )); then
      shorten t_ingest
    fi
    integrity "$d/in.db" || { echo "FAILED: trial $trial: integrity after a kill at ${moments[*]} ms"; failed=$((failed + 1)); }
  done
  "$bin" ingest gen/data long.jsonl --db "$d/in.db" --transaction-records 50000 --quiet
  if [[ $? -eq 0 ]] && cmp -s <(dump "$d/in.db") base/in.dump &&
     cmp -s <(last_stats "$d/in.db") base/in.stats &&
     cmp -s <(rejects "$d/in.rejects.jsonl") <(rejects base/in.rejects.jsonl); then
    ingest_ok=$((ingest_ok + 1))
  else
    echo "FAILED: ingest trial $trial (kills at ${moments[*]} ms): the re-run differs"
    diff <(last_stats "$d/in.db") base/in.stats | head -5
  fi
  rm -rf "$d"
done
echo "ingest: $interrupted kills before the end; $ingest_ok of $trial re-runs equal the uninterrupted ingest"
check "ingest: $ingest_ok of $trial killed and re-run ingests equal the uninterrupted one" \
  test "$ingest_ok" -eq "$trial"
check "ingest: $interrupted kills landed before the end (at least $trials)" test "$interrupted" -ge "$trials"

# ---- run ----------------------------------------------------------------------------------
# Relative paths, so that summary.json and the report name the same files in every folder.
job=("$bin" run ../gen/data --actors ../gen/actors.toml --out out --threads 2 --quiet)
run_job() { (cd "$1" && "${job[@]}"); }  # run_job FOLDER: the main job into FOLDER/out
t0=$(now_ms)
run_job base
t_run=$(( $(now_ms) - t0 ))
check "uninterrupted run" grep -q '"finished": true' base/out/summary.json
echo "uninterrupted run: ${t_run} ms"
outputs() { (cd "$1" && find . -type f ! -name 'groundswell.db*' | sort); }
# Every output file present is complete: the same bytes as the uninterrupted run's.
complete_outputs() {
  local f
  for f in $(outputs "$1/out"); do
    [[ "$f" == ./.* || "$f" == */.* ]] && continue  # a temporary being written
    if [[ "$f" == ./rejects.jsonl ]]; then
      cmp -s <(rejects "$1/out/$f") <(rejects "base/out/$f")
    else
      cmp -s "$1/out/$f" "base/out/$f"
    fi || { echo "incomplete or different: $f"; return 1; }
  done
}
run_ok=0
interrupted=0
trial=0
while (( trial < trials || (interrupted < trials && trial < 3 * trials) )); do
  trial=$((trial + 1))
  d="run-$trial"
  mkdir "$d"
  moments=()
  for k in $(seq 1 $(( 1 + RANDOM % 3 ))); do
    kill_at_random "$t_run" "$d" "${job[@]}"
    if [[ ! -e "$d/out/summary.json" ]]; then
      interrupted=$((interrupted + 1))
    elif (( k == 1 )); then
      shorten t_run
    fi
    integrity "$d/out/groundswell.db" ||
      { echo "FAILED: run trial $trial: integrity after a kill at ${moments[*]} ms"; failed=$((failed + 1)); }
    complete_outputs "$d" ||
      { echo "FAILED: run trial $trial: a half-written output after a kill at ${moments[*]} ms"; failed=$((failed + 1)); }
  done
  if run_job "$d" && diff -r -x 'groundswell.db*' -x rejects.jsonl "$d/out" base/out > "$d.diff" &&
     cmp -s <(rejects "$d/out/rejects.jsonl") <(rejects base/out/rejects.jsonl) &&
     [[ -z "$(find "$d/out" -name '.*.tmp')" ]]; then
    run_ok=$((run_ok + 1))
  else
    echo "FAILED: run trial $trial (kills at ${moments[*]} ms): the re-run differs"
    head -5 "$d.diff"
  fi
  rm -rf "$d" "$d.diff"
done
echo "run: $interrupted kills before the end; $run_ok of $trial re-runs byte-identical"
check "run: $run_ok of $trial killed and re-run jobs give byte-identical outputs" \
  test "$run_ok" -eq "$trial"
check "run: $interrupted kills landed before the end (at least $trials)" test "$interrupted" -ge "$trials"
finish kill_resume
