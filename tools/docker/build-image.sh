#!/usr/bin/env bash
# Builds the Slipway runtime image from the built apps (run `npm run build` first) with the classic
# builder (no buildx here). Stages into a private build context, so concurrent builds never share a
# stage dir. Usage: build-image.sh [tag] [base-image]
#   tag         default slipway/slipway:0.1.0
#   base-image  default $SLIPWAY_BASE_IMAGE, else node:20-slim (needs a registry); local/node:20 is
#               built from the host's node when missing (tools/docker/make-node-base-image.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TAG="${1:-slipway/slipway:0.1.0}"
BASE="${2:-${SLIPWAY_BASE_IMAGE:-node:20-slim}}"

if [ "$BASE" = local/node:20 ] && ! docker image inspect "$BASE" >/dev/null 2>&1; then
  bash "$ROOT/tools/docker/make-node-base-image.sh" "$BASE"
fi
CONTEXT="$(mktemp -d)"
trap 'rm -rf "$CONTEXT"' EXIT
bash "$ROOT/tools/docker/stage-runtime.sh" "$CONTEXT/.docker-stage" >/dev/null
cp "$ROOT/Dockerfile" "$ROOT/.dockerignore" "$CONTEXT/"
# Its output only matters when it fails (it always prints the legacy builder's deprecation notice).
if ! DOCKER_BUILDKIT=0 docker build --build-arg "BASE_IMAGE=$BASE" -t "$TAG" "$CONTEXT" >"$CONTEXT/build.log" 2>&1; then
  cat "$CONTEXT/build.log" >&2
  echo "build-image: docker build of $TAG (base $BASE) failed (above)" >&2
  exit 1
fi
echo "built $TAG (base $BASE)"
