/** An image as `docker system df` weighs it: its ID and its layers' chainIDs, from the base up. */
export interface ImageLayers {
  readonly id: string;
  readonly chainIds: readonly string[];
}

/** A container as `docker system df` counts it: the image it was made from and the volumes it mounts. */
export interface ContainerReferences {
  readonly imageId: string;
  readonly volumeNames: readonly string[];
}

/** What the images' layers take, as dockerd 20.10's image service reports it for `docker system df`. */
export interface LayerUsage {
  /**
   * Each image's SharedSize: the bytes of its layers that another of the images has too. An image with a
   * layer missing from the sizes (removed while it was being weighed) is left out and shares with no one.
   */
  readonly sharedSizes: Map<string, number>;
  /** LayersSize: the bytes of every layer some image has, each layer once. */
  readonly layersSize: number;
}

/** `layerSizes`: each read-only layer's own bytes (its diff, not its parents'), by chainID. */
export function layerUsage(images: readonly ImageLayers[], layerSizes: ReadonlyMap<string, number>): LayerUsage {
  const whole = images.filter((image) => image.chainIds.every((chainId) => layerSizes.has(chainId)));
  const holders = countEach(whole.flatMap((image) => image.chainIds));
  const sharedSizes = new Map(
    whole.map((image) => [
      image.id,
      sumOf(
        image.chainIds.filter((chainId) => holders.get(chainId)! > 1),
        layerSizes,
      ),
    ]),
  );
  const used = new Set(images.flatMap((image) => image.chainIds).filter((chainId) => layerSizes.has(chainId)));
  return { sharedSizes, layersSize: sumOf([...used], layerSizes) };
}

/** How many containers were made from each image (an image's Containers) and mount each volume (a volume's RefCount). */
export function containerCounts(containers: readonly ContainerReferences[]): { perImage: Map<string, number>; perVolume: Map<string, number> } {
  return {
    perImage: countEach(containers.map((container) => container.imageId)),
    // dockerd counts a volume's references by container: one that mounts it twice holds one.
    perVolume: countEach(containers.flatMap((container) => [...new Set(container.volumeNames)])),
  };
}

function countEach(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function sumOf(chainIds: readonly string[], layerSizes: ReadonlyMap<string, number>): number {
  return chainIds.reduce((sum, chainId) => sum + layerSizes.get(chainId)!, 0);
}
