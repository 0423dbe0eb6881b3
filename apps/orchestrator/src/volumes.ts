import { failedPrecondition, invalidArgument, isNotFound, notFound } from "@slipway/errors";
import { matchesPruneFilters, matchKeyValueList } from "@slipway/docker-spec";
import type { CallOpts } from "@slipway/grpc-kit";
import type { layerstore } from "@slipway/proto";
import type { InFlightCreates } from "./in-flight.js";
import { PruneGuard } from "./prune-guard.js";
import type { Stores } from "./stores.js";

export interface CreateVolumeInput {
  readonly name: string;
  readonly driver: string;
  readonly driverOpts: Record<string, string>;
  readonly labels: Record<string, string>;
}

const FILTERS = new Set(["name", "driver", "dangling", "label"]);
const PRUNE_FILTERS = new Set(["label", "label!"]);
const DANGLING: Record<string, boolean> = { true: true, "1": true, false: false, "0": false };

/**
 * `docker volume ls / inspect / create / rm` over layer-store's volumes. Whether a volume is in use comes
 * from the container records (their MountPoints) and the creates still running.
 */
export class VolumeService {
  private readonly prunes = new PruneGuard();

  constructor(
    private readonly stores: Stores,
    private readonly inFlight: InFlightCreates,
  ) {}

  /** GET /volumes with dockerd's filters: name (a pattern found in the name), driver, dangling, label. */
  async list(filters: Record<string, readonly string[]>, opts: CallOpts): Promise<layerstore.Volume[]> {
    requireFilters(filters, FILTERS);
    const dangling = danglingFilter(filters.dangling);
    const { volumes } = await this.stores.layers.listVolumes({ names: [] }, opts);
    const mounted = dangling === undefined ? new Set<string>() : new Set((await this.mounts(opts)).map((m) => m.name));
    return volumes
      .filter((v) => matchesAny(filters.name, (pattern) => patternFound(pattern, v.name)))
      .filter((v) => matchesAny(filters.driver, (driver) => driver === v.driver))
      .filter((v) => matchKeyValueList(filters.label, v.labels))
      .filter((v) => dangling === undefined || dangling !== mounted.has(v.name))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async inspect(name: string, opts: CallOpts): Promise<layerstore.Volume> {
    const { volumes } = await this.stores.layers.listVolumes({ names: [name] }, opts);
    if (volumes.length === 0) throw notFound(`get ${name}: no such volume`);
    return volumes[0]!;
  }

  /** A volume made with `docker volume create` is the user's: kept until removed, never an orphan. */
  async create(input: CreateVolumeInput, opts: CallOpts): Promise<layerstore.Volume> {
    const { name, driver, labels, driverOpts } = input;
    const { volume } = await this.stores.layers.createVolume({ name, driver, labels, driverOpts, parentChainId: "", path: "", keep: true }, opts);
    return volume!;
  }

  /**
   * POST /volumes/prune as dockerd's volume service runs it: every volume no container uses and made without
   * driver options (mounted ones would reclaim nothing), named ones too, that the label filters keep; one at a
   * time, a volume that fails to go skipped. The names removed, and the bytes their files took.
   */
  prune(filters: Record<string, readonly string[]>, opts: CallOpts): Promise<{ volumesDeleted: string[]; spaceReclaimed: number }> {
    return this.prunes.run(async () => {
      requireFilters(filters, PRUNE_FILTERS);
      const { volumes } = await this.stores.layers.listVolumes({ names: [] }, opts);
      const labels = { labels: filters.label ?? [], notLabels: filters["label!"] ?? [] };
      const candidates = volumes.filter((v) => Object.keys(v.options).length === 0 && matchesPruneFilters(labels, v.labels, 0n));
      const report = { volumesDeleted: [] as string[], spaceReclaimed: 0 };
      for (const { name } of candidates) {
        const size = await this.removeUnused(name, opts).catch(() => undefined);
        if (size === undefined) continue;
        report.volumesDeleted.push(name);
        report.spaceReclaimed += size;
      }
      return report;
    });
  }

  /** Removes the volume when nothing uses it, answering the bytes its files took; undefined when it is in use. */
  private removeUnused(name: string, opts: CallOpts): Promise<number | undefined> {
    return this.inFlight.removingVolume(name, async () => {
      if ((await this.usersOf(name, opts)).length > 0) return undefined;
      const { size } = await this.stores.layers.removeVolume({ name, measureSize: true }, opts);
      return size;
    });
  }

  /**
   * Removes a volume no container mounts and no running create uses (creates that ask for it meanwhile
   * wait, then make a new one), with dockerd's "in use" and "no such volume" errors.
   */
  async remove(name: string, force: boolean, opts: CallOpts): Promise<void> {
    await this.inFlight.removingVolume(name, async () => {
      const users = await this.usersOf(name, opts);
      if (users.length > 0) throw failedPrecondition(`remove ${name}: volume is in use - [${users.join(", ")}]`);
      await this.stores.layers.removeVolume({ name, measureSize: false }, opts).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
        if (!force) throw notFound(`get ${name}: no such volume`);
      });
    });
  }

  /**
   * `docker rm -v`: runs `remove` with the container's anonymous volumes that no other container's record
   * (`inUse`, through VolumesFrom) and no running create uses, as dockerd ignores its "in use" conflict there.
   * Creates that ask for one of the volumes meanwhile wait; those already using one are counted first.
   */
  async removeWithContainer(names: readonly string[], inUse: readonly string[], remove: (unused: readonly string[]) => Promise<void>): Promise<void> {
    const removeUnused = () => remove(names.filter((name) => this.inFlight.usersOf(name).length === 0 && !inUse.includes(name)));
    const guarded = names.reduce((inner, name) => () => this.inFlight.removingVolume(name, inner), removeUnused);
    await guarded();
  }

  /** The running creates (first: they are counted before any wait) and container records that use the volume, sorted. */
  private async usersOf(name: string, opts: CallOpts): Promise<string[]> {
    const creating = this.inFlight.usersOf(name);
    const filters = { volume: { values: [name] } };
    const { containers } = await this.stores.containers.listContainers({ filters, all: true, limit: 0 }, opts);
    const mounting = containers.filter((c) => c.mounts.some((m) => m.name === name)).map((c) => c.id);
    return [...new Set([...creating, ...mounting])].sort();
  }

  /** Every volume mount of every container record. */
  private async mounts(opts: CallOpts): Promise<{ containerId: string; name: string }[]> {
    const { containers } = await this.stores.containers.listContainers({ filters: {}, all: true, limit: 0 }, opts);
    return containers.flatMap((c) => c.mounts.filter((m) => m.name !== "").map((m) => ({ containerId: c.id, name: m.name })));
  }
}

function requireFilters(filters: Record<string, readonly string[]>, accepted: ReadonlySet<string>): void {
  const unknown = Object.keys(filters).find((key) => !accepted.has(key));
  if (unknown) throw invalidArgument(`Invalid filter '${unknown}'`);
}

function danglingFilter(values: readonly string[] | undefined): boolean | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const parsed = values.map((value) => DANGLING[value.toLowerCase()]);
  if (values.length > 1 || parsed[0] === undefined) throw invalidArgument(`Invalid filter 'dangling=[${values.join(" ")}]'`);
  return parsed[0];
}

function matchesAny(values: readonly string[] | undefined, matches: (value: string) => boolean): boolean {
  return values === undefined || values.length === 0 || values.some(matches);
}

/** dockerd matches a name filter as a regular expression found anywhere in the name; a bad one matches nothing. */
function patternFound(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return false;
  }
}
