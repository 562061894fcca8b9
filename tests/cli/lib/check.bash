# Shared by the command-line tests (sourced, not run): a scratch folder removed on exit, and
# check NAME COMMAND... counting what passed and failed; finish NAME prints the tally and
# fails the test if anything failed.
#   source "$(dirname "$0")/lib/check.bash" PREFIX     # scratch folder $work
work=$(mktemp -d "${TMPDIR:-/tmp}/gs-${1:-cli}.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() {  # check NAME COMMAND...: the command must succeed
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name" >&2; fi
}
finish() {  # finish NAME: the tally, and the test's exit status
  echo "$1: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
