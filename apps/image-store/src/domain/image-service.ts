import { rmdir } from "node:fs/promises";
import { familiarString, isNamed, parseAnyReference, parseNormalizedNamed, withDefaultTag, withTag, type Reference } from "@slipway/docker-spec";
import { KeyedLock } from "@slipway/durable-fs";
import { CONSTRUCTOR_OF_KIND, failedPrecondition, internal, invalidArgument, notFound, SlipwayError } from "@slipway/errors";
import type { CallContext } from "@slipway/grpc-kit";
import { ArchiveSpool, type EntryClaim, type SpooledFile } from "../archive/spool.js";
import { planLoad, type HostPlatform, type ImageToLoad } from "../archive/load-plan.js";
import type { DistributionMetadata } from "../storage/distribution-metadata.js";
import type { ImageDb } from "../storage/image-db.js";
import type { ImageStorePaths } from "../storage/paths.js";
import type { Repositories, RepositoriesFile } from "../storage/repositories-file.js";
import { DirectRegistration } from "./direct-registration.js";
import type { ImageEvents } from "./events.js";
import type { ImageChanges } from "./image-changes.js";
import { ImageIndex, type ImageRecord } from "./image-index.js";
import { withProgress, type LoadEvent } from "./load-events.js";
import type { ContainerUsage, LayerInfo, LayerStore } from "./ports.js";
import { requestedPlatform, requirePlatform } from "./platform.js";
import { ReferenceStore } from "./reference-store.js";
import { StagedLayers } from "./staged-layers.js";
import type { TransferSlots } from "./transfer-slots.js";

/** Layers that went to layer-store while the archive streamed in: registered directly, or staged. */
interface StreamedLayers {
  readonly emit: (e: LoadEvent) => void;
  /** "<image id> <index>" → layer, for layers whose manifest came first. */
  readonly registeredWhileReading: ReadonlyMap<string, LayerInfo>;
  readonly staged: StagedLayers;
  /** Archive path → chainID of the layer first registered from it (its bytes were not kept). */
  readonly chainOfPath: Map<string, string>;
}

export interface ImageServiceDeps {
  readonly paths: ImageStorePaths;
  readonly db: ImageDb;
  readonly repositories: RepositoriesFile;
  /** distribution/: the registry blob each layer was pulled from or pushed as. */
  readonly distribution: DistributionMetadata;
  /** Layer downloads running at once, engine-wide (dockerd's max-concurrent-downloads). */
  readonly downloads: TransferSlots;
  readonly layers: LayerStore;
  readonly containers: ContainerUsage;
  readonly platform: HostPlatform;
  /** The current time, RFC3339Nano (lastUpdated). */
  readonly now: () => string;
  /** Where changes are published to the callers that cache ResolveImage answers. */
  readonly changes: ImageChanges;
  /** What `docker events` learns of images. */
  readonly events: ImageEvents;
}

/** An image with the layer facts layer-store knows (sizes, cache dirs). */
export interface ResolvedImage extends ImageRecord {
  readonly layers: readonly LayerInfo[];
  readonly size: number;
  readonly repoTags: string[];
  readonly repoDigests: string[];
  readonly lastUpdated: string | undefined;
}

/** The layer-store holder name under which an image keeps its layers. */
export const holderOf = (imageId: string) => `image:${imageId}`;

/** What startup recovery found on disk: the usable images and repositories.json's references. */
export interface ImageSnapshot {
  readonly images: readonly ImageRecord[];
  readonly repositories: Repositories;
}

/**
 * The image store's domain: images by ID, references, loads. Changes to the index, the reference
 * store and their files run one at a time and are published (`change`); layer transfers run outside that lock.
 */
export class ImageService {
  readonly images = new ImageIndex();
  private references = new ReferenceStore();
  /** What repositories.json holds: the references as last written (or found at start-up). */
  private savedReferences: Repositories = {};
  private readonly lock = new KeyedLock();
  private readonly layerCache = new Map<string, LayerInfo>();

  constructor(readonly deps: ImageServiceDeps) {}

  /** Takes what startup recovery found; lookups answered before it (NOT_FOUND) may have been cached. */
  restore(snapshot: ImageSnapshot): Promise<void> {
    return this.change(async () => {
      for (const image of snapshot.images) this.images.add(image);
      this.references = new ReferenceStore(snapshot.repositories);
      this.savedReferences = snapshot.repositories;
    });
  }

  get refs(): ReferenceStore {
    return this.references;
  }

  /**
   * Runs a change to the index, the references or their files once the changes before it are done, then
   * publishes it and waits until every WatchImages subscriber dropped its cache, outside the lock (lookups
   * never take it; the next change need not wait). A caller answered after this never gets an answer cached
   * before it. A failed change is published too: part of it may be visible.
   */
  async change<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.lock.run("images", work);
    } finally {
      await this.deps.changes.publish();
    }
  }

  // --- lookup ---------------------------------------------------------------------------------

  /**
   * dockerd's GetImage: an ID or digest directly, else the reference store (a bare name means
   * :latest), else a unique short-ID prefix. Unknown or ambiguous → NOT_FOUND "No such image: golden:latest".
   */
  find(refOrId: string): ImageRecord {
    const ref = parseUserReference(refOrId);
    if (!isNamed(ref)) {
      const image = this.images.get(ref.digest!);
      if (!image) throw notFound(`No such image: ${ref.digest}`);
      return image;
    }
    const id = this.refs.get(ref);
    const image = (id !== undefined ? this.images.get(id) : undefined) ?? this.uniquePrefixMatch(refOrId);
    if (!image) throw notFound(`No such image: ${familiarString(withDefaultTag(ref))}`);
    return image;
  }

  /** dockerd's GetImage takes an ambiguous ID prefix for no match at all. */
  private uniquePrefixMatch(term: string): ImageRecord | undefined {
    const found = this.images.searchPrefix(term);
    return found === "ambiguous" ? undefined : found;
  }

  /**
   * The image with its layers, size and references. With a platform ("linux/arm64"), dockerd's GetImage for a
   * create: the specifier is checked first, and an image found for another platform is NOT_FOUND.
   */
  async resolve(refOrId: string, ctx?: CallContext, platform = ""): Promise<ResolvedImage> {
    const wanted = platform === "" ? undefined : requestedPlatform(platform);
    const image = this.find(refOrId);
    requirePlatform(image, refOrId, wanted);
    return this.describe(image, ctx);
  }

  async describe(image: ImageRecord, ctx?: CallContext): Promise<ResolvedImage> {
    const layers = await Promise.all(image.config.chainIds.map((chainId) => this.layer(chainId, ctx)));
    const refs = this.refs.references(image.id);
    return {
      ...image,
      layers,
      size: layers.reduce((sum, l) => sum + l.size, 0),
      repoTags: refs.filter((r) => r.digest === undefined).map(familiarString),
      repoDigests: refs.filter((r) => r.digest !== undefined).map(familiarString),
      lastUpdated: await this.deps.db.lastUpdated(image.id),
    };
  }

  private async layer(chainId: string, ctx?: CallContext): Promise<LayerInfo> {
    const cached = this.layerCache.get(chainId);
    if (cached) return cached;
    const info = await this.deps.layers.get(chainId, ctx);
    if (!info) throw failedPrecondition(`layer ${chainId} of the image is missing from layer-store`);
    this.layerCache.set(chainId, info);
    return info;
  }

  // --- load -----------------------------------------------------------------------------------

  /**
   * Loads a docker-save or OCI archive. Layers whose manifest and config came first are registered
   * as they stream in; other docker-save layer tars are staged (extracted by layer-store while the
   * archive streams, placed once the manifest is read); neither is copied to disk. The rest is spooled;
   * then every manifest and blob is checked and each image's layers are placed or registered (all held
   * by "image:<id>") before its config and tags are stored. A failing image releases the layers it
   * registered and leaves no record; unplaced staged layers are discarded and the spool is removed on
   * every path.
   */
  async load(source: AsyncIterable<Uint8Array>, emit: (event: LoadEvent) => void, ctx?: CallContext): Promise<void> {
    const chainOfPath = new Map<string, string>();
    const direct = new DirectRegistration({ layers: this.deps.layers, holderOf, emit, chainOfPath, ...(ctx ? { ctx } : {}) });
    const staged = new StagedLayers(this.deps.layers, ctx);
    const claim: EntryClaim = async (path, size, spool) => (await direct.claim(path, size, spool)) ?? staged.claim(path);
    const existing = new Set(this.images.all().map((image) => image.id));
    try {
      const spool = await ArchiveSpool.read(source, this.deps.paths.scratch, claim);
      try {
        const plan = await planLoad(spool, this.deps.platform);
        for (const image of plan) await this.loadImage(spool, image, { emit, registeredWhileReading: direct.registered, staged, chainOfPath }, ctx);
      } finally {
        await spool.dispose();
      }
    } catch (err) {
      for (const [imageId, chainIds] of direct.taken) {
        if (!existing.has(imageId) && !this.images.has(imageId)) await this.releaseQuietly(imageId, [...chainIds].reverse(), ctx);
      }
      throw err;
    } finally {
      await staged.discardRest(); // also when the archive broke off mid-layer
      await removeScratchIfEmpty(this.deps.paths.scratch);
    }
  }

  private async loadImage(spool: ArchiveSpool, image: ImageToLoad, streamed: StreamedLayers, ctx?: CallContext) {
    const { emit } = streamed;
    const existed = this.images.has(image.id);
    const registered: string[] = [];
    try {
      let parent = "";
      for (const [i, layer] of image.layers.entries()) {
        const info =
          streamed.registeredWhileReading.get(`${image.id} ${i}`) ??
          (await this.placeStaged(streamed, image, i, parent)) ??
          (await this.registerSpooled(spool, image, i, parent, streamed, ctx));
        registered.push(info.chainId);
        streamed.chainOfPath.set(layer.file.path, info.chainId);
        if (info.diffId !== layer.diffId || info.chainId !== image.config.chainIds[i]) {
          throw invalidArgument(`layer ${layer.file.path} has diffID ${info.diffId} but the image config's rootfs.diff_ids[${i}] is ${layer.diffId}`);
        }
        this.layerCache.set(info.chainId, info);
        parent = info.chainId;
      }
      await this.change(() => this.commitLoaded(image, emit));
      announceLoaded(image, emit);
      this.deps.events.publish("load", image.id, image.id, image);
    } catch (err) {
      if (!existed && !this.images.has(image.id)) await this.releaseQuietly(image.id, registered.reverse(), ctx);
      throw err;
    }
  }

  private async placeStaged({ staged, emit }: StreamedLayers, image: ImageToLoad, i: number, parent: string): Promise<LayerInfo | undefined> {
    const layer = image.layers[i]!;
    const placing = staged.place(layer.file.path, parent, layer.diffId, holderOf(image.id));
    if (!placing) return undefined;
    const info = await placing.catch((err: unknown) => {
      throw prefixError(err, `layer ${layer.file.path} of image ${image.id}`);
    });
    emit({ kind: "progress", digest: layer.diffId, current: layer.file.size, total: layer.file.size });
    return info;
  }

  private registerSpooled(spool: ArchiveSpool, image: ImageToLoad, i: number, parent: string, streamed: StreamedLayers, ctx?: CallContext) {
    const layer = image.layers[i]!;
    const content = withProgress(this.layerTar(spool, layer.file, streamed, ctx), layer.diffId, layer.file.size, streamed.emit);
    return this.deps.layers.register(parent, layer.diffId, holderOf(image.id), content, ctx).catch((err) => {
      throw prefixError(err, `layer ${layer.file.path} of image ${image.id}`);
    });
  }

  /**
   * A layer file's tar: from the spool, or, for one that went to layer-store as it streamed in and is
   * named again (on another parent, or by another image), exported back from layer-store byte for byte.
   */
  private layerTar(spool: ArchiveSpool, file: SpooledFile, streamed: StreamedLayers, ctx?: CallContext): AsyncIterable<Buffer> {
    if (file.file !== undefined) return spool.open(file);
    const chainId = streamed.chainOfPath.get(file.path);
    if (chainId === undefined) throw internal(`layer ${file.path} went to layer-store as it streamed in but was never placed`);
    return this.deps.layers.export(chainId, ctx);
  }

  private async commitLoaded(image: ImageToLoad, emit: (e: LoadEvent) => void): Promise<void> {
    await this.store({ id: image.id, configBytes: image.configBytes, config: image.config });
    for (const tag of image.tags) {
      const { previous } = this.refs.add(tag, image.id);
      if (previous !== undefined) {
        emit({ kind: "notice", text: `The image ${familiarString(tag)} already exists, renaming the old one with ID ${previous} to empty string` });
      }
    }
    if (image.tags.length > 0) await this.saveReferences();
  }

  /** Stores an image's config in imagedb unless it is there; call inside `change`, its layers held. */
  async store(image: ImageRecord): Promise<void> {
    if (this.images.has(image.id)) return;
    await this.deps.db.write(image.configBytes);
    this.images.add(image);
  }

  /** Releases an image's hold on layers, top first; returns the chainIDs layer-store deleted. */
  async releaseLayers(imageId: string, chainIdsTopFirst: readonly string[], ctx?: CallContext): Promise<string[]> {
    const deleted: string[] = [];
    for (const chainId of chainIdsTopFirst) {
      deleted.push(...(await this.deps.layers.release(chainId, holderOf(imageId), ctx)));
    }
    for (const chainId of deleted) this.layerCache.delete(chainId);
    return deleted;
  }

  /** releaseLayers for a failed load or pull, whose own error is the one to report. */
  async releaseQuietly(imageId: string, chainIdsTopFirst: string[], ctx?: CallContext): Promise<void> {
    await this.releaseLayers(imageId, chainIdsTopFirst, ctx).catch(() => undefined);
  }

  // --- tag ------------------------------------------------------------------------------------

  /** dockerd's TagImage: the target is normalised, tags move, lastUpdated is set. */
  async tag(source: string, target: string, tag: string, now = this.deps.now()): Promise<void> {
    const image = this.find(source);
    let ref = parseUserName(target);
    if (tag !== "") ref = rethrowInvalid(() => withTag(ref, tag));
    if (ref.digest !== undefined) throw invalidArgument("refusing to create a tag with a digest reference");
    ref = withDefaultTag(ref);
    await this.change(async () => {
      this.refs.add(ref, image.id);
      await this.saveReferences();
      await this.deps.db.setLastUpdated(image.id, now);
    });
    this.deps.events.publish("tag", image.id, familiarString(ref), image);
  }

  /**
   * Writes the references to repositories.json. If that fails (a full or failing disk) the references go
   * back to what the file holds, so that no answer shows a tag or removal that a restart would undo.
   */
  async saveReferences(): Promise<void> {
    const next = this.refs.snapshot();
    try {
      await this.deps.repositories.save(next);
      this.savedReferences = next;
    } catch (err) {
      this.references = new ReferenceStore(this.savedReferences);
      throw err;
    }
  }
}

/** dockerd's result lines of a loaded image, once its change is published (a caller may use it at once). */
function announceLoaded(image: ImageToLoad, emit: (e: LoadEvent) => void): void {
  const tags = image.tags.map(familiarString);
  if (tags.length === 0) emit({ kind: "loaded", imageId: image.id, repoTags: [], message: `Loaded image ID: ${image.id}` });
  for (const tag of tags) emit({ kind: "loaded", imageId: image.id, repoTags: tags, message: `Loaded image: ${tag}` });
}

/** Removes the scratch dir once no load or save uses it, so a failed load leaves the tree as it was. */
export async function removeScratchIfEmpty(scratch: string): Promise<void> {
  await rmdir(scratch).catch(() => undefined);
}

/** parseAnyReference with Docker's message as INVALID_ARGUMENT. */
export function parseUserReference(text: string): Reference {
  return rethrowInvalid(() => parseAnyReference(text));
}

/** parseNormalizedNamed with Docker's message as INVALID_ARGUMENT. */
export function parseUserName(text: string): Reference {
  return rethrowInvalid(() => parseNormalizedNamed(text));
}

function rethrowInvalid<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw invalidArgument((err as Error).message);
  }
}

function prefixError(err: unknown, what: string): Error {
  if (err instanceof SlipwayError) return CONSTRUCTOR_OF_KIND[err.kind](`${what}: ${err.message}`, err);
  return new Error(`${what}: ${(err as Error).message}`, { cause: err });
}
