#!/usr/bin/env bash
# The analysis columns saved beside the store (X.db.columns, docs/schema.md): a command that
# reads them gives the same outputs, byte for byte, as one that reads the store; a damaged
# file is rebuilt; data ingested later is seen; a folder where the file cannot be written
# costs a warning, never the run.
#   tests/cli/saved_columns.sh BINARY BUILD_DIR
set -uo pipefail
bin=$1
build=$2
source "$(dirname "$0")/lib/check.bash" columns
export SOURCE_DATE_EPOCH=1700000000

"$build/groundswell-generate" --scale small --seed 3 --out "$work/gen" --quiet
"$build/groundswell-generate" --scale small --seed 4 --out "$work/gen2" --quiet
cd "$work"
"$bin" ingest gen/data --db s.db --quiet
check "ingest writes no saved columns" test ! -e s.db.columns

detect() {  # detect OUT: the detection and the estimates of the generated actors into OUT
  "$bin" report --db s.db --actors gen/actors.toml --out "$1" --quiet
}
same() { diff -r "$1" "$2" >/dev/null; }

detect from-store
check "the first load saves the columns" test -s s.db.columns
saved=$(md5sum < s.db.columns)
touch -d '2000-01-01' s.db.columns
detect from-file
check "the second load reads them and leaves the file" \
  test "$(stat -c %Y s.db.columns)" = "$(date -d '2000-01-01' +%s)"
check "outputs from the saved columns are those from the store" same from-store from-file

# A byte changed in the middle: refused, the store read again, the same file written again.
size=$(stat -c %s s.db.columns)
printf '\x5a' | dd of=s.db.columns bs=1 seek=$((size / 2)) conv=notrunc status=none
detect damaged
check "a damaged file changes no output" same from-store damaged
check "a damaged file is written again" test "$(md5sum < s.db.columns)" = "$saved"
truncate -s $((size / 3)) s.db.columns
detect truncated
check "a truncated file changes no output" same from-store truncated
check "a truncated file is written again" test "$(md5sum < s.db.columns)" = "$saved"

# More data in the same store: the next load sees it, as a load without the file does.
"$bin" ingest gen2/data --db s.db --quiet
detect more
check "data ingested later is seen" \
  test "$(wc -l < more/accounts.csv)" -gt "$(wc -l < from-store/accounts.csv)"
check "the file is saved again for the new data" test "$(md5sum < s.db.columns)" != "$saved"
rm s.db.columns
detect more-from-store
check "after an ingest, the same outputs as from the store" same more more-from-store

# A file that cannot be written: a folder in its place (not --quiet: the warning is shown).
rm s.db.columns
mkdir -p s.db.columns/in-the-way
"$bin" report --db s.db --actors gen/actors.toml --out blocked 2> blocked.log
check "a file that cannot be written does not fail the run" same more blocked
check "... and is said once" test "$(grep -c 'analysis columns not saved' blocked.log)" = 1
finish columns
