#!/usr/bin/env bash
# Builds the front ends (web/) into web/dist — report.js and report.css for report.html,
# serve.js and serve.css for `groundswell serve` — with the locked npm packages. Re-runs `npm ci` only when package-lock.json changed and the build
# only when a source changed, so `make build` stays fast.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
web="$repo/web"
stamp="$web/node_modules/.gs-lock-stamp"
if [[ ! -f "$stamp" ]] || ! cmp -s "$web/package-lock.json" "$stamp"; then
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$web/package-lock.json" "$stamp"
fi
for dist in "$web/dist/report.js" "$web/dist/serve.js"; do
  if [[ ! -f "$dist" ]] || [[ -n $(find "$web/src" "$web/build.mjs" "$web/package-lock.json" -newer "$dist" -print -quit) ]]; then
    (cd "$web" && npm run --silent build)
    break
  fi
done
