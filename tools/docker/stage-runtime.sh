#!/usr/bin/env bash
# Stages what the runtime image needs into one directory (default .docker-stage), which the root
# Dockerfile COPYs: package manifests, each workspace's built dist/, native addons
# (build/Release/*.node, compiled here on the host because the offline base image has no compiler),
# the image's entrypoint and healthcheck, and production node_modules. Build first (npm run build).
# Usage: stage-runtime.sh [out-dir]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$(realpath -m "${1:-$ROOT/.docker-stage}")"
APPS=(layer-store image-store container-config orchestrator engine-api)
# Not part of any running service: the test helpers (SlipwayStack) stay out of the image.
NOT_RUNTIME=(libs/testing)

fail() { echo "stage-runtime: $*" >&2; exit 1; }
for app in "${APPS[@]}"; do
  [ -f "$ROOT/apps/$app/dist/main.js" ] || fail "apps/$app/dist/main.js is missing; run 'npm run build' first"
done

rm -rf "$OUT"
mkdir -p "$OUT"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$OUT/"
cd "$ROOT"
for manifest in apps/*/package.json libs/*/package.json tools/package.json; do
  dir="$(dirname "$manifest")"
  mkdir -p "$OUT/$dir"
  cp "$manifest" "$OUT/$dir/"
  [[ " ${NOT_RUNTIME[*]} " == *" $dir "* ]] && continue
  [ -d "$dir/dist" ] && cp -R "$dir/dist" "$OUT/$dir/"
  for addon in "$dir"/build/Release/*.node; do
    [ -e "$addon" ] || continue
    mkdir -p "$OUT/$dir/build/Release"
    cp "$addon" "$OUT/$dir/build/Release/"
  done
done
mkdir -p "$OUT/tools/docker"
cp tools/docker/entrypoint.sh tools/docker/healthcheck.mjs "$OUT/tools/docker/"

# --prefer-offline, not --offline: the lockfile carries no registry URLs, so npm may need packuments.
if ! (cd "$OUT" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error) >"$OUT/npm-ci.log" 2>&1; then
  sed -e '/Clean install a project/,$d' -e '/^npm error *$/d' "$OUT/npm-ci.log" | head -20 >&2
  fail "npm ci --omit=dev in $OUT failed (above); if the lockfile is out of date, run npm install at the repo root"
fi
rm "$OUT/npm-ci.log"
echo "staged $(du -sh "$OUT" | cut -f1) into $OUT"
