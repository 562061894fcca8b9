#!/usr/bin/env bash
# --pseudonymize end to end (docs/privacy.md): no raw account id or handle in any file of the
# output folder (database export and report included), the raw store outside it, the same
# detection as without pseudonymization, byte-identical outputs for the same key whether it
# comes from the command line, a key file or the environment, other pseudonyms for another
# key, the key itself nowhere, and an export that `report` can read.
#   tests/cli/pseudonymize.sh BINARY BUILD_DIR
set -uo pipefail
bin=$1
build=$2
source "$(dirname "$0")/lib/check.bash" pseudo
# Outputs carry the date of their run; a fixed date lets runs be compared byte for byte.
export SOURCE_DATE_EPOCH=1700000000
# Two queries of one store run side by side below (process substitutions): the first to open a
# store in WAL mode may hold a lock a moment, and the shell gives up at once without a timeout.
sqlite3() { command sqlite3 -cmd '.timeout 10000' "$@"; }

key='k3y-Which-Must-Not-Leak'
"$build/groundswell-generate" --scale small --seed 5 --out "$work/gen" --quiet
# A broken record whose raw bytes name an account: its excerpt must not be published.
handle=$(grep -o '@[A-Za-z][A-Za-z0-9_]\{4,\}' "$work/gen/data/twitter/twarc2/"*.jsonl | head -1)
printf '{"broken": "%s\n' "$handle" >> "$(ls "$work/gen/data/twitter/twarc2/"*.jsonl | head -1)"
data=("$work/gen/data" --actors "$work/gen/actors.toml" --threads 2 --quiet)

"$bin" run "${data[@]}" --out "$work/p1" --pseudonymize "$key"
check "pseudonymized run succeeds" test -s "$work/p1/summary.json"
check "raw store beside the output folder, not in it" test -s "$work/p1.private/groundswell.db"
check "raw rejects kept privately" grep -qF "$handle" "$work/p1.private/groundswell.rejects.jsonl"
check "the published database is an export" \
  bash -c "sqlite3 '$work/p1/groundswell.db' \"SELECT parameters FROM runs WHERE command = 'export'\" | grep -q '\"pseudonymized\":true'"
check "summary records the key fingerprint" grep -q '"key_fingerprint"' "$work/p1/summary.json"
check "accounts.csv has pseudonyms" bash -c "sed -n 2p '$work/p1/accounts.csv' | grep -q ',a_[0-9a-f]\{20\},'"
check "rejects.jsonl keeps the record's place, withholds the excerpt" \
  bash -c "grep -q '\"line\"' '$work/p1/rejects.jsonl' && grep -q 'withheld' '$work/p1/rejects.jsonl'"

# Every raw id, chat id and handle of 5+ characters, from the raw store.
raw="$work/p1.private/groundswell.db"
# Hashtags are topics, kept by design, and one may spell a party's handle (#GreenHorizon):
# names that are also hashtags are only looked for as @mentions.
sqlite3 "$raw" "SELECT account_id FROM accounts UNION SELECT ltrim(handle, '@') FROM accounts
                UNION SELECT chat_id FROM messages" | awk 'length($0) >= 5' | sort -u > "$work/all-names"
sqlite3 "$raw" "SELECT DISTINCT value FROM messages, json_each(messages.hashtags)
                WHERE messages.hashtags IS NOT NULL" | sort -u > "$work/hashtags"
comm -23 "$work/all-names" "$work/hashtags" > "$work/names"
check "the raw store has names to look for" test "$(wc -l < "$work/names")" -gt 100
# The published text: every file, the database's SQL dump and its raw bytes (free pages).
published() {
  find "$1" -type f ! -name '*.db' -print0 | xargs -0 cat
  sqlite3 "$1/groundswell.db" .dump
  strings -n 5 "$1/groundswell.db"
}
published "$work/p1" | sed -E 's/#[A-Za-z0-9_]+//g' > "$work/p1.text"
leaks=$(grep -o -w -F -f "$work/names" "$work/p1.text" | sort -u | head -5)
check "no raw id or handle in the output folder (found: $leaks)" test -z "$leaks"
mentions=$(grep -o -i -w -F -f <(sed 's/^/@/' "$work/all-names") "$work/p1.text" | sort -u | head -5)
check "no @mention of a raw handle in any letter case (found: $mentions)" test -z "$mentions"
check "the raw store does hold them (the check can fail)" \
  bash -c "sqlite3 '$raw' .dump | grep -q -w -F -f '$work/names'"
check "the key appears nowhere in the output folder" \
  bash -c "! grep -r -a -q -F '$key' '$work/p1' && ! grep -q -F '$key' '$work/p1.text'"
# A mention in text becomes the mentioned account's handle pseudonym: as many mentioned
# accounts are recognisable after as before.
lower() { tr 'A-Z' 'a-z'; }
raw_mentioned=$(comm -12 \
  <(sqlite3 "$raw" "SELECT text FROM messages" | grep -o '@[A-Za-z0-9_]\+' | sed 's/@//' | lower | sort -u) \
  <(sqlite3 "$raw" "SELECT handle FROM accounts WHERE handle IS NOT NULL" | sed 's/@//' | lower | sort -u) | wc -l)
pseudo_mentioned=$(comm -12 \
  <(sqlite3 "$work/p1/groundswell.db" "SELECT text FROM messages" | grep -o '@h_[0-9a-f]\{20\}' | sed 's/@//' | sort -u) \
  <(tail -n +2 "$work/p1/accounts.csv" | cut -d, -f3 | grep . | sort -u) | wc -l)
check "mentions equal the handle pseudonyms ($raw_mentioned raw, $pseudo_mentioned pseudonymized)" \
  test "$raw_mentioned" -gt 0 -a "$raw_mentioned" -eq "$pseudo_mentioned"
# An unkeyed content digest would confirm a guessed raw account id for a message.
check "message digests in the export are keyed" test -z "$(comm -12 \
  <(sqlite3 "$raw" "SELECT digest FROM messages" | sort) \
  <(sqlite3 "$work/p1/groundswell.db" "SELECT digest FROM messages" | sort) | head -1)"
check "report.html shows pseudonyms" grep -q '"a_[0-9a-f]\{20\}"' "$work/p1/report.html"
check "contributors.csv names accounts by pseudonym" \
  bash -c "tail -n +2 '$work/p1/contributors.csv' | cut -d, -f5 | grep -q '^a_[0-9a-f]\{20\}\$'"

# Same detection as without pseudonymization.
"$bin" run "${data[@]}" --out "$work/plain"
check "plain run succeeds" test -s "$work/plain/summary.json"
for f in edges.csv clusters.csv accounts.csv; do
  check "$f has as many rows as without --pseudonymize" \
    test "$(wc -l < "$work/p1/$f")" -eq "$(wc -l < "$work/plain/$f")"
done
sizes() { cut -d, -f1-3 "$1/clusters.csv"; }
check "clusters have the same ids, sizes and messages" diff <(sizes "$work/p1") <(sizes "$work/plain")
check "summary detection and actors blocks identical" \
  diff <(grep -v -e '"database"' -e 'pseudonym' -e 'key_fingerprint' "$work/p1/summary.json" | grep -v '^  },\?$' | grep -v '^}$') \
       <(grep -v '"database"' "$work/plain/summary.json" | grep -v '^  },\?$' | grep -v '^}$')
check "support.csv identical" cmp -s "$work/p1/support.csv" "$work/plain/support.csv"
# Undirected edges stay oriented in byte order of the pseudonyms.
check "edges.csv has source < target" \
  bash -c "tail -n +2 '$work/p1/edges.csv' | LC_ALL=C awk -F, '\$1 >= \$2 { bad = 1 } END { exit bad }'"

# Same key, here from a file only its owner can read: byte-identical outputs, whatever else
# differs between the runs.
printf '%s\n' "$key" > "$work/key" && chmod 600 "$work/key"
"$bin" run "$work/gen/data" --actors "$work/gen/actors.toml" --threads 2 --out "$work/p2" \
  --pseudonymize-key-file "$work/key" 2> "$work/p2.log"
check "the log says where the key came from" grep -q "key from --pseudonymize-key-file" "$work/p2.log"
check "the log never shows the key" bash -c "! grep -q -F '$key' '$work/p2.log'"
check "no warning for a private key file" bash -c "! grep -qi 'warn' '$work/p2.log'"
check "key file and key on the command line exclude each other" \
  bash -c "! '$bin' run '$work/gen/data' --out '$work/p9' --pseudonymize x \
             --pseudonymize-key-file '$work/key' 2>/dev/null"
for f in accounts.csv clusters.csv edges.csv network.gexf network.graphml report.html \
         support.csv sensitivity.csv contributors.csv rejects.jsonl; do
  check "$f identical for the same key" cmp -s "$work/p1/$f" "$work/p2/$f"
done
check "evidence identical for the same key" diff -r "$work/p1/evidence" "$work/p2/evidence"
check "database accounts identical for the same key" \
  cmp -s <(sqlite3 "$work/p1/groundswell.db" "SELECT * FROM accounts ORDER BY id") \
         <(sqlite3 "$work/p2/groundswell.db" "SELECT * FROM accounts ORDER BY id")

# Another key: other pseudonyms.
"$bin" run "${data[@]}" --out "$work/p3" --pseudonymize "another-key"
ids() { tail -n +2 "$1/accounts.csv" | cut -d, -f2 | sort; }
check "another key gives other account pseudonyms" \
  test -z "$(comm -12 <(ids "$work/p1") <(ids "$work/p3"))"

# The export is a usable store: report reads it without the key and shows pseudonyms.
"$bin" report --db "$work/p1/groundswell.db" --out "$work/r" --quiet
check "report from the export succeeds" test -s "$work/r/report.html"
check "report from the export shows the same pseudonyms" \
  test -z "$(comm -3 <(ids "$work/p1") <(ids "$work/r"))"
# report from the raw store with the key in the environment: same pseudonyms as run, and an
# export.
GROUNDSWELL_PSEUDONYM_KEY="$key" "$bin" report --db "$raw" --out "$work/rp" --quiet
check "report with the key in the environment writes an export" test -s "$work/rp/groundswell.db"
check "report with the key in the environment gives run's accounts.csv" \
  cmp -s "$work/p1/accounts.csv" "$work/rp/accounts.csv"
check "report with the key in the environment gives run's report.html" \
  cmp -s "$work/p1/report.html" "$work/rp/report.html"
check "detect without --out ignores a key in the environment" \
  env GROUNDSWELL_PSEUDONYM_KEY="$key" "$bin" detect --db "$raw" --quiet
# A raw database in the output folder is never overwritten by an export.
"$bin" run "${data[@]}" --out "$work/plain" --pseudonymize "$key" 2>/dev/null
check "refuses to replace a raw store in --out" test $? -ne 0
check "the raw store in --out is untouched" \
  bash -c "sqlite3 '$work/plain/groundswell.db' .dump | grep -q -w -F -f '$work/names'"
# Nor are raw records ingested into an export.
"$bin" run "${data[@]}" --out "$work/p1" 2>/dev/null
check "refuses to ingest raw records into an export" test $? -ne 0
check "the export stays free of raw names" \
  bash -c "! sqlite3 '$work/p1/groundswell.db' .dump | grep -q -w -F -f '$work/names'"

finish pseudonymize
