import { isNotFound } from "@slipway/errors";
import { isFullId } from "@slipway/docker-spec";
import type { Logger } from "@slipway/grpc-kit";
import { ignoreNotFound } from "./errors.js";
import type { InFlightCreates } from "./in-flight.js";
import type { Stores } from "./stores.js";

export interface ReconcilerOptions {
  /** How long an orphan must stay an orphan before it is removed (a create in another process may be half way). */
  readonly graceMs: number;
  /** Clock, for the grace period. */
  readonly now?: () => number;
  /** This orchestrator's lease: what other, dead orchestrators' creates left goes at once (FindAbandoned). */
  readonly leaseId?: string;
}

/** The store calls a pass makes: the clients of Stores, or fakes of just these calls in a unit test. */
export interface ReconcilerStores {
  readonly layers: Pick<Stores["layers"], "listRwLayers" | "listVolumes" | "releaseRwLayer" | "keepVolumes" | "removeVolume" | "findAbandoned">;
  readonly containers: Pick<Stores["containers"], "listContainers" | "getContainer">;
}

/** Counts are totals since start (each removal counts at once, even if the rest of its pass fails). */
export interface ReconcilerStatus {
  runs: number;
  lastRunAt: string;
  releasedRwLayers: number;
  removedVolumes: number;
  containersMissingRwLayer: string[];
  lastError: string;
  /**
   * > 0 when orphans remain that layer-store cannot yet tell abandoned or not (it started less than a lease
   * TTL ago): a pass after this many ms can remove them without the grace period.
   */
  recheckInMs: number;
}

/**
 * Finds what the stores hold that no container explains, and removes it once it has been an orphan for
 * the grace period: RW layers without a container record, and anonymous volumes (64-hex names) that
 * Slipway made for a create and never marked kept (the create did not commit) and that no container
 * mounts. A volume Slipway did not make for a create (a stock dockerd's, on the same data root) is never
 * touched. Containers whose RW layer is missing are reported, not changed.
 * The layer store records no creation time for RW layers, so their age is counted from the first run
 * that saw them orphaned; volumes carry their own creation time.
 */
export class Reconciler {
  private readonly orphanSince = new Map<string, number>();
  private running: Promise<ReconcilerStatus> | undefined;
  private readonly status: ReconcilerStatus = {
    runs: 0,
    lastRunAt: "",
    releasedRwLayers: 0,
    removedVolumes: 0,
    containersMissingRwLayer: [],
    lastError: "",
    recheckInMs: 0,
  };

  constructor(
    private readonly stores: ReconcilerStores,
    private readonly inFlight: InFlightCreates,
    private readonly logger: Logger,
    private readonly options: ReconcilerOptions,
  ) {}

  /** One pass; a pass already running is joined rather than started twice. */
  run(): Promise<ReconcilerStatus> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<ReconcilerStatus> {
    const now = this.options.now ?? Date.now;
    try {
      // Layers and volumes are listed before the containers: a create that commits in between is then
      // seen as a container, never as an orphan.
      const [{ rwLayers }, { volumes }] = await Promise.all([this.stores.layers.listRwLayers({}), this.stores.layers.listVolumes({ names: [] })]);
      const { containers } = await this.stores.containers.listContainers({ filters: {}, all: true, limit: 0 });
      const containerIds = new Set(containers.map((c) => c.id));
      const mountedVolumes = new Set(containers.flatMap((c) => c.mounts.map((m) => m.name)));
      const orphanLayers = rwLayers.map((l) => l.containerId).filter((id) => !containerIds.has(id) && !this.inFlight.hasContainer(id));
      const orphanVolumes = volumes.filter((v) => this.mayBeOrphan(v, mountedVolumes)).map((v) => v.name);
      const abandoned = await this.stores.layers.findAbandoned({
        containerIds: orphanLayers,
        volumeNames: orphanVolumes,
        leaseId: this.options.leaseId ?? "",
      });
      const released = await this.releaseOrphanLayers(orphanLayers, new Set(abandoned.containerIds), now());
      await this.keepMountedVolumes(volumes, mountedVolumes);
      const removed = await this.removeOrphanVolumes(volumes, mountedVolumes, new Set(abandoned.volumeNames), now());
      const undecided = orphanLayers.length + orphanVolumes.length > released + removed;
      this.status.recheckInMs = undecided ? Number(abandoned.undecidedForMs) : 0;
      const layerOwners = new Set(rwLayers.map((l) => l.containerId));
      const missing = [...containerIds].filter((id) => !layerOwners.has(id));
      Object.assign(this.status, { containersMissingRwLayer: missing, lastError: "" });
      const entry = { releasedRwLayers: released, removedVolumes: removed, containersMissingRwLayer: missing };
      if (missing.length > 0)
        this.logger.warn(entry, "reconciler: containers whose RW layer is missing (inspect shows no GraphDriver data; rm removes them)");
      else this.logger.info(entry, "reconciler pass done");
    } catch (err) {
      this.status.lastError = err instanceof Error ? err.message : String(err);
      this.logger.warn({ error: this.status.lastError }, "reconciler pass failed; retrying at the next interval");
    }
    this.status.runs++;
    this.status.lastRunAt = new Date(now()).toISOString();
    return this.snapshot();
  }

  /** A copy of the counts so far. */
  snapshot(): ReconcilerStatus {
    return { ...this.status, containersMissingRwLayer: [...this.status.containersMissingRwLayer] };
  }

  /** Orphans go once abandoned (their creator's lease lapsed), or else after the grace period. */
  private async releaseOrphanLayers(orphans: string[], abandoned: Set<string>, now: number): Promise<number> {
    for (const id of [...this.orphanSince.keys()]) if (!orphans.includes(id)) this.orphanSince.delete(id);
    let released = 0;
    for (const id of orphans) {
      const since = this.orphanSince.get(id) ?? now;
      this.orphanSince.set(id, since);
      if (!abandoned.has(id) && now - since < this.options.graceMs) continue;
      if (await this.recordExists(id)) continue;
      await this.stores.layers.releaseRwLayer({ containerId: id }).catch(ignoreNotFound);
      this.orphanSince.delete(id);
      this.logger.info({ containerId: id }, "reconciler released an RW layer no container record names");
      this.status.releasedRwLayers++;
      released++;
    }
    return released;
  }

  /** The list can be stale by the time an orphan is released: ask for the one record before deleting its layer. */
  private async recordExists(containerId: string): Promise<boolean> {
    return this.stores.containers.getContainer({ idOrName: containerId }).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
  }

  /** A provisional volume a container mounts belongs to a committed create (whose own keep call was missed). */
  private async keepMountedVolumes(volumes: { name: string; kept: boolean }[], mounted: Set<string>): Promise<void> {
    const names = volumes.filter((v) => !v.kept && mounted.has(v.name)).map((v) => v.name);
    if (names.length > 0) await this.stores.layers.keepVolumes({ names });
  }

  /** The list can be stale by the time an orphan volume goes (a create may have committed since): ask again. */
  private async mountedNow(name: string): Promise<boolean> {
    const { containers } = await this.stores.containers.listContainers({ filters: { volume: { values: [name] } }, all: true, limit: 1 });
    return containers.length > 0;
  }

  /** An anonymous volume Slipway made for a create, never kept, that no container mounts and no running create uses. */
  private mayBeOrphan(volume: { name: string; kept: boolean }, mounted: Set<string>): boolean {
    return isFullId(volume.name) && !volume.kept && !mounted.has(volume.name) && !this.inFlight.hasVolume(volume.name);
  }

  /** Orphan volumes go once abandoned (their creator's lease lapsed), or else after the grace period. */
  private async removeOrphanVolumes(
    volumes: { name: string; createdAt: string; kept: boolean }[],
    mounted: Set<string>,
    abandoned: Set<string>,
    now: number,
  ): Promise<number> {
    let removed = 0;
    for (const volume of volumes) {
      if (!this.mayBeOrphan(volume, mounted)) continue;
      const created = Date.parse(volume.createdAt);
      if (!abandoned.has(volume.name) && Number.isFinite(created) && now - created < this.options.graceMs) continue;
      if (await this.mountedNow(volume.name)) continue;
      await this.stores.layers.removeVolume({ name: volume.name, measureSize: false }).catch(ignoreNotFound);
      this.logger.info({ volume: volume.name }, "reconciler removed an anonymous volume no container mounts");
      this.status.removedVolumes++;
      removed++;
    }
    return removed;
  }
}
