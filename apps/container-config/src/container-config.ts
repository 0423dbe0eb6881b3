import { randomInt } from "node:crypto";
import type { Logger } from "pino";
import { alreadyExists, failedPrecondition, internal, invalidArgument, isSystemError, notFound } from "@slipway/errors";
import {
  allocationError,
  attachVolumes,
  encodeGo,
  encodeGoJson,
  ImageConfigCache,
  mergeAndVerify,
  mountPointsOf,
  parseSecurityOpts,
  renamedConfigV2,
  renameTarget,
  renderConfigV2,
  requireRenameNames,
  rfc3339Nano,
  configType,
  hostConfigType,
  storedEndpointType,
  type HostInfo,
  type PathProbe,
  type AttachedVolume,
  type ContainerVolume,
  type Link,
  type MergedContainer,
  type RandomIndex,
} from "@slipway/container-rules";
import { goJson, isFullId, matchesPruneFilters, parsePruneFilters, PruneFilterError } from "@slipway/docker-spec";
import { ContainerIndex } from "./container-index.js";
import { ContainerEvents } from "./events.js";
import { ContainerLinks } from "./links.js";
import type { Filters } from "./list-filters.js";
import { NameRegistry } from "./name-registry.js";
import { PreparedContainers, type PreparedContainer } from "./prepared-containers.js";
import type { ResolvedImages } from "./resolved-images.js";
import type { ContainerStorage, SkippedEntry, StoredFiles } from "./storage.js";
import { createdNanos, entryFromRecord, networkModeOf, type ContainerSummary, type StoredConfigV2 } from "./summary.js";

export interface PrepareRequest {
  createRequestJson: Uint8Array;
  imageConfigJson: Uint8Array;
  containerId: string;
  apiVersion: string;
  /** The requested name, with or without "/"; "" to generate one. */
  name: string;
}

/** What the caller needs to make the container's layer and volumes; the rest waits here for the commit. */
export interface PrepareResult {
  /** The reserved name, with its "/". */
  name: string;
  warnings: string[];
  volumes: ContainerVolume[];
  /** The merged Config.WorkingDir ("" when unset). */
  workingDir: string;
  /** HostConfig.StorageOpt, for the RW layer. */
  storageOpt: Record<string, string>;
}

export interface CommitRequest {
  id: string;
  /** RFC3339Nano; empty for now. */
  created: string;
  imageId: string;
  volumes: AttachedVolume[];
}

export interface StoredContainer {
  id: string;
  names: readonly string[];
  configV2: string;
  hostConfig: string;
  /** HostConfig.Links as inspect shows them ("/<child>:/<name>/<alias>"). */
  links: string[];
}

export interface ContainerConfigOptions {
  /** Draws the words of generated names. */
  readonly random?: RandomIndex;
}

/** Records read per batch at start-up: bounds memory, and lets the cold-or-warm read choice follow the cache. */
const RECORDS_PER_READ = 500;
const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

/** The container-config domain: merge and verify, names, prepared containers, and the records in containers/. */
export class ContainerConfigService {
  private readonly names = new NameRegistry();
  private readonly index = new ContainerIndex(this.names);
  /** What `docker events` learns of records committed, renamed and deleted. */
  readonly events = new ContainerEvents();
  /** Containers being written or removed. */
  private readonly busy = new Set<string>();
  /** Commits being written, by container ID. */
  private readonly commits = new Map<string, Promise<void>>();
  /**
   * Whether the records on disk are loaded: until then a list would miss containers, and callers that act on
   * what is absent (the reconciler, an image removal) must not get one.
   */
  recovered = false;
  /** Containers being removed (a subset of busy): a second removal gets dockerd's "already in progress". */
  private readonly removing = new Set<string>();
  private readonly links: ContainerLinks;
  private readonly imageConfigs = new ImageConfigCache();
  private readonly prepared: PreparedContainers;
  private readonly random: RandomIndex;
  /** The existing containers, as the rules look them up (VolumesFrom, namespaces, links). */
  private readonly containers = {
    resolveContainer: (idOrName: string) => this.index.find(idOrName),
    mountPointsOfContainer: (id: string) => this.index.mountPointsOf(id),
  };

  constructor(
    private readonly storage: ContainerStorage,
    private readonly host: HostInfo,
    private readonly probe: PathProbe,
    private readonly logger: Logger,
    options: ContainerConfigOptions = {},
  ) {
    this.links = new ContainerLinks(this.names, this.index, logger);
    this.random = options.random ?? randomInt;
    this.prepared = new PreparedContainers(this.names);
  }

  /** How many container records there are (committed containers). */
  get containerCount(): number {
    return this.index.size;
  }

  /**
   * Merges and verifies the config, then reserves the name: a config error wins over a name error, as in
   * dockerd, and neither leaves anything reserved. Synchronous, so no other call sees a container half prepared.
   */
  prepare(request: PrepareRequest): PrepareResult {
    const id = request.containerId;
    if (!isFullId(id)) throw invalidArgument(`container_id must be 64 lowercase hex characters, got "${id}"`);
    if (this.prepared.has(id)) throw alreadyExists(`container ${id} is already prepared`);
    if (this.isCommitted(id)) throw alreadyExists(`container ${id} is already committed`);
    const merged = mergeAndVerify({
      body: request.createRequestJson,
      imageConfig: request.imageConfigJson.length > 0 ? request.imageConfigJson : null,
      imageConfigs: this.imageConfigs,
      containerId: id,
      apiVersion: request.apiVersion,
      host: this.host,
      probe: this.probe,
      ...this.containers,
      networkModeOf: this.links.targets.networkModeOf,
    });
    const recorded = recordForm(merged);
    const name = this.names.reserveRequested(request.name, id, this.random);
    this.prepared.hold(id, { name, ...recorded });
    const storageOpt = merged.hostConfig.StorageOpt ?? {};
    return { name, warnings: merged.warnings, volumes: merged.volumes, workingDir: merged.config.WorkingDir, storageOpt };
  }

  /** Drops a prepared container and releases its name; an ID that is not prepared is ignored. */
  abandon(id: string): void {
    this.prepared.abandon(id);
  }

  /** Writes the record of a prepared container; if the write fails, the container stays prepared. */
  async commit(request: CommitRequest): Promise<void> {
    const { id } = request;
    if (!isFullId(id)) throw invalidArgument(`container_id must be 64 lowercase hex characters, got "${id}"`);
    if (this.isCommitted(id)) throw alreadyExists(`container ${id} is already committed`);
    const prepared = this.prepared.get(id);
    if (!prepared) throw failedPrecondition(`container ${id} is not prepared`);
    const { links, ...files } = this.render(request, prepared);
    this.prepared.handOver(id);
    this.busy.add(id);
    const committing = this.storage.write(id, files).then(() => {
      const entry = entryFromRecord(JSON.parse(files.configV2) as StoredConfigV2, prepared.hostConfig.NetworkMode, [prepared.name]);
      this.index.add(entry);
      this.links.register(prepared.name, links);
      this.events.created(entry.summary, prepared.name);
    });
    this.commits.set(id, committing);
    try {
      await committing;
    } catch (err) {
      this.prepared.hold(id, prepared);
      throw err;
    } finally {
      this.busy.delete(id);
      this.commits.delete(id);
    }
  }

  /**
   * Waits until a commit of this full ID that is being written has settled. A caller that lost its commit's
   * answer (its stream was cut) asks whether the record exists: it must not be told "no" while the write
   * that makes it so is still under way.
   */
  async settled(idOrName: string): Promise<void> {
    await this.commits.get(idOrName)?.catch(() => undefined);
  }

  private isCommitted(id: string): boolean {
    return this.index.has(id) || this.busy.has(id);
  }

  /**
   * The files to write, and the links to register once they are written. Mount points and links are
   * resolved against the containers there are now: one that went away since the prepare fails the commit.
   */
  private render(request: CommitRequest, prepared: PreparedContainer): StoredFiles & { links: Link[] } {
    const created = request.created || rfc3339Nano(new Date(), Number(process.hrtime.bigint() % 1_000_000n));
    if (!RFC3339_NANO.test(created)) throw invalidArgument(`created must be RFC 3339 with nanoseconds in UTC, got "${created}"`);
    const hostMountPoints = mountPointsOf(prepared.hostConfig, { probe: this.probe, ...this.containers, daemonRoot: this.host.daemonRoot });
    const configV2 = renderConfigV2({
      id: request.id,
      created,
      path: prepared.path,
      args: prepared.args,
      configJson: prepared.configJson,
      imageId: request.imageId,
      networksJson: prepared.networksJson,
      name: prepared.name,
      anonymousEndpoint: this.names.isGenerated(prepared.name),
      mountPoints: attachVolumes(hostMountPoints, request.volumes),
      security: prepared.security,
    });
    return { configV2, hostConfig: prepared.hostConfigFile, links: this.links.resolve(prepared.hostConfig) };
  }

  get(idOrName: string): StoredContainer {
    const id = this.index.resolve(idOrName);
    return this.stored(id, this.readRecord(id, idOrName));
  }

  /** A record a removal took away meanwhile (it leaves the index last) is one there is no such container of. */
  private readRecord(id: string, idOrName: string): StoredFiles {
    try {
      return this.storage.read(id);
    } catch (err) {
      if (isSystemError(err) && err.code === "ENOENT") throw notFound(`No such container: ${idOrName}`);
      throw err;
    }
  }

  private stored(id: string, files: StoredFiles): StoredContainer {
    const names = this.names.namesOf(id);
    return { id, names, ...files, links: this.links.inspectForm(primaryName(names)) };
  }

  list(filters: Filters, all: boolean, limit: number, resolved: ResolvedImages): ContainerSummary[] {
    return this.index.list(filters, all, limit, resolved);
  }

  /** The same rows as list, as the JSON array GET /containers/json answers, in chunks. */
  listJsonChunks(filters: Filters, all: boolean, limit: number, resolved: ResolvedImages): Iterable<Buffer> {
    return this.index.listJsonChunks(filters, all, limit, resolved);
  }

  /** The distinct (Config.Image, image ID) pairs the containers were created from. */
  imageReferences(): { reference: string; imageId: string }[] {
    return this.index.imageReferences();
  }

  get listVersion(): string {
    return this.index.listVersion;
  }

  /** Which of a container's volumes other containers' records mount (rm -v keeps those). */
  volumesMountedByOthers(id: string): string[] {
    return this.index.volumesOf(id).filter((name) => this.index.isVolumeMountedByOthers(name, id));
  }

  /** Removes the record; also says which of its volumes other containers' records still mount (rm -v keeps those). */
  async delete(idOrName: string): Promise<{ removed: StoredContainer; volumesInUse: string[] }> {
    const id = this.index.resolve(idOrName);
    if (this.removing.has(id)) throw failedPrecondition(`removal of container ${idOrName} is already in progress`);
    if (this.busy.has(id)) throw failedPrecondition(`container ${id} is being written; retry`);
    this.busy.add(id);
    this.removing.add(id);
    try {
      const record = this.stored(id, this.readRecord(id, idOrName));
      const volumes = this.index.volumesOf(id);
      const summary = this.index.summaryOf(id)!;
      await this.storage.remove(id);
      this.index.remove(id);
      this.links.release(primaryName(record.names));
      this.names.releaseAll(id);
      this.events.destroyed(summary, primaryName(record.names));
      return { removed: record, volumesInUse: volumes.filter((name) => this.index.isVolumeMounted(name)) };
    } finally {
      this.busy.delete(id);
      this.removing.delete(id);
    }
  }

  /**
   * docker rename: config.v2.json rewritten durably with the new name, then the names moved (the container's,
   * and the link names under it). The new name is reserved first, so that no create takes it meanwhile; if
   * the write fails, the names follow what the record on disk says.
   */
  async rename(idOrName: string, newName: string): Promise<void> {
    requireRenameNames(idOrName, newName);
    const id = this.index.resolve(idOrName);
    const oldName = primaryName(this.names.namesOf(id));
    const name = renameTarget(oldName, newName);
    if (this.busy.has(id)) throw failedPrecondition(`container ${id} is being written or removed; retry`);
    try {
      this.names.reserve(name, id);
    } catch (err) {
      throw allocationError(err);
    }
    this.busy.add(id);
    let configV2: string;
    try {
      configV2 = renamedConfigV2(this.storage.read(id).configV2, name);
      await this.storage.replaceConfigV2(id, configV2);
    } catch (err) {
      this.settleFailedRename(id, oldName, name);
      throw err;
    } finally {
      this.busy.delete(id);
    }
    this.moveNames(id, oldName, configV2);
    this.events.renamed(this.index.summaryOf(id)!, name, oldName);
  }

  /** The names, and the index entry, of a container whose record now holds a new Name. */
  private moveNames(id: string, oldName: string, configV2: string): void {
    const record = JSON.parse(configV2) as StoredConfigV2;
    this.links.move(oldName, record.Name);
    this.names.release(oldName, id);
    this.index.replace(entryFromRecord(record, this.index.networkModeOf(id), [record.Name]));
  }

  /** After a failed rewrite the record holds the old name or, when only the flush after the rename failed, the new one. */
  private settleFailedRename(id: string, oldName: string, name: string): void {
    let configV2: string | undefined;
    try {
      configV2 = this.storage.read(id).configV2;
    } catch (err) {
      this.logger.warn({ container: id, err: (err as Error).message }, "record unreadable after a failed rename; keeping the old name");
    }
    if (configV2 !== undefined && (JSON.parse(configV2) as StoredConfigV2).Name === name) this.moveNames(id, oldName, configV2);
    else this.names.release(name, id);
  }

  /** The containers `docker container prune` removes with these filters, newest first: none runs here, so every one that matches. */
  containersToPrune(filters: Filters, now = new Date()): string[] {
    const selection = pruneFiltersOf(filters, now);
    return this.index.idsWhere((entry) => matchesPruneFilters(selection, entry.summary.labels, createdNanos(entry)));
  }

  /** Start-up: removes leftovers, loads every record into the index and the names; broken ones are skipped and reported. */
  async recover(): Promise<{ loaded: number; skipped: SkippedEntry[] }> {
    await this.storage.init();
    const swept = await this.storage.sweepLeftovers();
    const skipped: SkippedEntry[] = swept.map((name) => ({ name, reason: "leftover of an interrupted write or remove; deleted" }));
    const ids = await this.storage.listIds();
    const linking: [name: string, hostConfig: string][] = [];
    for (let start = 0; start < ids.length; start += RECORDS_PER_READ) {
      const batch = ids.slice(start, start + RECORDS_PER_READ);
      const files = await this.storage.readMany(batch);
      batch.forEach((id, i) => {
        const reason = this.load(id, files[i]!);
        if (reason) skipped.push({ name: id, reason });
        // Parsed again only when it holds links (rare): start-up reads thousands of records.
        else if ((files[i] as StoredFiles).hostConfig.includes('"Links":['))
          linking.push([primaryName(this.names.namesOf(id)), (files[i] as StoredFiles).hostConfig]);
      });
      await new Promise((resolve) => setImmediate(resolve)); // let health checks answer
    }
    // Once every container is known: a link may name any of them.
    for (const [name, hostConfig] of linking) this.links.restore(name, hostConfig);
    for (const entry of skipped) this.logger.warn({ container: entry.name, reason: entry.reason }, "container record skipped");
    this.logger.info({ loaded: this.index.size, skipped: skipped.length }, "containers loaded");
    this.recovered = true;
    return { loaded: this.index.size, skipped };
  }

  private load(dir: string, files: StoredFiles | Error): string | undefined {
    if (!isFullId(dir)) return "not a container ID";
    try {
      if (files instanceof Error) throw files;
      const { configV2, hostConfig } = files;
      const record = JSON.parse(configV2) as StoredConfigV2;
      if (record.ID !== dir) return `config.v2.json names container ${JSON.stringify(record.ID)}`;
      const name = typeof record.Name === "string" && record.Name !== "" ? record.Name : "";
      if (name === "") return "config.v2.json has no Name";
      this.names.reserve(name, dir);
      this.index.add(entryFromRecord(record, networkModeOf(hostConfig), [name]));
      return undefined;
    } catch (err) {
      this.names.releaseAll(dir);
      return `unreadable record: ${(err as Error).message}`;
    }
  }
}

/** The merge's results as the record keeps them: the documents in Go's encoding, the security options parsed. */
function recordForm(merged: MergedContainer): Omit<PreparedContainer, "name"> {
  const networks =
    merged.networks &&
    new Map(
      Object.entries(merged.networks)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, encodeGo(storedEndpointType, v)]),
    );
  return {
    configJson: encodeGoJson(configType, merged.config),
    hostConfigFile: `${encodeGoJson(hostConfigType, merged.hostConfig)}\n`,
    networksJson: goJson(networks),
    path: merged.path,
    args: merged.args,
    hostConfig: merged.hostConfig,
    security: parseSecurityOpts(merged.hostConfig.SecurityOpt),
  };
}

/** dockerd's answers to prune filters it refuses: 400 for an unknown key, 500 for an until it cannot use. */
function pruneFiltersOf(filters: Filters, now: Date) {
  try {
    return parsePruneFilters(filters, now);
  } catch (err) {
    if (!(err instanceof PruneFilterError)) throw err;
    throw err.invalidParameter ? invalidArgument(err.message) : internal(err.message);
  }
}

/** A container's own name: the one of its names with a single slash (the others are link names). */
function primaryName(names: readonly string[]): string {
  return names.find((name) => name.lastIndexOf("/") === 0) ?? "";
}
