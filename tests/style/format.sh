#!/usr/bin/env bash
# The C++ code follows .clang-format (clang-format 14, Debian 12's). Every source and header
# under src/, include/, tools/ and bench/ must be formatted, except the files listed in
# tests/style/unformatted.txt: they predate the check and are formatted when someone who is
# not racing other changes to them touches them (`clang-format -i FILE`, then remove the
# line). The list only shrinks: a listed file that is formatted, or gone, fails the check too.
#   tests/style/format.sh
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 1
fmt=${GS_CLANG_FORMAT:-clang-format}
if ! command -v "$fmt" >/dev/null; then
  echo "format: $fmt is not installed (deps/debian-packages.txt)" >&2
  exit 1
fi
mapfile -t listed < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' tests/style/unformatted.txt)
declare -A exempt=()
for f in "${listed[@]}"; do exempt[$f]=1; done
failed=0
checked=0
while IFS= read -r f; do
  checked=$((checked + 1))
  formatted=1
  "$fmt" --dry-run -Werror "$f" >/dev/null 2>&1 || formatted=0
  if [[ -n ${exempt[$f]:-} ]]; then
    if [[ $formatted -eq 1 ]]; then
      echo "FAILED: $f is formatted now: remove it from tests/style/unformatted.txt" >&2
      failed=$((failed + 1))
    fi
  elif [[ $formatted -eq 0 ]]; then
    echo "FAILED: $f is not formatted: clang-format -i $f" >&2
    failed=$((failed + 1))
  fi
done < <(find src include tools bench -name '*.cc' -o -name '*.h' | LC_ALL=C sort)
for f in "${listed[@]}"; do
  if [[ ! -f $f ]]; then
    echo "FAILED: $f is listed in tests/style/unformatted.txt but does not exist" >&2
    failed=$((failed + 1))
  fi
done
echo "format: $checked files, ${#listed[@]} not yet formatted, $failed failed"
[[ $failed -eq 0 ]]
