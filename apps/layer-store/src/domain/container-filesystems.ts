import type { Change } from "@slipway/docker-spec";
import { directorySize } from "@slipway/layer-tar";
import { AccountNames } from "../storage/account-names.js";
import { exportMergedTree } from "../storage/container-export.js";
import { mountLayerChanges } from "../storage/layer-changes.js";
import type { MountRecord } from "../storage/layerdb.js";
import type { StoreLayout } from "../storage/layout.js";
import type { LayerStore } from "./layer-store.js";
import type { RWLayerStore } from "./rw-layers.js";

/** dockerd's SizeRw and SizeRootFs of one container. */
export interface RWLayerSize {
  readonly containerId: string;
  readonly sizeRw: number;
  readonly sizeRootFs: number;
}

/**
 * What `docker export`, `docker diff`, `docker ps -s` and `docker inspect` read of a container's root
 * filesystem: its mount layer over its init layer over its image's layers, read without mounting. An
 * unknown container is NOT_FOUND (getRWLayer's error); the image's layers are pinned while they are read.
 */
export class ContainerFilesystems {
  constructor(
    private readonly layout: StoreLayout,
    private readonly rwLayers: RWLayerStore,
    private readonly layers: LayerStore,
    private readonly names = new AccountNames(),
  ) {}

  /** The diff/ directories below the mount layer, the init layer's first (overlay2's resolved lower links). */
  lowerDiffDirs(containerId: string): string[] {
    const rw = this.rwLayers.getRWLayer(containerId);
    const parent = rw.parentChainId === "" ? undefined : this.layers.getLayer(rw.parentChainId);
    return [this.layout.diffDir(rw.initId), ...this.layers.diffStack(parent)];
  }

  /** The root filesystem as `docker export`'s tar; NOT_FOUND before the stream starts. */
  export(containerId: string): AsyncIterable<Buffer> {
    return this.pinnedExport(this.rwLayers.getRWLayer(containerId));
  }

  private async *pinnedExport(rw: MountRecord): AsyncIterable<Buffer> {
    const parent = this.layers.acquire(rw.parentChainId);
    try {
      const stack = [this.layout.diffDir(rw.mountId), this.layout.diffDir(rw.initId), ...this.layers.diffStack(parent)];
      yield* exportMergedTree(stack, this.names);
    } finally {
      this.layers.unpend(parent);
    }
  }

  /** `docker diff`: what the mount layer changes in the container's root filesystem, in path order. */
  changes(containerId: string): Change[] {
    const rw = this.rwLayers.getRWLayer(containerId);
    const parent = this.layers.acquire(rw.parentChainId);
    try {
      return mountLayerChanges(this.layout.diffDir(rw.mountId), [this.layout.diffDir(rw.initId), ...this.layers.diffStack(parent)]);
    } finally {
      this.layers.unpend(parent);
    }
  }

  /**
   * The sizes dockerd's GetContainerLayerSize answers: the mount layer's diff/ (pkg/directory.Size), and that
   * plus the sizes recorded for the image's layers (the init layer counts in neither). Unknown containers are
   * left out.
   */
  async sizes(containerIds: readonly string[]): Promise<RWLayerSize[]> {
    const records = new Map(this.rwLayers.listRWLayers().map((rw) => [rw.containerId, rw]));
    const known = containerIds.flatMap((id) => records.get(id) ?? []);
    return Promise.all(known.map((rw) => this.sizeOf(rw)));
  }

  private async sizeOf(rw: MountRecord): Promise<RWLayerSize> {
    const sizeRw = await directorySize(this.layout.diffDir(rw.mountId));
    let imageSize = 0;
    for (let layer = rw.parentChainId === "" ? undefined : this.layers.getLayer(rw.parentChainId); layer;) {
      imageSize += layer.size;
      layer = layer.parentChainId === "" ? undefined : this.layers.getLayer(layer.parentChainId);
    }
    return { containerId: rw.containerId, sizeRw, sizeRootFs: imageSize + sizeRw };
  }
}
