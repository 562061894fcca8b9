#!/usr/bin/env bash
# What people actually save, all in one folder (tests/data/formats/realworld/input; the README
# beside it says what each file reproduces), ingested by the command line into a fresh database: every record
# is stored, a duplicate or rejected with its file, position and reason; each file without
# messages is named in a warning on stderr and in summary.json; user lookups become accounts;
# no stored message has fields of two authors; the rejects file is named after the database.
#   tests/cli/realworld.sh BINARY BUILD_DIR
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib/check.bash" realworld
dir=tests/data/formats/realworld/input
db=$work/rw.db
q() { sqlite3 "$db" "$1"; }

# Expected counts, from the fixtures (records_read counts messages and rejects; account
# records such as user lookups are counted apart):
#   api_v2_search_indented.json      3 tweets of data[]: 3 stored (includes.tweets not stored)
#   v1_status_indented.json          1 stored
#   v1_statuses_array.json           2: ...005 stored, ...002 a duplicate of the v2 tweet
#   twarc2_users.jsonl               0 (2 account records: 4001, 4010)
#   v1_users_lookup.json             0 (1 account record: 4011)
#   twarc2_counts.jsonl              2 pages: 2 rejected
#   twarc2_compliance_jobs.jsonl     not a recognised format: 1 rejected (the file)
#   twarc2_compliance_results.jsonl  not a recognised format: 1 rejected (the file)
#   twarc2_lists.jsonl               1 page of lists: 1 rejected
#   ChatExport_2024-05-02/result.json 5: events 100, 101, 103 and post 102 stored, 104 (a
#                                    member's post without from_id) rejected
#   deep_first_line.jsonl            2: line 1 rejected (nesting), line 2 stored
#   toolkit_week1.csv                2 stored; toolkit_week2.csv 1 stored (its id 1 is another
#                                    message: keys qualified by the file's name)
#   canonical_posts.jsonl            2 stored (and 1 account record)
# read 23 = stored 15 (12 messages, 3 events) + duplicates 1 + rejected 7; 14 files; warnings
# for the 4 files that hold no messages or accounts (counts, compliance jobs and results, lists).
files=14 read=23 stored=15 posts=12 events=3 duplicates=1 rejected=7
no_messages=(twarc2_counts.jsonl twarc2_compliance_jobs.jsonl twarc2_compliance_results.jsonl
  twarc2_lists.jsonl)

"$bin" ingest "$dir" --db "$db" 2>"$work/stderr"
check "ingest of the folder exits 0" test $? -eq 0
check "summary line: read = stored + duplicates + rejected" grep -qE \
  "^read $read records from $files files .*: $stored stored \($posts messages, $events events\), $duplicates duplicates .*, $rejected rejected$" \
  "$work/stderr"
check "every file's counts add up in the store" test \
  "$(q 'SELECT sum(records_read) = sum(stored) + sum(duplicates) + sum(rejected) FROM files')" = 1
check "the store holds what was read" test \
  "$(q 'SELECT sum(records_read), sum(stored), sum(duplicates), sum(rejected) FROM files')" = \
  "$read|$stored|$duplicates|$rejected"
check "messages stored" test "$(q 'SELECT count(*) FROM messages')" -eq "$stored"
check "events stored" test "$(q 'SELECT count(*) FROM messages WHERE kind = 1')" -eq "$events"

# Rejects: named after the database, each with its file, position and reason.
rejects=$work/rw.rejects.jsonl
check "rejects file named after the database" test -f "$rejects"
check "no rejects file named after the folder" test ! -e "$work/rejects.jsonl"
check "one line a rejected record" test "$(wc -l <"$rejects")" -eq "$rejected"
check "every reject names its file, position and reason" test "$(grep -cE \
  "^\{\"run\":1,\"file\":\"$dir/[^\"]+\",\"line\":[0-9]+,\"offset\":[0-9]+,\"reason\":\"[^\"]+\"" \
  "$rejects")" -eq "$rejected"
check "the store's rejects too" test \
  "$(q "SELECT count(*) FROM rejects WHERE file LIKE '$dir/%' AND line IS NOT NULL AND reason <> ''")" \
  -eq "$rejected"
has_reject() {  # has_reject FILE LINE REASON-PART
  grep -F "\"file\":\"$dir/$1\",\"line\":$2," "$rejects" | grep -qF "$3"
}
check "count pages rejected by name" \
  bash -c "$(declare -f has_reject); dir=$dir rejects=$rejects; \
    has_reject twarc2_counts.jsonl 1 'tweet counts' && has_reject twarc2_counts.jsonl 2 'tweet counts'"
check "lists page rejected by name" has_reject twarc2_lists.jsonl 1 'neither tweets nor users'
check "compliance files rejected as unrecognised" \
  bash -c "$(declare -f has_reject); dir=$dir rejects=$rejects; \
    has_reject twarc2_compliance_jobs.jsonl 0 'not a recognised format' && \
    has_reject twarc2_compliance_results.jsonl 0 'not a recognised format'"
check "pathological first line rejected alone" has_reject deep_first_line.jsonl 1 nesting
check "the good record after it is stored" test \
  "$(q "SELECT line FROM messages WHERE message_id = '1786000000000000006'")" = 2
check "a member's post without sender names the missing field" \
  bash -c "grep -F 'ChatExport_2024-05-02/result.json' '$rejects' | grep -qF \"missing required field 'from_id'\""

# Files without messages are named in warnings (stderr); user lookups are read, not warned.
check "four warnings" test "$(grep -c '^warning: ' "$work/stderr")" -eq "${#no_messages[@]}"
for f in "${no_messages[@]}"; do
  check "warning names $f" grep -qF "warning: $dir/$f: " "$work/stderr"
done
check "user lookups are not warned about" \
  bash -c "! grep -qE '^warning: .*(twarc2_users|v1_users_lookup)' '$work/stderr'"

# User lookups are accounts with creation dates and follower counts.
account() { q "SELECT created_at || '|' || followers FROM accounts WHERE platform = 'twitter' AND account_id = '$1'"; }
check "twarc2 users lookup gives an account" \
  test "$(account 4010)" = "$(($(date -u -d 2020-06-07T08:09:10Z +%s) * 1000))|23"
check "v1.1 users lookup gives an account" \
  test "$(account 4011)" = "$(($(date -u -d 2012-03-04T11:00:00Z +%s) * 1000))|31"
check "a looked-up author keeps the lookup's metadata" \
  test "$(account 4001)" = "$(($(date -u -d 2015-02-03T04:05:06Z +%s) * 1000))|1500"

# No message has fields of two authors: the toolkit's colliding id 1 is two messages, each
# with its own author, text and urls (the Python list repr read item by item).
check "the colliding toolkit ids are two messages, each its author's" test "$(q "
  SELECT group_concat(m.dataset || '|' || a.account_id || '|' || m.text || '|' || m.urls, ';')
  FROM (SELECT * FROM messages WHERE platform = 'cnt' AND message_id = '1' ORDER BY dataset) m
  JOIN accounts a ON a.id = m.account")" = \
  'toolkit_week1|501|read the bill http://a.example/bill|["http://a.example/bill","http://b.example/why"];toolkit_week2|601|a different post numbered 1|["http://c.example/other"]'
check "the tweet read from v2 and v1.1 is one message of its author, 'und' no language" \
  test "$(q "SELECT a.account_id || '|' || ifnull(m.lang, '') FROM messages m
    JOIN accounts a ON a.id = m.account WHERE m.message_id = '1786000000000000002'")" = '4002|'
check "service messages without actor_id are the chat's events" test "$(q "
  SELECT group_concat(m.message_id || ':' || a.account_id, ' ') FROM
  (SELECT * FROM messages WHERE platform = 'telegram' AND kind = 1 ORDER BY message_id) m
  JOIN accounts a ON a.id = m.account")" = \
  '100:channel1888000222 101:user7001 103:channel1888000222'

# One dataset name for both toolkit files: the second author's id 1 is refused, naming the
# first, and the first database's rejects are untouched.
"$bin" ingest "$dir/toolkit_week1.csv" "$dir/toolkit_week2.csv" --dataset toolkit \
  --db "$work/one.db" 2>"$work/one.stderr"
check "--dataset: read 3 = stored 2 + rejected 1" grep -qE \
  '^read 3 records from 2 files .*: 2 stored .*, 0 duplicates .*, 1 rejected$' "$work/one.stderr"
check "--dataset: the second author's record names the first" grep -qF \
  "toolkit_week1.csv line 2 by account '501', not '601'" "$work/one.rejects.jsonl"
check "another database's rejects are untouched" test "$(wc -l <"$rejects")" -eq "$rejected"

# The main job's summary.json carries the same counts and names the same files in warnings.
"$bin" run "$dir" --out "$work/run" --no-sensitivity --quiet
summary() { sqlite3 :memory: "SELECT json_extract(readfile('$work/run/summary.json'), '\$.input.$1')"; }
check "summary.json counts" test "$(summary records_read),$(summary stored),$(summary duplicates),$(summary rejected)" \
  = "$read,$stored,$duplicates,$rejected"
check "summary.json warnings" test "$(sqlite3 :memory: \
  "SELECT json_array_length(readfile('$work/run/summary.json'), '\$.input.warnings')")" -eq "${#no_messages[@]}"
for f in "${no_messages[@]}"; do
  check "summary.json warning names $f" grep -qF "\"$dir/$f: " "$work/run/summary.json"
done

finish realworld
