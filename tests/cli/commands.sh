#!/usr/bin/env bash
# The command line as a user meets it: the main job on the peer tools' data, exit codes,
# --help with defaults, formats, inspect, JSON logs.
#   tests/cli/commands.sh BINARY BUILD_DIR
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib/check.bash" cli
exit_code() {  # exit_code EXPECTED COMMAND...
  local want=$1
  shift
  "$@" >/dev/null 2>&1
  [[ $? -eq $want ]]
}

# The issue's acceptance: run on CNT's test input gives a summary with 15 messages.
"$bin" run tests/data/reference/cnt/coretweet_test_input.csv --out "$work/o" --quiet
check "run writes summary.json" test -s "$work/o/summary.json"
check "summary counts 15 messages" grep -q '"messages": 15,' "$work/o/summary.json"
check "summary records_read" grep -q '"records_read": 15,' "$work/o/summary.json"
check "database written" test -s "$work/o/groundswell.db"
check "rejects.jsonl written (empty)" test -f "$work/o/rejects.jsonl"
# Without actors the run still re-detects at neighbouring settings for the report.
check "summary has detection sensitivity without actors" \
  bash -c "grep -q '\"detection_sensitivity\"' '$work/o/summary.json' && grep -q '\"parameter\": \"min_repetition\"' '$work/o/summary.json'"
"$bin" run tests/data/reference/cnt/coretweet_test_input.csv --out "$work/o2" --no-sensitivity --quiet
check "--no-sensitivity leaves it out" bash -c "! grep -q detection_sensitivity '$work/o2/summary.json'"

# Exit codes of docs/contract.md §6.
check "usage error exits 1" exit_code 1 "$bin" run
check "unknown option exits 1" exit_code 1 "$bin" ingest x --db y --no-such-option
check "missing input exits 1" exit_code 1 "$bin" ingest "$work/missing.csv" --db "$work/m.db"
printf 'message_id,account_id,time\n1,a,1709287200\n2,a,not-a-time\n' > "$work/bad.csv"
check "reject without --strict exits 0" exit_code 0 "$bin" ingest "$work/bad.csv" --db "$work/b.db" --quiet
check "reject with --strict exits 2" exit_code 2 "$bin" ingest "$work/bad.csv" --db "$work/b2.db" --strict --quiet
check "bad --tz exits 1" exit_code 1 "$bin" ingest "$work/bad.csv" --db "$work/b3.db" --tz Mars
check "--fdr 1 exits 1" exit_code 1 "$bin" detect --db "$work/o/groundswell.db" --fdr 1
check "--fdr 1 is refused with the library's reason" \
  bash -c "'$bin' detect --db '$work/o/groundswell.db' --fdr 1 2>&1 | grep -q 'fdr must be in (0, 1)'"
check "--slow-windows out of order is refused with the library's reason" \
  bash -c "'$bin' detect --db '$work/o/groundswell.db' --slow-windows 30m,10m 2>&1 | grep -q 'slow_windows must be increasing'"
check "--slow-windows none is accepted" exit_code 0 "$bin" detect --db "$work/o/groundswell.db" --slow-windows none --quiet
check "an unknown --supporters definition is refused before any work" \
  bash -c "'$bin' run '$work/bad.csv' --out '$work/sup' --supporters likes 2>&1 | grep -q \"unknown definition 'likes'\" && test ! -e '$work/sup/groundswell.db'"
check "--fdr 0.99 is accepted" exit_code 0 "$bin" detect --db "$work/o/groundswell.db" --fdr 0.99 --quiet
# Rejects belong to the database: two databases in one folder keep their own files, and a
# second ingest into the same database keeps the first run's rejects (of another file: a file
# read again replaces its own).
check "ingest names its rejects file after the database" \
  bash -c "grep -q 'not-a-time' '$work/b.rejects.jsonl' && grep -q 'not-a-time' '$work/b2.rejects.jsonl'"
cp "$work/bad.csv" "$work/bad2.csv"
"$bin" ingest "$work/bad2.csv" --db "$work/b.db" --quiet --dataset again
check "a second ingest keeps the first run's rejects" \
  bash -c "[[ \$(grep -c 'not-a-time' '$work/b.rejects.jsonl') -eq 2 ]] && grep -q '\"run\":1' '$work/b.rejects.jsonl'"
"$bin" ingest "$work/bad.csv" --db "$work/b.db" --quiet
check "a file read again replaces its own rejects" \
  bash -c "[[ \$(grep -c 'not-a-time' '$work/b.rejects.jsonl') -eq 2 ]] && grep -q '\"run\":3' '$work/b.rejects.jsonl' && ! grep -q '\"run\":1' '$work/b.rejects.jsonl'"
check "another database's rejects are untouched" \
  bash -c "[[ \$(grep -c 'not-a-time' '$work/b2.rejects.jsonl') -eq 1 ]]"
echo "not a database" > "$work/notdb.db"
check "a file that is not a database exits 1" exit_code 1 "$bin" inspect --db "$work/notdb.db"
check "a file that is not a database is named in the error" \
  bash -c "'$bin' inspect --db '$work/notdb.db' 2>&1 | grep -q 'notdb.db.*is not a groundswell database'"

# Help shows defaults; formats lists every format of docs/contract.md §2.
check "--help shows defaults" bash -c "'$bin' ingest --help | grep -q 'UTC'"
for f in telegram-export telethon telegram-csv twitter-io twitter-v2 twitter-v1 coortweet cnt canonical; do
  check "formats lists $f" bash -c "'$bin' formats | grep -q '^$f '"
done
check "inspect shows counts" bash -c "'$bin' inspect --db '$work/o/groundswell.db' | grep -q 'messages *15'"
check "json logs are JSON lines" bash -c \
  "'$bin' ingest '$work/bad.csv' --db '$work/j.db' --log-format json 2>&1 >/dev/null | head -1 | grep -q '^{\"level\":'"

finish commands
