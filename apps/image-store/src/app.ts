import { arch, platform } from "node:os";
import { unavailable } from "@slipway/errors";
import type { App, Logger, ServiceConfig } from "@slipway/grpc-kit";
import type { AppMetrics } from "@slipway/metrics";
import { RegistryClient } from "@slipway/registry-client";
import { containerUsageClient, layerStoreClient } from "./clients.js";
import { loadImageStoreConfig } from "./config.js";
import { ImageEvents } from "./domain/events.js";
import { ImageChanges } from "./domain/image-changes.js";
import { ImageService } from "./domain/image-service.js";
import { recover } from "./domain/recovery.js";
import { TransferSlots } from "./domain/transfer-slots.js";
import { imageStoreService } from "./server.js";
import { DistributionMetadata } from "./storage/distribution-metadata.js";
import { ImageDb } from "./storage/image-db.js";
import { imageStorePaths } from "./storage/paths.js";
import { RepositoriesFile } from "./storage/repositories-file.js";

const GO_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" };
// dockerd's default max-concurrent-downloads.
const MAX_CONCURRENT_DOWNLOADS = 3;

/** Wires config → storage → domain → gRPC handlers. Health stays NOT_SERVING until recovery is done. */
export function createApp(config: ServiceConfig, logger?: Logger, env = process.env, metrics?: AppMetrics): App {
  const { registry: registryOptions } = loadImageStoreConfig(env);
  const registry = new RegistryClient(registryOptions);
  const paths = imageStorePaths(config.dataRoot);
  const layers = layerStoreClient(config.endpoints["layer-store"], config);
  const containers = containerUsageClient(config.endpoints["container-config"], config);
  const changes = new ImageChanges();
  const images = new ImageService({
    paths,
    db: new ImageDb(paths),
    repositories: new RepositoriesFile(paths.repositories),
    distribution: new DistributionMetadata(paths.imageRoot),
    downloads: new TransferSlots(MAX_CONCURRENT_DOWNLOADS),
    layers,
    containers,
    platform: { os: platform(), architecture: GO_ARCH[arch()] ?? arch() },
    now: rfc3339NanoNow,
    changes,
    events: new ImageEvents(),
  });
  metrics?.held({ images: () => images.images.size });
  return {
    services: [imageStoreService(images, registry)],
    async recover() {
      const report = await recover(images, (line) => logger?.warn(line));
      logger?.info({ images: report.images, broken: report.broken.length, missingLayers: report.missingLayers.length }, "image-store recovered");
    },
    stopping: () => {
      changes.endAll();
      images.deps.events.log.endWatches(unavailable("image-store is stopping; watch again once it is back"));
    },
    async close() {
      layers.close();
      containers.close();
    },
  };
}

/** RFC3339Nano in UTC as Go prints it: up to nanoseconds (here microsecond precision), trailing zeros trimmed. */
function rfc3339NanoNow(): string {
  const nanos = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ""}Z`;
}
