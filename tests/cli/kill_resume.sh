#!/usr/bin/env bash
# Kills `groundswell ingest` with SIGKILL in the middle of a file, re-runs it, and checks the
# database holds exactly the file's messages with no duplicates (docs/contract.md §4).
#   tests/cli/kill_resume.sh BINARY BUILD_DIR
set -euo pipefail
bin=$1
build=$2
synth="$build/groundswell-synth-canonical"
work=$(mktemp -d "${TMPDIR:-/tmp}/gs-kill.XXXXXX")
trap 'rm -rf "$work"' EXIT

n=400000
"$synth" --messages $n --seed 3 > "$work/in.jsonl"
db="$work/k.db"

"$bin" ingest "$work/in.jsonl" --db "$db" --quiet &
pid=$!
# Wait until some batches are committed, then kill without warning.
for _ in $(seq 1 200); do
  sleep 0.05
  got=$(sqlite3 "$db" "SELECT count(*) FROM messages" 2>/dev/null || echo 0)
  [[ "${got:-0}" -gt 50000 ]] && break
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
partial=$(sqlite3 "$db" "SELECT count(*) FROM messages")
echo "after kill: $partial messages"
if [[ "$partial" -ge $n ]]; then
  echo "FAIL: ingest finished before the kill; the test did not test anything" >&2
  exit 1
fi
[[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" == "ok" ]] || { echo "FAIL: integrity" >&2; exit 1; }

"$bin" ingest "$work/in.jsonl" --db "$db" --quiet
total=$(sqlite3 "$db" "SELECT count(*) FROM messages")
distinct=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT DISTINCT platform, chat_id, message_id FROM messages)")
stats=$(sqlite3 "$db" "SELECT stats FROM runs WHERE status = 'ok' ORDER BY id DESC LIMIT 1")
echo "after re-run: $total messages ($distinct distinct); last run: $stats"
[[ "$total" -eq $n ]] || { echo "FAIL: expected $n messages, found $total" >&2; exit 1; }
[[ "$distinct" -eq $n ]] || { echo "FAIL: duplicates stored" >&2; exit 1; }
# The re-run read every record again: the part stored before the kill counts as duplicates.
echo "$stats" | grep -q "\"records_read\":$n," || { echo "FAIL: records_read" >&2; exit 1; }
echo "$stats" | grep -q "\"stored\":$((n - partial))," || { echo "FAIL: stored count" >&2; exit 1; }
echo "$stats" | grep -q "\"duplicates\":$partial," || { echo "FAIL: duplicate count" >&2; exit 1; }
echo "kill_resume: 1 passed, 0 failed"
