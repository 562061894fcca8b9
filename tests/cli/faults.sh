#!/usr/bin/env bash
# Faults outside groundswell's control (docs/architecture.md, "Faults"):
#   - a full disk, while writing outputs and while writing the store: exit code 3, an error
#     naming the file, no summary.json, no temporary left, and every output file present is
#     complete (byte-identical to the same file written with room to spare);
#   - an input file that cannot be read, folders that loop through symbolic links, a link to
#     itself, a file that grows while it is read: a warning naming the file, the rest read,
#     nothing crashes.
# The full disk is a small tmpfs when the test may mount one (root), else a file size limit
# (ulimit -f), under which a write fails with "File too large" instead.
#   tests/cli/faults.sh BINARY BUILD_DIR
set -uo pipefail
bin=$1
build=$2
source "$(dirname "$0")/lib/check.bash" faults
export SOURCE_DATE_EPOCH=1700000000

"$build/groundswell-generate" --scale small --seed 3 --out "$work/gen" --quiet
cd "$work"
"$bin" ingest gen/data --db raw.db --quiet
check "the data ingests" test -s raw.db
"$bin" report --db raw.db --out roomy --actors gen/actors.toml --quiet
check "report with room to spare" test -s roomy/report.html
total=$(du -sb roomy | cut -f1)
report_size=$(stat -c %s roomy/report.html)

mounted=""
small_fs() {  # small_fs DIR KIB: a tmpfs of KIB KiB at DIR; fails when it cannot mount
  mkdir -p "$1" && mount -t tmpfs -o "size=${2}k" tmpfs "$1" 2>/dev/null && mounted+=" $1"
}
cleanup() { for m in $mounted; do umount "$m" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT

# Every output present is whole: the same bytes as with room to spare.
complete_outputs() {  # complete_outputs DIR
  local f
  for f in $(cd "$1" && find . -type f | sort); do
    case "$f" in */.*) echo "temporary left: $f"; return 1 ;; esac
    cmp -s "$1/$f" "roomy/$f" || { echo "incomplete: $f"; return 1; }
  done
}
expect_full_disk() {  # expect_full_disk NAME DIR STATUS LOG: the promises after a failed write
  local name=$1 dir=$2 status=$3 log=$4
  check "$name: exit code 3 (got $status)" test "$status" -eq 3
  check "$name: the error names a file under $dir" grep -q "$dir/" "$log"
  check "$name: the error gives the reason" grep -q -i -E "no space left|disk is full|too large" "$log"
  check "$name: no summary.json" test ! -e "$dir/summary.json"
  check "$name: every output left is complete, no temporary" complete_outputs "$dir"
}

if small_fs full $(( (total - report_size / 2) / 1024 )); then
  echo "full disk: a tmpfs of $(( (total - report_size / 2) / 1024 )) KiB for $((total / 1024)) KiB of outputs"
  "$bin" report --db raw.db --out full --actors gen/actors.toml --quiet 2> full.log
  expect_full_disk "report on a full disk" full $? full.log
  cat full.log
  # run: the store elsewhere, the outputs on the full disk (rejects.jsonl is one of them).
  small_fs full2 $(( (total - report_size / 2) / 1024 ))
  "$bin" run gen/data --db run.db --out full2 --actors gen/actors.toml --quiet 2> full2.log
  st=$?
  check "run on a full disk: exit code 3 (got $st)" test "$st" -eq 3
  check "run on a full disk: the error names a file under full2" grep -q "full2/" full2.log
  check "run on a full disk: no summary.json" test ! -e full2/summary.json
  check "run on a full disk: no temporary left" test -z "$(find full2 -name '.*')"
  # The store on a full disk: SQLite's error, with the database's file, and a store that is
  # still consistent.
  small_fs fulldb 400
  "$bin" ingest gen/data --db fulldb/in.db --quiet 2> fulldb.log
  st=$?
  cat fulldb.log
  check "ingest on a full disk: exit code 3 (got $st)" test "$st" -eq 3
  check "ingest on a full disk: the error names the database" grep -q "fulldb/in.db" fulldb.log
  check "ingest on a full disk: the reason" grep -q -i "disk is full" fulldb.log
  check "ingest on a full disk: the store passes integrity_check" \
    test "$(sqlite3 fulldb/in.db 'PRAGMA integrity_check')" = ok
else
  limit_kib=$(( report_size / 2048 ))
  echo "full disk: cannot mount a tmpfs here; a file size limit of $limit_kib KiB instead"
  ( ulimit -f "$limit_kib" && exec "$bin" report --db raw.db --out full --actors gen/actors.toml --quiet ) 2> full.log
  expect_full_disk "report past the file size limit" full $? full.log
  cat full.log
fi

# ---- inputs that cannot be read, or loop, or change ---------------------------------------
mkdir -p loops/a/b
cp gen/data/telegram/telethon/*.jsonl loops/a/
ln -s .. loops/a/b/up          # a loop back to loops/a
ln -s ../.. loops/a/b/top      # and to loops/
ln -s self loops/a/self        # a link to itself
ln -s nowhere loops/a/dangling
"$bin" ingest loops --db loops.db 2> loops.log
check "folders that loop: ingest finishes" test $? -eq 0
cat loops.log
check "folders that loop: a warning names the loop" grep -q "loop" loops.log
check "folders that loop: a warning names the link to itself" grep -q "loops/a/self" loops.log
"$bin" ingest loops/a/*.jsonl --db plain.db --quiet
check "folders that loop: each file read once" \
  test "$(sqlite3 loops.db 'SELECT count(*) FROM files')" -eq "$(sqlite3 plain.db 'SELECT count(*) FROM files')"
check "folders that loop: the same messages" \
  test "$(sqlite3 loops.db 'SELECT count(*) FROM messages')" -eq "$(sqlite3 plain.db 'SELECT count(*) FROM messages')"
"$bin" ingest loops/a/self --db self.db 2> self.log
check "a link to itself named on the command line: exit code 1" test $? -eq 1
check "a link to itself named on the command line: the reason" grep -q -i "symbolic links" self.log

# An input the user may not read. root reads everything, so as root the command runs as
# nobody (setpriv), in folders nobody may use.
mkdir -p perm/in perm/out && chmod 755 "$work" perm perm/in && chmod 777 perm/out
cp "$(ls gen/data/telegram/telethon/*.jsonl | head -1)" perm/in/readable.jsonl
printf '{"id": 1}\n' > perm/in/secret.jsonl && chmod 000 perm/in/secret.jsonl
chmod 644 perm/in/readable.jsonl
as_user=()
if [[ $(id -u) -eq 0 ]]; then
  command -v setpriv >/dev/null && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [[ $(id -u) -ne 0 || ${#as_user[@]} -gt 0 ]]; then
  "${as_user[@]}" "$bin" ingest perm/in --db perm/out/p.db 2> perm.log
  check "an unreadable file: ingest finishes" test $? -eq 0
  cat perm.log
  check "an unreadable file: a warning names it and the reason" \
    grep -q "secret.jsonl: skipped: cannot open: Permission denied" perm.log
  check "an unreadable file: the others are read" \
    test "$(sqlite3 perm/out/p.db 'SELECT count(*) FROM messages')" -gt 0
  "${as_user[@]}" "$bin" ingest perm/in --db perm/out/s.db --strict 2> perm-strict.log
  check "an unreadable file under --strict: exit code 2" test $? -eq 2
else
  echo "an unreadable file: skipped (root without setpriv)"
fi

# A file that grows while it is read, as a download in progress does.
"$build/groundswell-synth-canonical" --messages 50000 --seed 2 > growing.jsonl
tail -1 growing.jsonl > line.jsonl
"$bin" ingest growing.jsonl --db grow.db 2> grow.log &
pid=$!
while kill -0 "$pid" 2>/dev/null; do cat line.jsonl >> growing.jsonl; done
wait "$pid"
check "a file that grows while read: ingest finishes" test $? -eq 0
check "a file that grows while read: a warning says so" grep -q "changed while it was read" grow.log
check "a file that grows while read: the store is consistent" \
  test "$(sqlite3 grow.db 'PRAGMA integrity_check')" = ok

finish faults
