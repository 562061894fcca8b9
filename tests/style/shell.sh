#!/usr/bin/env bash
# Shell scripts whose line continuations end a command early: a line ending in a backslash
# followed by a blank line, a comment or a new `check` makes the continued command end there,
# so a check can run without the command it was meant to assert (tests/cli/lib/check.bash).
# Also every check must name a command: `check "name"` alone asserts nothing.
#   tests/style/shell.sh
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 1
failed=0
scripts=0
while IFS= read -r f; do
  scripts=$((scripts + 1))
  while IFS= read -r hit; do
    echo "FAILED: $f:$hit" >&2
    failed=$((failed + 1))
  done < <(awk '
    prev ~ /\\$/ && ($0 ~ /^[[:space:]]*$/ || $0 ~ /^[[:space:]]*#/ || $0 ~ /^[[:space:]]*check[[:space:]]/) {
      print NR - 1 ": a line continuation runs into \"" $0 "\""
    }
    $0 ~ /^[[:space:]]*check[[:space:]]+"[^"]*"[[:space:]]*$/ { print NR ": a check without a command" }
    { prev = $0 }' "$f")
done < <(find tests scripts bench .ci -type f \( -name '*.sh' -o -name '*.bash' -o -name run \) | LC_ALL=C sort)
echo "shell: $scripts scripts, $failed failed"
[[ $failed -eq 0 ]]
