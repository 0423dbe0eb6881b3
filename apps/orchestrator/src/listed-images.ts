import { isNotFound } from "@slipway/errors";
import type { CallOpts, Logger } from "@slipway/grpc-kit";
import type { containerconfig, types } from "@slipway/proto";
import type { ImageResolutions } from "./image-resolutions.js";
import type { Stores } from "./stores.js";

/**
 * What a container list needs of the images as they are now, which container-config cannot know: dockerd
 * shows a container's image ID once the reference it was created with names another image or none
 * (refreshImage), and its `ancestor` filter matches the images its values name when the list is made. Both
 * come from the resolutions cache, kept current by image-store's WatchImages, so a list asks image-store only
 * about what changed since the last one.
 */
export class ListedImages {
  constructor(
    private readonly containers: Pick<Stores["containers"], "listImageReferences" | "getListVersion">,
    private readonly images: Pick<ImageResolutions, "resolve" | "version">,
    private readonly logger: Logger,
  ) {}

  /** container-config's query for a `docker ps` query: with the images resolved (the caller's resolution is ignored). */
  async queryFor(query: containerconfig.ListContainersRequest, opts: CallOpts): Promise<containerconfig.ListContainersRequest> {
    const [staleReferences, ancestorImageIds] = await Promise.all([this.staleReferences(opts), this.ancestorImageIds(query.filters.ancestor, opts)]);
    return { ...query, resolvedImages: { staleReferences, ancestorImageIds } };
  }

  /** container-config's list version with the image changes: a list body kept under it is still the answer. */
  async listVersion(opts: CallOpts): Promise<string> {
    const images = this.images.version;
    const { listVersion } = await this.containers.getListVersion({}, opts);
    return `${listVersion}/${images}`;
  }

  private async staleReferences(opts: CallOpts): Promise<containerconfig.ImageReference[]> {
    const { references } = await this.containers.listImageReferences({}, opts);
    const stale = await Promise.all(references.map(async (pair) => ((await this.isStale(pair, opts)) ? [pair] : [])));
    return stale.flat();
  }

  /** refreshImage: a reference other than the image ID itself is stale once it names no image, or another one. */
  private async isStale({ reference, imageId }: containerconfig.ImageReference, opts: CallOpts): Promise<boolean> {
    if (reference === imageId) return false;
    try {
      return (await this.images.resolve(reference, opts)).imageId !== imageId;
    } catch (err) {
      if (isNotFound(err)) return true;
      // A list still answers while image-store is away, with the images as the containers were created from them.
      this.logger.warn({ err: (err as Error).message, reference }, "could not check an image reference for a container list");
      return false;
    }
  }

  /**
   * The ancestor filter: the images its values name now; a value that names none is ignored with dockerd's
   * warning, so it matches nothing. dockerd adds the images built on each one (its children by parent); an
   * image here is loaded or pulled, which gives it no parent, so it has no children either.
   */
  private async ancestorImageIds(ancestors: types.StringList | undefined, opts: CallOpts): Promise<types.StringList | undefined> {
    if (!ancestors) return undefined;
    const ids = await Promise.all(
      ancestors.values.map(async (ancestor) => {
        try {
          return [(await this.images.resolve(ancestor, opts)).imageId];
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, `Error while looking up for image ${ancestor}`);
          return [];
        }
      }),
    );
    return { values: [...new Set(ids.flat())] };
  }
}
