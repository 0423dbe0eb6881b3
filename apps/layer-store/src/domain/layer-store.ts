import { chainId as chainIdOf, generateRandomId, isDigest } from "@slipway/docker-spec";
import { KeyedLock, removeTree, syncFilesystem } from "@slipway/durable-fs";
import { failedPrecondition, invalidArgument, notFound } from "@slipway/errors";
import { applyLayerTar, exportLayerTar, InvalidLayerError, type AppliedLayer } from "@slipway/layer-tar";
import type { Failpoint } from "../failpoints.js";
import {
  publishLayerRecord,
  readTarSplit,
  removeHolders,
  unpublishLayerRecord,
  writeHolders,
  writeLayerWriteSet,
  type Holders,
  type LayerRecord,
} from "../storage/layerdb.js";
import type { StoreLayout } from "../storage/layout.js";
import { lstatIfExists } from "../storage/merged-view.js";
import { finishLayerDir, makeLayerDir, markCommitted, removeLayerDir, type LayerLinks } from "../storage/overlay.js";
import { LayerGraph, type LayerState } from "./layer-graph.js";

/** moby's maxLayerDepth: image layers + init + RW layer stay within overlay's 128 lowers. */
export const MAX_DEPTH = 125;

/** Where a registered layer goes: its parent, who holds it, and the diffID it must have. */
export interface LayerPlacement {
  readonly parentChainId: string;
  /** "" for an anonymous reference (counted), else a name such as "image:sha256:…" (held at most once). */
  readonly holder: string;
  readonly expectedDiffId: string;
}

export interface RegisterLayerInput {
  /** Known up front, or (a promise) only once the tar has arrived: the layer is extracted either way. */
  readonly placement: LayerPlacement | Promise<LayerPlacement>;
  readonly source: AsyncIterable<Uint8Array>;
  readonly signal?: AbortSignal;
}

/**
 * Read-only layers on disk and in the layer graph: register, release (and the deletes it cascades
 * to), export. Each change holds the lock of the chainID it changes (a layer's lock before its
 * parent's, never the other way), and no lock is held across extraction.
 */
export class LayerStore {
  private readonly chainLocks = new KeyedLock();
  /** Empty until startup recovery hands over the graph it loaded (restore). */
  private graph = new LayerGraph();

  constructor(
    private readonly layout: StoreLayout,
    private readonly failpoint: Failpoint,
    /** Where the tar library says what it cannot reproduce (ownership when not root, ...). */
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** Takes the graph startup recovery loaded from the data root, before any call is served. */
  restore(graph: LayerGraph): void {
    this.graph = graph;
  }

  getLayer(chainId: string): LayerState {
    if (!isDigest(chainId)) throw invalidArgument(`"${chainId}" is not a chainID (sha256:<64 hex>)`);
    const layer = this.graph.get(chainId);
    if (!layer) throw notFound(`layer ${chainId} does not exist`);
    return layer;
  }

  listLayers(): LayerState[] {
    return this.graph.list();
  }

  get layerCount(): number {
    return this.graph.size;
  }

  /**
   * Extracts the tar into a new, unnamed overlay2 directory (recovery removes it until a layerdb record
   * names it), then places it: parent, diffID check, chainID, publish.
   */
  async registerLayer(input: RegisterLayerInput): Promise<{ layer: LayerState; existed: boolean }> {
    // A placement known up front is refused before a byte is extracted; a later one once it arrives.
    if (!(input.placement instanceof Promise)) this.checkPlacement(input.placement);
    const placement = Promise.resolve(input.placement);
    placement.catch(() => undefined); // awaited after the extraction
    const cacheId = generateRandomId();
    const applied = await this.extract(cacheId, input);
    let parent: LayerState | undefined;
    let placed: { chainId: string; holder: string };
    try {
      const where = await placement;
      this.checkPlacement(where);
      const { parentChainId, expectedDiffId, holder } = where;
      parent = this.acquire(parentChainId);
      if (expectedDiffId !== "" && applied.diffId !== expectedDiffId)
        throw invalidArgument(`layer tar has diffID ${applied.diffId}, expected ${expectedDiffId}`);
      placed = { chainId: chainIdOf(parentChainId, applied.diffId), holder };
    } catch (err) {
      this.unpend(parent);
      await removeLayerDir(this.layout, cacheId);
      throw err;
    }
    try {
      return await this.chainLocks.run(placed.chainId, () => this.publishLayer(placed.chainId, cacheId, applied, parent, placed.holder));
    } finally {
      this.unpend(parent);
    }
  }

  /** Refuses a malformed expected diffID, an unknown parent, or one already at the maximum depth. */
  private checkPlacement({ parentChainId, expectedDiffId }: LayerPlacement): void {
    if (expectedDiffId !== "" && !isDigest(expectedDiffId))
      throw invalidArgument(`expected diffID "${expectedDiffId}" is not a sha256:<64 hex> digest`);
    if (parentChainId !== "" && this.getLayer(parentChainId).depth >= MAX_DEPTH) throw failedPrecondition("max depth exceeded");
  }

  private async extract(cacheId: string, input: RegisterLayerInput): Promise<AppliedLayer> {
    makeLayerDir(this.layout, cacheId);
    try {
      const applied = await applyLayerTar(input.source, this.layout.diffDir(cacheId), { signal: input.signal, log: this.log });
      this.failpoint("register-layer:after-extract");
      return applied;
    } catch (err) {
      await removeLayerDir(this.layout, cacheId);
      if (err instanceof InvalidLayerError) throw invalidArgument(err.message);
      if (input.signal?.aborted) throw invalidArgument(`layer tar stream was cut before its end: ${String(input.signal.reason)}`);
      throw err;
    }
  }

  /** Runs under the new chainID's lock: returns an existing layer or publishes this one. */
  private async publishLayer(
    chainId: string,
    cacheId: string,
    applied: AppliedLayer,
    parent: LayerState | undefined,
    holder: string,
  ): Promise<{ layer: LayerState; existed: boolean }> {
    const existing = this.graph.get(chainId);
    if (existing) {
      await removeLayerDir(this.layout, cacheId);
      await this.graph.hold(chainId, holder, (holders) => writeHolders(this.layout, chainId, holders));
      return { layer: existing, existed: true };
    }
    const record: LayerRecord = {
      chainId,
      diffId: applied.diffId,
      parentChainId: parent?.chainId ?? "",
      cacheId,
      size: applied.size,
    };
    const holders: Holders = new Map([[holder, 1]]);
    let writeSet: string | undefined;
    let links: LayerLinks;
    try {
      links = finishLayerDir(this.layout, cacheId, parent && linksOf(parent), { mounted: false });
      if (parent) markCommitted(this.layout, parent.cacheId);
      await syncFilesystem(this.layout.layerDir(cacheId));
      this.failpoint("register-layer:after-layer-dir");
      await writeHolders(this.layout, chainId, holders);
      writeSet = await writeLayerWriteSet(this.layout, record, applied.tarSplit);
      this.failpoint("register-layer:before-publish");
      await this.replaceUnloadedRecord(chainId);
      await publishLayerRecord(this.layout, writeSet, chainId);
    } catch (err) {
      await Promise.all([removeLayerDir(this.layout, cacheId), removeHolders(this.layout, chainId), writeSet && removeTree(writeSet)]);
      throw err;
    }
    this.failpoint("register-layer:after-publish");
    return { layer: this.graph.add(record, links, holders), existed: false };
  }

  /**
   * A layerdb directory for this chain that recovery could not load (reported as broken) would block
   * the rename (moby#44909); registering the chain again is its repair, so it is taken away first.
   */
  private async replaceUnloadedRecord(chainId: string): Promise<void> {
    if (!lstatIfExists(this.layout.layerRecordDir(chainId))) return;
    await removeTree(await unpublishLayerRecord(this.layout, chainId));
  }

  /**
   * Drops the holder's reference. A named holder that holds none is a no-op (releases are
   * idempotent); an anonymous release with no anonymous reference left names who still uses the layer.
   */
  async releaseLayer(chainId: string, holder: string): Promise<string[]> {
    this.getLayer(chainId);
    return this.chainLocks.run(chainId, async () => {
      const layer = this.getLayer(chainId);
      if (!(await this.graph.unhold(chainId, holder, (holders) => writeHolders(this.layout, chainId, holders)))) {
        if (holder !== "") return [];
        throw failedPrecondition(`layer ${chainId} has no anonymous reference to release; it is still used by ${this.usersOf(layer)}`);
      }
      return this.deleteIfUnused(layer);
    });
  }

  /** Who keeps a layer alive, for error messages: holders, child layers, containers. */
  private usersOf(layer: LayerState): string {
    const users = [...layer.holders.keys()].map((h) => (h === "" ? "an anonymous reference" : h));
    for (const child of this.graph.list()) if (child.parentChainId === layer.chainId) users.push(`child layer ${child.chainId}`);
    for (const containerId of layer.rwLayers) users.push(`container ${containerId}`);
    return users.length > 0 ? users.join(", ") : "calls in progress";
  }

  /** Caller holds the layer's lock. At zero references: unpublish, delete, then release the parent. */
  private async deleteIfUnused(layer: LayerState): Promise<string[]> {
    if (!this.graph.removeIfUnused(layer)) return [];
    const removing = await unpublishLayerRecord(this.layout, layer.chainId);
    this.failpoint("release-layer:after-unpublish");
    await removeHolders(this.layout, layer.chainId);
    await removeLayerDir(this.layout, layer.cacheId);
    await removeTree(removing);
    if (layer.parentChainId === "") return [layer.chainId];
    return [layer.chainId, ...(await this.releaseReference(layer.parentChainId, () => this.graph.releaseChild(layer.parentChainId)))];
  }

  /** Counts a container's new RW layer on its parent layer (pinned by the caller). */
  retainRw(parent: LayerState, containerId: string): void {
    this.graph.retainRw(parent.chainId, containerId);
  }

  /** Drops a deleted RW layer's reference to its parent layer; at zero the layer is deleted (and so on down). */
  releaseRw(chainId: string, containerId: string): Promise<string[]> {
    return this.releaseReference(chainId, () => this.graph.releaseRw(chainId, containerId));
  }

  /** Under the chain's lock: drops one reference (`release` returns the layer, if it is still there), then deletes the layer if unused. */
  private releaseReference(chainId: string, release: () => LayerState | undefined): Promise<string[]> {
    return this.chainLocks.run(chainId, async () => {
      const layer = release();
      return layer ? this.deleteIfUnused(layer) : [];
    });
  }

  /** Pins a layer for a call that builds on it (synchronously, so no delete can slip in). */
  acquire(chainId: string): LayerState | undefined {
    if (chainId === "") return undefined;
    const layer = this.getLayer(chainId);
    this.graph.pin(layer);
    return layer;
  }

  /** Unpins; a layer left without references is deleted. */
  unpend(layer: LayerState | undefined): void {
    if (layer && this.graph.unpin(layer)) {
      void this.chainLocks.run(layer.chainId, () => this.deleteIfUnused(layer)).catch(() => {});
    }
  }

  /** diff/ directories of a layer and all below it, uppermost first. */
  diffStack(layer: LayerState | undefined): string[] {
    const stack: string[] = [];
    for (let l = layer; l; l = l.parentChainId ? this.graph.get(l.parentChainId) : undefined) {
      stack.push(this.layout.diffDir(l.cacheId));
    }
    return stack;
  }

  /** Runs work with the chain's diff stack while the layers cannot be deleted. */
  async withLayerStack<T>(chainId: string, work: (stack: string[]) => Promise<T>): Promise<T> {
    const layer = this.acquire(chainId);
    try {
      return await work(this.diffStack(layer));
    } finally {
      this.unpend(layer);
    }
  }

  exportLayer(chainId: string): AsyncIterable<Buffer> {
    this.getLayer(chainId);
    return this.pinnedExport(chainId);
  }

  /** Pins the layer once the export starts (a layer deleted meanwhile is NOT_FOUND). */
  private async *pinnedExport(chainId: string): AsyncIterable<Buffer> {
    const layer = this.getLayer(chainId);
    this.graph.pin(layer);
    try {
      const tarSplit = await readTarSplit(this.layout, layer.chainId);
      yield* exportLayerTar(this.layout.diffDir(layer.cacheId), tarSplit);
    } finally {
      this.unpend(layer);
    }
  }
}

export function linksOf(layer: LayerState): LayerLinks {
  return { id: layer.cacheId, link: layer.link, lower: layer.lower };
}
