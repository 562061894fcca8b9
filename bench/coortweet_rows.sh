#!/usr/bin/env bash
# CooRTweet-shaped input of any size for benchmarks: CooRTweet's german_urls_input.csv (41,100
# shares, tests/data/reference/coortweet) replicated with fresh ids. Copy k (k = 0, 1, ...)
# suffixes every object, account and content id with "_k" (copy 0 keeps the originals) and
# keeps the time stamps, so the copies are disjoint networks of the same shape and detection
# finds k times the edges of the original.
#   bench/coortweet_rows.sh ROWS OUT.csv [cnt]
# With "cnt" the same rows are written in the Coordination Network Toolkit's CSV layout
# (message_id, user_id, username, repost_id, reply_id, message, timestamp, urls), the shared
# object as the repost id, for `detect --compat cnt` and the toolkit's co_retweet.
set -euo pipefail
rows=$1
out=$2
layout=${3:-coortweet}
src="$(dirname "$0")/../tests/data/reference/coortweet/german_urls_input.csv"
awk -F, -v rows="$rows" -v layout="$layout" '
  BEGIN { n = 0 }
  NR == 1 { next }
  { obj[n] = $1; acc[n] = $2; con[n] = $3; ts[n] = $4; n++ }
  END {
    if (layout == "cnt") print "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls"
    else print "object_id,account_id,content_id,timestamp_share"
    for (i = 0; i < rows; i++) {
      r = i % n; k = int(i / n); s = k ? "_" k : ""
      if (layout == "cnt")
        printf "%s%s,%s%s,%s%s,%s%s,,,%s,\n", con[r], s, acc[r], s, acc[r], s, obj[r], s, ts[r]
      else
        printf "%s%s,%s%s,%s%s,%s\n", obj[r], s, acc[r], s, con[r], s, ts[r]
    }
  }' "$src" > "$out"
