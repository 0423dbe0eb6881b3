#!/usr/bin/env bash
# Builds the golden test image golden:1 with the local dockerd from tools/golden/context (FROM bb:latest, a
# busybox-static rootfs imported as one layer; what tools/golden/dockerd-20.10 captured). Optionally saves it.
# Usage: tools/golden/build-golden-image.sh [archive.tar]   (needs docker and busybox-static)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CONTEXT="$ROOT/tools/golden/context"
OUT="${1:-}"
[ -x /bin/busybox ] || { echo "build-golden-image: /bin/busybox missing; apt-get install busybox-static" >&2; exit 1; }
if ! docker image inspect bb:latest >/dev/null 2>&1; then
  rootfs="$(mktemp -d)"; trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/bin"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in sh cat echo mkdir; do ln -s busybox "$rootfs/bin/$applet"; done
  tar --numeric-owner -C "$rootfs" -cf - . | docker import - bb:latest >/dev/null
fi
if ! docker image inspect golden:1 >/dev/null 2>&1; then
  DOCKER_BUILDKIT=0 docker build -q -t golden:1 "$CONTEXT" >/dev/null 2>&1 ||
    DOCKER_BUILDKIT=0 docker build -t golden:1 "$CONTEXT"
fi
if [ -n "$OUT" ]; then
  mkdir -p "$(dirname "$OUT")"
  docker save golden:1 -o "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
fi
