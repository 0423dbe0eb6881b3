import { join } from "node:path";
import { generateRandomId, isFullId } from "@slipway/docker-spec";
import { FsBatch, KeyedLock, type BatchFlush } from "@slipway/durable-fs";
import { alreadyExists, invalidArgument, notFound } from "@slipway/errors";
import type { Failpoint } from "../failpoints.js";
import { InitLayerBuilder } from "../storage/init-layer.js";
import { unpublishMountRecord, writeMountRecord, type MountRecord } from "../storage/layerdb.js";
import type { StoreLayout } from "../storage/layout.js";
import { lstatIfExists, NotADirectoryError, WorkingDirBuilder } from "../storage/merged-view.js";
import { hasProjectQuota } from "../storage/project-quota.js";
import { finishLayerDir, makeLayerDir, markCommitted, readLower, removeLayerDir, removeLayerDirInto } from "../storage/overlay.js";
import type { LayerState } from "./layer-graph.js";
import { linksOf, type LayerStore } from "./layer-store.js";

export interface CreateRWLayerInput {
  readonly containerId: string;
  readonly parentChainId: string;
  readonly workingDir: string;
}

/** What a create makes together with an RW layer (its volumes): made while the RW layer is built, undone if either fails. */
export interface MadeAlongside<T> {
  make(): Promise<T>;
  /** Removes what `make` made, whether it succeeded or not. */
  undo(): Promise<void>;
}

/** An overlay mount, with absolute paths, as a runtime would perform it. */
export interface OverlayMountSpec {
  readonly lowerDirs: string[];
  readonly upperDir: string;
  readonly workDir: string;
  readonly mergedDir: string;
  readonly options: string;
}

/**
 * Container RW layers: the init layer and mount layer of each container and its layerdb/mounts
 * record. Each operation holds its container ID's lock, then (to drop the parent reference) the
 * parent layer's; concurrent creates share their flushes (group commit).
 */
export class RWLayerStore {
  private readonly containerLocks = new KeyedLock();
  /** Container ID → its layerdb/mounts record; empty until startup recovery hands over what it loaded (restore). */
  private records = new Map<string, MountRecord>();
  private readonly initLayers = new InitLayerBuilder();
  private readonly workingDirs = new WorkingDirBuilder();
  private projectQuota: boolean | undefined;

  constructor(
    private readonly layout: StoreLayout,
    private readonly layers: LayerStore,
    private readonly failpoint: Failpoint,
    private readonly flush: BatchFlush,
  ) {}

  /** Whether overlay2/ is on xfs with project quotas (dockerd's projectQuotaSupported), found out once. */
  hasProjectQuota(): boolean {
    return (this.projectQuota ??= hasProjectQuota(this.layout.overlayHome));
  }

  /** Takes the records startup recovery loaded (their parents already count them), before any call is served. */
  restore(records: Map<string, MountRecord>): void {
    this.records = records;
  }

  listRWLayers(): MountRecord[] {
    return [...this.records.values()];
  }

  get rwLayerCount(): number {
    return this.records.size;
  }

  /**
   * Makes the container's RW layer while `alongside` is made (its volumes, whose flushes then share rounds
   * with the RW layer's), and answers what `alongside` made once both are done. All or nothing: when either
   * fails, both are undone before the error is thrown. Refused before anything is made: a bad container ID
   * or WorkingDir, a container that has an RW layer (ALREADY_EXISTS), an unknown parent layer.
   */
  async createRWLayer<T>(input: CreateRWLayerInput, alongside: MadeAlongside<T>): Promise<T> {
    const { containerId, workingDir } = input;
    if (!isFullId(containerId)) throw invalidArgument(`container ID "${containerId}" is not 64 lowercase hex characters`);
    if (workingDir !== "" && !workingDir.startsWith("/")) {
      throw invalidArgument(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`);
    }
    return this.containerLocks.run(containerId, async () => {
      if (this.records.has(containerId)) throw alreadyExists(`mount already exists with name ${containerId}`);
      const parent = this.layers.acquire(input.parentChainId);
      const mountId = generateRandomId();
      const record: MountRecord = { containerId, mountId, initId: `${mountId}-init`, parentChainId: parent?.chainId ?? "" };
      try {
        const [built, made] = await Promise.allSettled([this.build(record, parent, workingDir), alongside.make()]);
        if (built.status === "fulfilled" && made.status === "fulfilled") {
          this.adopt(record, parent);
          return made.value;
        }
        await Promise.all([built.status === "fulfilled" ? this.takeBack(record, parent) : undefined, alongside.undo()]);
        throw built.status === "rejected" ? built.reason : (made as PromiseRejectedResult).reason;
      } finally {
        this.layers.unpend(parent);
      }
    });
  }

  /** Builds and publishes the RW layer; when that fails, its directories are removed. */
  private async build(record: MountRecord, parent: LayerState | undefined, workingDir: string): Promise<void> {
    try {
      await this.buildRWLayer(record, parent, workingDir);
    } catch (err) {
      await Promise.all([removeLayerDir(this.layout, record.initId), removeLayerDir(this.layout, record.mountId)]);
      if (err instanceof NotADirectoryError) throw invalidArgument(`Cannot mkdir: ${workingDir} is not a directory`);
      throw err;
    }
  }

  /** Lists a published RW layer and counts it on its parent. */
  private adopt(record: MountRecord, parent: LayerState | undefined): void {
    this.records.set(record.containerId, record);
    if (parent) this.layers.retainRw(parent, record.containerId);
  }

  /**
   * Removes a published RW layer whose create failed. What a failed removal leaves unnamed, recovery removes;
   * a record it leaves published stays listed, so that the layer is released later as the orphan it is.
   */
  private async takeBack(record: MountRecord, parent: LayerState | undefined): Promise<void> {
    try {
      await this.removeRWLayer(record);
    } catch {
      if (lstatIfExists(this.layout.mountRecordDir(record.containerId))) this.adopt(record, parent);
    }
  }

  /**
   * Init layer, then mount layer, each complete on disk, then layerdb/mounts/<id> published last:
   * until that rename the directories are unnamed and recovery removes them. Everything is flushed
   * before the rename, and the rename itself after it (BatchFlush.publish): one thread-pool job, a round
   * shared with concurrent creates, instead of a job per batch and flush and renames on the main thread,
   * which every call the process serves would wait behind.
   */
  private async buildRWLayer(record: MountRecord, parent: LayerState | undefined, workingDir: string): Promise<void> {
    const { mountId, initId } = record;
    const imageLayers = this.layers.diffStack(parent);
    const batch = new FsBatch();
    makeLayerDir(this.layout, initId, batch);
    const init = finishLayerDir(this.layout, initId, parent && linksOf(parent), { mounted: true }, batch);
    await this.initLayers.build(this.layout.diffDir(initId), imageLayers, batch);
    await this.crashPoint("create-rw-layer:after-init-layer", batch);
    makeLayerDir(this.layout, mountId, batch);
    finishLayerDir(this.layout, mountId, init, { mounted: true }, batch);
    if (workingDir !== "") await this.workingDirs.build(this.layout.diffDir(mountId), this.layout.diffDir(initId), imageLayers, workingDir, batch);
    markCommitted(this.layout, initId, batch);
    if (parent) markCommitted(this.layout, parent.cacheId, batch);
    await this.crashPoint("create-rw-layer:after-mount-layer", batch);
    const recordDir = writeMountRecord(this.layout, record, batch);
    await this.crashPoint("create-rw-layer:before-publish", batch);
    await this.flush.publish(batch, recordDir, this.layout.mountRecordDir(record.containerId));
    this.failpoint("create-rw-layer:after-publish");
  }

  /** A failpoint inside a batched step: when armed, the writes so far are applied first, so the crash finds them. */
  private async crashPoint(point: string, pending: FsBatch): Promise<void> {
    if (this.failpoint.armed(point)) await pending.apply();
    this.failpoint(point);
  }

  getRWLayer(containerId: string): MountRecord {
    const rw = this.records.get(containerId);
    if (!rw) throw notFound(`container ${containerId} has no RW layer`);
    return rw;
  }

  /** Removes the RW layer (removeRWLayer), then drops its reference to its parent layer. */
  async releaseRWLayer(containerId: string): Promise<string[]> {
    return this.containerLocks.run(containerId, async () => {
      const rw = this.getRWLayer(containerId);
      await this.removeRWLayer(rw);
      return rw.parentChainId === "" ? [] : this.layers.releaseRw(rw.parentChainId, containerId);
    });
  }

  /**
   * Removes the layerdb entry first (durably, by flushing the two directories of its rename: a shared round's
   * syncfs would also write out every other removal's dirty metadata), then both directories and their l/
   * links (one thread-pool batch).
   */
  private async removeRWLayer(rw: MountRecord): Promise<void> {
    const batch = new FsBatch();
    const removing = unpublishMountRecord(this.layout, rw.containerId, batch);
    await batch.apply();
    this.records.delete(rw.containerId);
    this.failpoint("release-rw-layer:after-unpublish");
    removeLayerDirInto(batch, this.layout, rw.mountId);
    await this.crashPoint("release-rw-layer:after-mount-layer", batch);
    if (rw.initId !== "") removeLayerDirInto(batch, this.layout, rw.initId);
    batch.removeTree(removing);
    await batch.apply();
  }

  /** The overlay mount dockerd's overlay2 Get would perform for the container's root filesystem. */
  async getMounts(containerId: string): Promise<OverlayMountSpec> {
    const rw = this.getRWLayer(containerId);
    const lower = await readLower(this.layout, rw.mountId);
    const lowerDirs = lower === "" ? [] : lower.split(":").map((l) => join(this.layout.overlayHome, l));
    const dir = this.layout.layerDir(rw.mountId);
    const upperDir = join(dir, "diff");
    const workDir = join(dir, "work");
    return {
      lowerDirs,
      upperDir,
      workDir,
      mergedDir: join(dir, "merged"),
      options: `lowerdir=${lowerDirs.join(":")},upperdir=${upperDir},workdir=${workDir}`,
    };
  }
}
