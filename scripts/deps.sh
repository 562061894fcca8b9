#!/usr/bin/env bash
# Installs groundswell's build and test dependencies from Debian's packages
# (deps/debian-packages.txt) and, when missing, Node.js for building the report front end.
# Idempotent and quiet when everything is present. Runs apt-get as root, or through sudo.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$repo/deps/debian-packages.txt")
command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)

missing=()
for pkg in "${wanted[@]}"; do
  pkg=$(echo "$pkg" | xargs)
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
