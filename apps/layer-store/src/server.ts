import { invalidArgument } from "@slipway/errors";
import { layerStoreDefinition, service, untilReady, type ServiceHandlers, type ServiceRegistration } from "@slipway/grpc-kit";
import type { layerstore } from "@slipway/proto";
import { containerPathHandlers } from "./container-path-handlers.js";
import type { ContainerFilesystems } from "./domain/container-filesystems.js";
import type { ContainerPaths } from "./domain/container-paths.js";
import type { CreatorLeases } from "./domain/creator-leases.js";
import { createContainerLayers, releaseContainerLayers } from "./domain/container-layers.js";
import type { VolumeEvents } from "./domain/events.js";
import { referenceCount, type LayerState } from "./domain/layer-graph.js";
import type { LayerPlacement, LayerStore } from "./domain/layer-store.js";
import type { OverlayMountSpec, RWLayerStore } from "./domain/rw-layers.js";
import type { RecoveryReport } from "./domain/recovery.js";
import type { Volume, VolumeStore } from "./domain/volumes.js";
import type { MountRecord } from "./storage/layerdb.js";

/** What the handlers serve; `recovery` stays undefined until startup recovery is done. */
export interface LayerStoreBackend {
  readonly layers: LayerStore;
  readonly rwLayers: RWLayerStore;
  readonly volumes: VolumeStore;
  readonly filesystems: ContainerFilesystems;
  readonly paths: ContainerPaths;
  readonly leases: CreatorLeases;
  readonly events: VolumeEvents;
  recovery: (RecoveryReport & { millis: number }) | undefined;
}

/** The gRPC adapter: proto messages in, domain calls, proto messages out. */
export function layerStoreService(backend: LayerStoreBackend): ServiceRegistration {
  // Until the recovery is done, every call but GetStoreStatus (which reports it) answers UNAVAILABLE.
  const recovered = untilReady(() => backend.recovery !== undefined, "layer-store is still recovering its data root; retry shortly", [
    "getStoreStatus",
    "renewLease",
    "watchEvents",
  ]);
  const handlers: ServiceHandlers<typeof layerStoreDefinition> = {
    async registerLayer(requests, ctx) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      const header = first.done ? undefined : first.value.header;
      if (!header) throw invalidArgument("RegisterLayer: the first message must carry the header (parent chainID, holder)");
      const stream = new RegisterLayerStream(iterator, header.placementFollows);
      const { layer, existed } = await backend.layers.registerLayer({
        placement: header.placementFollows ? stream.placement : placementOf(header),
        source: stream.chunks(),
        signal: ctx.signal,
      });
      return { layer: toLayer(layer), existed };
    },
    async getLayer(request) {
      return { layer: toLayer(backend.layers.getLayer(request.chainId)) };
    },
    async listLayers() {
      return { layers: backend.layers.listLayers().map(toLayer) };
    },
    async releaseLayer(request) {
      return { deletedChainIds: await backend.layers.releaseLayer(request.chainId, request.holder) };
    },
    async *exportLayer(request) {
      for await (const chunk of backend.layers.exportLayer(request.chainId)) yield { chunk };
    },
    watchEvents: (request, ctx) => backend.events.log.watch(request, ctx.signal),
    async createContainerLayers(request) {
      return { volumes: (await createContainerLayers(backend, request)).map(toVolume) };
    },
    async getRwLayer(request) {
      return { rwLayer: toRWLayer(backend.rwLayers.getRWLayer(request.containerId)) };
    },
    async listRwLayers() {
      return { rwLayers: backend.rwLayers.listRWLayers().map(toRWLayer) };
    },
    async releaseRwLayer(request) {
      return { deletedChainIds: await backend.rwLayers.releaseRWLayer(request.containerId) };
    },
    async releaseContainerLayers(request) {
      return releaseContainerLayers(backend, request);
    },
    async getMounts(request) {
      const rootFs = toOverlayMount(await backend.rwLayers.getMounts(request.containerId));
      return { rootFs, lowerDiffDirs: backend.filesystems.lowerDiffDirs(request.containerId) };
    },
    async *exportContainerLayer(request) {
      for await (const chunk of backend.filesystems.export(request.containerId)) yield { chunk };
    },
    async getContainerChanges(request) {
      return { changes: backend.filesystems.changes(request.containerId) };
    },
    ...containerPathHandlers(backend.paths),
    async getRwLayerSizes(request) {
      return { sizes: await backend.filesystems.sizes(request.containerIds) };
    },
    async createVolume(request) {
      return { volume: toVolume((await backend.volumes.create({ ...request, alwaysRecorded: true })).volume) };
    },
    async getVolumeSizes(request) {
      return { sizes: await backend.volumes.sizes(request.names) };
    },
    async removeVolume(request) {
      return { size: await backend.volumes.remove(request.name, request.measureSize) };
    },
    async keepVolumes(request) {
      backend.leases.forget([], request.names);
      return { notFound: await backend.volumes.keep(request.names) };
    },
    async renewLease(request) {
      return { ttlMs: backend.leases.renew(request.leaseId) };
    },
    async findAbandoned(request) {
      return backend.leases.findAbandoned(request);
    },
    async listVolumes(request) {
      return { volumes: (await backend.volumes.list(request.names)).map(toVolume) };
    },
    async getStoreStatus() {
      const report = backend.recovery;
      return {
        ready: report !== undefined,
        layers: backend.layers.layerCount,
        rwLayers: backend.rwLayers.rwLayerCount,
        volumes: report ? (await backend.volumes.list()).length : 0,
        brokenRecords: report?.brokenRecords ?? [],
        removedPaths: report?.removedPaths ?? [],
        recreatedLinks: report?.recreatedLinks ?? 0,
        recoveryMillis: report?.millis ?? 0,
      };
    },
  };
  return service(layerStoreDefinition, handlers, { middleware: [recovered] });
}

/**
 * The messages after RegisterLayer's header: the tar's chunks, then (when the header said so) the
 * placement, which ends the tar and resolves `placement`.
 */
class RegisterLayerStream {
  readonly placement: Promise<LayerPlacement>;
  private placed!: (placement: LayerPlacement) => void;
  private failed!: (err: Error) => void;

  constructor(
    private readonly iterator: AsyncIterator<layerstore.RegisterLayerRequest>,
    private readonly placementFollows: boolean,
  ) {
    this.placement = new Promise((resolve, reject) => ([this.placed, this.failed] = [resolve, reject]));
    this.placement.catch(() => undefined); // awaited only after the extraction
  }

  async *chunks(): AsyncIterable<Uint8Array> {
    try {
      for (;;) {
        const next = await this.iterator.next();
        if (next.done) {
          if (this.placementFollows) this.failed(invalidArgument("RegisterLayer: the stream ended without the placement its header announced"));
          return;
        }
        const { header, chunk, placement } = next.value;
        if (header) throw invalidArgument("RegisterLayer: the header may only be sent once, first");
        if (placement) {
          await this.place(placement);
          return;
        }
        if (chunk && chunk.length > 0) yield chunk;
      }
    } finally {
      this.failed(invalidArgument("RegisterLayer: the layer tar did not arrive whole"));
    }
  }

  private async place(placement: layerstore.RegisterLayerHeader): Promise<void> {
    if (!this.placementFollows) throw invalidArgument("RegisterLayer: a placement was sent but the header did not announce one");
    if ((await this.iterator.next()).done !== true) throw invalidArgument("RegisterLayer: nothing may follow the placement");
    this.placed(placementOf(placement));
  }
}

function placementOf(header: layerstore.RegisterLayerHeader): LayerPlacement {
  return { parentChainId: header.parentChainId, holder: header.holder, expectedDiffId: header.expectedDiffId };
}

function toLayer(layer: LayerState): layerstore.Layer {
  const { chainId, diffId, parentChainId, cacheId, size, depth } = layer;
  return { chainId, diffId, parentChainId, cacheId, size, referenceCount: referenceCount(layer), depth };
}

function toRWLayer(record: MountRecord): layerstore.RWLayer {
  const { containerId, mountId, initId, parentChainId } = record;
  return { containerId, mountId, initId, parentChainId };
}

function toOverlayMount(spec: OverlayMountSpec) {
  return { lowerDirs: spec.lowerDirs, upperDir: spec.upperDir, workDir: spec.workDir, mergedDir: spec.mergedDir, options: spec.options };
}

function toVolume(volume: Volume): layerstore.Volume {
  const { name, mountpoint, kept, labels, options } = volume;
  return { name, mountpoint, driver: "local", createdAt: volume.createdAt.toISOString(), kept, labels: labels ?? {}, options: options ?? {} };
}
