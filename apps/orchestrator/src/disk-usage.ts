import { containerCounts, layerUsage } from "@slipway/docker-spec";
import { internal } from "@slipway/errors";
import type { CallOpts } from "@slipway/grpc-kit";
import type { containerconfig, imagestore, layerstore, orchestrator } from "@slipway/proto";
import { sizedListBody } from "./container-sizes.js";
import type { ListedImages } from "./listed-images.js";
import type { Stores } from "./stores.js";

const EVERY_CONTAINER = { filters: {}, all: true, limit: 0 };

/**
 * `docker system df` as dockerd 20.10's SystemDiskUsage computes it: the images of `docker images` with their
 * shared sizes and containers, every container with its sizes, the local volumes without driver options with
 * their sizes and the containers that mount them, and the bytes of the layers the images use.
 */
export class DiskUsage {
  // As in dockerd, one at a time: each walks every container's RW layer and every volume.
  private running = false;

  constructor(
    private readonly stores: Stores,
    private readonly listedImages: Pick<ListedImages, "queryFor">,
  ) {}

  async report(opts: CallOpts): Promise<orchestrator.GetDiskUsageResponse> {
    if (this.running) throw internal("a disk usage operation is already running");
    this.running = true;
    try {
      return await this.measure(opts);
    } finally {
      this.running = false;
    }
  }

  private async measure(opts: CallOpts): Promise<orchestrator.GetDiskUsageResponse> {
    const [{ containers }, containersJson, { images }, { layers }, volumes] = await Promise.all([
      this.stores.containers.listContainers(EVERY_CONTAINER, opts),
      this.listedImages.queryFor(EVERY_CONTAINER, opts).then((query) => sizedListBody(this.stores, query, opts)),
      this.stores.images.listImages({ all: false, filters: {} }, opts),
      this.stores.layers.listLayers({}, opts),
      this.localVolumes(opts),
    ]);
    const { perImage, perVolume } = containerCounts(containers.map(referencesOf));
    const { sharedSizes, layersSize } = layerUsage(images.map(layersOf), new Map(layers.map((layer) => [layer.chainId, layer.size])));
    return {
      layersSize,
      // An image whose layers went while it was weighed is left out, as dockerd skips one whose layer it cannot get.
      images: images
        .filter((image) => sharedSizes.has(image.id))
        .map((image) => ({ ...image, sharedSize: sharedSizes.get(image.id)!, containers: perImage.get(image.id) ?? 0 })),
      containersJson,
      volumes: volumes.map(({ volume, size }) => ({ volume, size, refCount: perVolume.get(volume.name) ?? 0 })),
    };
  }

  /** The local volumes by name, each with the bytes of its files; dockerd leaves out those with mount options (tmpfs, a device, a bind). */
  private async localVolumes(opts: CallOpts): Promise<{ volume: layerstore.Volume; size: number }[]> {
    const { volumes } = await this.stores.layers.listVolumes({ names: [] }, opts);
    const local = volumes.filter((v) => v.driver === "local" && Object.keys(v.options).length === 0).sort((a, b) => (a.name < b.name ? -1 : 1));
    const { sizes } = await this.stores.layers.getVolumeSizes({ names: local.map((v) => v.name) }, opts);
    return local.map((volume, i) => ({ volume, size: sizes[i]?.size ?? -1 }));
  }
}

function referencesOf(container: containerconfig.ContainerSummary) {
  return { imageId: container.imageId, volumeNames: container.mounts.filter((m) => m.type === "volume").map((m) => m.name) };
}

function layersOf(image: imagestore.ImageSummary) {
  return { id: image.id, chainIds: image.layers.map((layer) => layer.chainId) };
}
