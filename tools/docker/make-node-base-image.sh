#!/usr/bin/env bash
# Builds a minimal Node base image from the host's own node binary, for machines with no registry.
# The Dockerfile's BASE_IMAGE defaults to the official node:20-slim; CI and the e2e suite pass this one
# instead (--build-arg BASE_IMAGE=local/node:20). Contents: node and the libraries it links, CA
# certificates, busybox with all its applets (sh, sync, wget, nc, ...),
# users root and node (1000). Usage: make-node-base-image.sh [tag]   (default local/node:20)
set -euo pipefail
TAG="${1:-local/node:20}"
NODE_BIN="$(readlink -f "$(command -v node)")" || { echo "make-node-base-image: node is not on PATH" >&2; exit 1; }
BUSYBOX="$(command -v busybox || true)"
[ -n "$BUSYBOX" ] || { echo "make-node-base-image: busybox not found; apt-get install busybox-static" >&2; exit 1; }
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "make-node-base-image: $BUSYBOX is dynamically linked; install busybox-static" >&2; exit 1
fi
ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT

mkdir -p "$ROOT"/{usr/bin,usr/local/bin,bin,etc/ssl/certs,tmp,app,root,home/node}
chmod 1777 "$ROOT/tmp"
cp "$NODE_BIN" "$ROOT/usr/bin/node"
ldd "$NODE_BIN" | awk '/=>/ {print $3} !/=>/ && $1 ~ /^\// {print $1}' | while read -r lib; do
  [ -e "$lib" ] || continue
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/"
cp "$BUSYBOX" "$ROOT/bin/busybox"
# Every applet, as a busybox image has them: the entrypoint uses sh and id, testcontainers' port checks
# use sh/awk/grep/nc, layer-store runs `sync -f`.
for applet in $("$BUSYBOX" --list); do [ "$applet" = busybox ] || ln -s busybox "$ROOT/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$ROOT/etc/group"
printf 'hosts: files dns\n' >"$ROOT/etc/nsswitch.conf"
chown 1000:1000 "$ROOT/home/node"

tar --numeric-owner -C "$ROOT" -cf - . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'ENV NODE_ENV=production' \
  --change 'WORKDIR /app' --change 'CMD ["node"]' - "$TAG" >/dev/null
echo "built $TAG from $NODE_BIN ($(node --version))"
