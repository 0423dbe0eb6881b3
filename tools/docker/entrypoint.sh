#!/bin/sh
# The image's entrypoint: runs one Slipway app, named by the first argument; the rest are its flags.
#   docker run --user 0 slipway/slipway:0.1.0 layer-store [--data-root ...]
# exec, so the app is PID 1 and receives SIGTERM itself (it drains, then exits 0).
set -eu
usage="usage: <image> layer-store|image-store|container-config|orchestrator|engine-api [flags]"
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
app="$1"
shift
case "$app" in
  # The stores write the shared data root, and what they write must be root:root like dockerd's own
  # files (a stock dockerd adopts it later); layer-store also chowns layer files to their tar owners
  # and makes whiteout device nodes.
  layer-store | image-store | container-config)
    if [ "$(id -u)" != 0 ]; then
      echo "slipway: $app writes the data root as root:root, like dockerd; run it as root (--user 0)" >&2
      exit 2
    fi
    ;;
  orchestrator | engine-api) ;;
  *) echo "slipway: unknown app '$app'; $usage" >&2; exit 2 ;;
esac
# --no-memory-reducer: the V8 flags of every app process (why: NODE_FLAGS in tools/src/stack/apps.ts).
exec node --no-memory-reducer "/app/apps/$app/dist/main.js" "$@"
