import { BatchFlush, observeRoundsWith } from "@slipway/durable-fs";
import { unavailable } from "@slipway/errors";
import type { App, Logger, ServiceConfig } from "@slipway/grpc-kit";
import type { AppMetrics } from "@slipway/metrics";
import { flushRoundTracing } from "@slipway/tracing";
import { ContainerFilesystems } from "./domain/container-filesystems.js";
import { ContainerPaths } from "./domain/container-paths.js";
import { VolumeEvents } from "./domain/events.js";
import { LayerStore } from "./domain/layer-store.js";
import { recoverStore } from "./domain/recovery.js";
import { RWLayerStore } from "./domain/rw-layers.js";
import { VolumeStore } from "./domain/volumes.js";
import { failpointsFromEnv } from "./failpoints.js";
import { layerStoreService, type LayerStoreBackend } from "./server.js";
import { StoreLayout } from "./storage/layout.js";
import { CreatorLeases } from "./domain/creator-leases.js";

/** Wires data root → storage layout → layer graph, RW layers, volumes → gRPC handlers; recovery loads them. */
export function createApp(
  config: Pick<ServiceConfig, "dataRoot"> & Partial<Pick<ServiceConfig, "dockerdDataRoot">>,
  logger: Logger,
  metrics?: AppMetrics,
): App {
  const layout = new StoreLayout(config.dataRoot, config.dockerdDataRoot);
  const failpoint = failpointsFromEnv();
  // RW layers and volumes are made durable by syncfs(2) of the data root's filesystem, one per round of
  // concurrent writes: a create's dozens of new files and directories cost one flush instead of an fsync each.
  const flush = new BatchFlush(config.dataRoot, { observeRound: observeRoundsWith(metrics?.flushRounds(), flushRoundTracing()) });
  const layers = new LayerStore(layout, failpoint, (message) => logger.warn(message));
  const rwLayers = new RWLayerStore(layout, layers, failpoint, flush);
  const events = new VolumeEvents();
  const backend: LayerStoreBackend = {
    layers,
    rwLayers,
    volumes: new VolumeStore(layout, layers, logger, flush, events),
    filesystems: new ContainerFilesystems(layout, rwLayers, layers),
    paths: new ContainerPaths(layout, layers, rwLayers, flush),
    leases: new CreatorLeases(),
    events,
    recovery: undefined,
  };
  metrics?.held({ layers: () => layers.layerCount, rw_layers: () => rwLayers.rwLayerCount, volumes: () => backend.volumes.count() });
  return {
    services: [layerStoreService(backend)],
    stopping: () => events.log.endWatches(unavailable("layer-store is stopping; watch again once it is back")),
    async recover() {
      const started = performance.now();
      const recovered = await recoverStore(layout, logger);
      layers.restore(recovered.layers);
      rwLayers.restore(recovered.rwLayers);
      backend.recovery = { ...recovered.report, millis: Math.round(performance.now() - started) };
      const { brokenRecords, removedPaths, recreatedLinks } = recovered.report;
      logger.info(
        { layers: layers.layerCount, rwLayers: rwLayers.rwLayerCount, brokenRecords, removedPaths: removedPaths.length, recreatedLinks },
        "recovery done",
      );
    },
  };
}
