# One runtime image for all five Slipway apps; the command names the app:
#   docker run --user 0 -v "$PWD/.slipway/certs/ca.crt:/etc/slipway/tls/ca.crt:ro" \
#     -v "$PWD/.slipway/certs/layer-store.crt:/etc/slipway/tls/layer-store.crt:ro" \
#     -v "$PWD/.slipway/certs/layer-store.key:/etc/slipway/tls/layer-store.key:ro" slipway/slipway:0.1.0 layer-store
# (certificates from `npx slipway certs --out .slipway/certs`: each app gets the CA certificate and its
# own pair, never another app's key; see TLS below).
#
# Build (classic builder; there is no buildx on our machines):
#   npm run build && bash tools/docker/stage-runtime.sh      # or: npm run docker:build
#   DOCKER_BUILDKIT=0 docker build -t slipway/slipway:0.1.0 [--build-arg BASE_IMAGE=local/node:20] .
#
# Single stage on purpose: the apps and the native addons (libs/durable-fs, libs/layer-tar) are compiled on
# the host and staged with production-only node_modules into .docker-stage/ (the only thing .dockerignore
# lets through), because the offline base image (tools/docker/make-node-base-image.sh) carries node and
# busybox but neither npm nor a compiler. The host and both bases are glibc (Debian 12 / bookworm), so
# the host-built addons load in either.
ARG BASE_IMAGE=node:20-slim
FROM ${BASE_IMAGE}

# TLS: the apps run in separate containers and talk over the network, so each gRPC app binds TCP, and
# Slipway speaks TCP only with mutual TLS 1.3. SLIPWAY_TLS_DIR is where an app finds ca.crt, <app>.crt
# and <app>.key (the key 0600 and owned by the app's user); engine-api's TCP listener
# (SLIPWAY_ENGINE_API_TCP, port 2376 in compose) takes its certificates from there as well. An app without
# its files there refuses to start, naming the missing one. To run an app on unix sockets only, set
# SLIPWAY_<APP>_BIND=unix:/run/slipway/<app>.sock and SLIPWAY_TLS_DIR= (empty).
# MALLOC_*: glibc keeps large buffers for reuse (why: MALLOC_TUNING in tools/src/stack/apps.ts).
ENV NODE_ENV=production \
    SLIPWAY_DATA_ROOT=/var/lib/slipway \
    SLIPWAY_RUN_ROOT=/run/slipway \
    SLIPWAY_TLS_DIR=/etc/slipway/tls \
    SLIPWAY_LAYER_STORE_BIND=0.0.0.0:7701 \
    SLIPWAY_IMAGE_STORE_BIND=0.0.0.0:7702 \
    SLIPWAY_CONTAINER_CONFIG_BIND=0.0.0.0:7703 \
    SLIPWAY_ORCHESTRATOR_BIND=0.0.0.0:7704 \
    MALLOC_MMAP_THRESHOLD_=16777216 \
    MALLOC_TRIM_THRESHOLD_=33554432 \
    MALLOC_ARENA_MAX=1

WORKDIR /app
# Owned by root and read-only to the apps.
COPY .docker-stage/ /app/

# gRPC over mutual TLS: layer-store 7701, image-store 7702, container-config 7703, orchestrator 7704;
# engine-api listens on $SLIPWAY_RUN_ROOT/docker.sock and, when SLIPWAY_ENGINE_API_TCP is set, on TCP
# (HTTPS with client certificates, Docker's TLS port 2376).
EXPOSE 7701 7702 7703 7704 2376

# Who runs as what (the uid story):
# - layer-store, image-store, container-config run as root (--user 0). They write the shared data root
#   and a stock dockerd later adopts it, so every file must be root:root with dockerd's modes (the
#   adoption test in libs/testing compares them with a stock dockerd's). layer-store needs real root
#   powers besides: it chowns layer files to the owners recorded in the tar, makes whiteout char devices
#   (CAP_MKNOD) and sets trusted.overlay.* xattrs on opaque dirs (CAP_SYS_ADMIN). image-store and
#   container-config need none, so compose and SlipwayStack drop all their capabilities: uid 0 only to
#   own what they write.
# - engine-api writes nothing but its socket; compose and SlipwayStack run it as uid 0 without any
#   capability so that the socket published on the host is root-owned 0660, like /var/run/docker.sock.
# - orchestrator writes nothing and runs as the default user below (uid 1000), which must own its key.
# entrypoint.sh refuses to start a store as non-root with a message saying so.
USER node

# A probe starts a node process: on a busy host that alone can take seconds.
HEALTHCHECK --interval=5s --timeout=15s --start-period=30s --retries=3 \
  CMD ["node", "/app/tools/docker/healthcheck.mjs"]
ENTRYPOINT ["/app/tools/docker/entrypoint.sh"]
