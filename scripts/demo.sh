#!/usr/bin/env bash
# make demo: generates realistic sample data with planted campaigns (Telegram Desktop
# exports, Telethon lines, twarc2 pages, an overlapping IO-archive CSV) and runs the main job
# on it. Deterministic: the same seed gives the same data and the same results.
#   scripts/demo.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
data=demo-data
out=demo-out
rm -rf "$data" "$out"
"$build/groundswell-generate" --scale demo --seed 1 --out "$data" --quiet
"$build/groundswell" run "$data/data" --actors "$data/actors.toml" --out "$out"
echo
echo "Sample data:  $data/data (what was planted: $data/truth.json)"
echo "Results:      $out/ (summary.json, accounts.csv, clusters.csv, edges.csv, support.csv, evidence/)"
if [[ -f "$out/report.html" ]]; then
  echo "Report:       $out/report.html — open it in a browser"
fi
