#!/usr/bin/env bash
# Side by side with the peer tools on the same CooRTweet-shaped data (co-share within 60 s,
# minimum repetition 2): groundswell `ingest` + `detect --compat`, the Coordination Network
# Toolkit (preprocess + compute co_retweet) and CooRTweet (prep_data + detect_groups +
# generate_coordinated_network). A peer that is not installed is skipped, never faked.
#   bench/peers.sh BUILD_DIR [ROWS...]        (default rows: 41100 351000 3510000)
#
# Installing the peers from their public sources (neither is a Debian package):
#   Coordination Network Toolkit (Python 3):
#     python3 -m venv ~/cnt && ~/cnt/bin/pip install coordination_network_toolkit
#     export PATH=~/cnt/bin:$PATH             # provides `compute_networks`
#   CooRTweet (R >= 4.1, from CRAN):
#     apt-get install r-base-core r-cran-data.table r-cran-igraph
#     Rscript -e 'install.packages("CooRTweet", repos = "https://cloud.r-project.org")'
#
# The input of every size is CooRTweet's german_urls_input.csv replicated with fresh ids
# (bench/coortweet_rows.sh), written once in CooRTweet's layout and once in the toolkit's.
# Times are wall seconds of the whole pipeline from CSV to edge list, on whatever else the
# machine runs: run it on a quiet machine, and see bench/README.md for our figures.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
shift || true
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(41100 351000 3510000)
here=$(cd "$(dirname "$0")" && pwd)
work=${GS_BENCH_DIR:-/tmp/gs-bench}/peers
mkdir -p "$work"

seconds() {  # seconds COMMAND...: wall seconds of one command, its output discarded
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

have_cnt=0
command -v compute_networks >/dev/null 2>&1 && have_cnt=1
have_coortweet=0
command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(CooRTweet)' >/dev/null 2>&1 && have_coortweet=1
[[ $have_cnt == 1 ]] || echo "Coordination Network Toolkit not installed (compute_networks): skipped"
[[ $have_coortweet == 1 ]] || echo "CooRTweet not installed (Rscript + library(CooRTweet)): skipped"

printf '| rows | groundswell coortweet mode | groundswell cnt mode | CNT preprocess + compute | CooRTweet |\n'
printf '|---|---|---|---|---|\n'
for rows in "${sizes[@]}"; do
  ct="$work/coortweet-$rows.csv"
  cnt="$work/cnt-$rows.csv"
  [[ -f "$ct" ]] || bash "$here/coortweet_rows.sh" "$rows" "$ct"
  [[ -f "$cnt" ]] || bash "$here/coortweet_rows.sh" "$rows" "$cnt" cnt

  rm -f "$work"/gs-*.db* "$work"/gs-*.rejects.jsonl
  gs_ct=$(seconds bash -c "'$build/groundswell' ingest '$ct' --db '$work/gs-ct.db' --quiet &&
    '$build/groundswell' detect --db '$work/gs-ct.db' --compat coortweet --window 60s \
      --min-repetition 2 --out '$work/gs-ct-out' --quiet")
  gs_cnt=$(seconds bash -c "'$build/groundswell' ingest '$cnt' --db '$work/gs-cnt.db' --quiet &&
    '$build/groundswell' detect --db '$work/gs-cnt.db' --compat cnt --window 60s \
      --min-repetition 2 --out '$work/gs-cnt-out' --quiet")

  peer_cnt="skipped"
  if [[ $have_cnt == 1 ]]; then
    rm -f "$work/cnt.db"
    peer_cnt="$(seconds bash -c "compute_networks '$work/cnt.db' preprocess --format csv '$cnt' &&
      compute_networks '$work/cnt.db' compute co_retweet --time_window 60 \
        --output_file '$work/cnt-edges.csv'") s"
  fi
  peer_ct="skipped"
  if [[ $have_coortweet == 1 ]]; then
    peer_ct="$(seconds Rscript -e "
      suppressMessages(library(CooRTweet)); library(data.table)
      x <- fread('$ct', colClasses = 'character'); x[, timestamp_share := as.integer(timestamp_share)]
      r <- detect_groups(x, time_window = 60, min_participation = 2)
      g <- generate_coordinated_network(r, edge_weight = 0)") s"
  fi
  printf '| %s | %s s | %s s | %s | %s |\n' "$rows" "$gs_ct" "$gs_cnt" "$peer_cnt" "$peer_ct"
done
