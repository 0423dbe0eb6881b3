import { randomInt } from "node:crypto";
import type { Logger } from "pino";
import { alreadyExists, failedPrecondition, invalidArgument } from "@slipway/errors";
import {
  attachVolumes,
  decodeGo,
  encodeGo,
  ImageConfigCache,
  lookupName,
  mergeAndVerify,
  mountPointsOf,
  parseSecurityOpts,
  renderConfigV2,
  rfc3339Nano,
  configType,
  hostConfigType,
  storedEndpointType,
  type HostConfig,
  type HostInfo,
  type PathProbe,
  type AttachedVolume,
  type ContainerVolume,
  type Link,
  type RandomIndex,
} from "@slipway/container-rules";
import { goJson, isFullId } from "@slipway/docker-spec";
import { ContainerIndex } from "./container-index.js";
import { ContainerLinks } from "./links.js";
import type { Filters } from "./list-filters.js";
import { NameRegistry } from "./name-registry.js";
import type { ContainerStorage, SkippedEntry, StoredFiles } from "./storage.js";
import { entryFromRecord, networkModeOf, type ContainerSummary, type StoredConfigV2 } from "./summary.js";

export interface MergeRequest {
  createRequestJson: Uint8Array;
  imageConfigJson: Uint8Array;
  containerId: string;
  apiVersion: string;
}

/** MergeAndVerify's answer: the JSON documents already in Go's form. */
export interface MergedConfig {
  configJson: string;
  hostConfigJson: string;
  networksJson: string;
  path: string;
  args: string[];
  warnings: string[];
  volumes: ContainerVolume[];
}

export interface CommitRequest {
  id: string;
  name: string;
  /** RFC3339Nano; empty for now. */
  created: string;
  imageId: string;
  merged: Pick<MergedConfig, "configJson" | "hostConfigJson" | "networksJson" | "path" | "args">;
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

/** Records read per batch at start-up: bounds memory, and lets the cold-or-warm read choice follow the cache. */
const RECORDS_PER_READ = 500;
const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

/** The container-config domain: merge and verify, names, and the records in containers/. */
export class ContainerConfigService {
  private readonly names = new NameRegistry();
  private readonly index = new ContainerIndex(this.names);
  private readonly busy = new Set<string>();
  private readonly links: ContainerLinks;
  private readonly imageConfigs = new ImageConfigCache();

  constructor(
    private readonly storage: ContainerStorage,
    private readonly host: HostInfo,
    private readonly probe: PathProbe,
    private readonly logger: Logger,
    private readonly random: RandomIndex = randomInt,
  ) {
    this.links = new ContainerLinks(this.names, this.index, logger);
  }

  mergeAndVerify(request: MergeRequest): MergedConfig {
    if (!isFullId(request.containerId)) throw invalidArgument(`container_id must be 64 lowercase hex characters, got "${request.containerId}"`);
    const merged = mergeAndVerify({
      body: request.createRequestJson,
      imageConfig: request.imageConfigJson.length > 0 ? request.imageConfigJson : null,
      imageConfigs: this.imageConfigs,
      containerId: request.containerId,
      apiVersion: request.apiVersion,
      host: this.host,
      probe: this.probe,
      resolveContainer: (idOrName) => this.index.find(idOrName),
      mountPointsOfContainer: (id) => this.index.mountPointsOf(id),
      networkModeOf: this.links.targets.networkModeOf,
    });
    const networks =
      merged.networks &&
      new Map(
        Object.entries(merged.networks)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, encodeGo(storedEndpointType, v)]),
      );
    return {
      configJson: goJson(encodeGo(configType, merged.config)),
      hostConfigJson: goJson(encodeGo(hostConfigType, merged.hostConfig)),
      networksJson: goJson(networks),
      path: merged.path,
      args: merged.args,
      warnings: merged.warnings,
      volumes: merged.volumes,
    };
  }

  reserveName(requested: string, id: string): string {
    if (!isFullId(id)) throw invalidArgument(`container_id must be 64 lowercase hex characters, got "${id}"`);
    return this.names.reserveRequested(requested, id, this.random);
  }

  releaseName(name: string, id: string): void {
    this.names.release(name, id);
  }

  async commit(request: CommitRequest): Promise<StoredContainer> {
    const { id } = request;
    if (!isFullId(id)) throw invalidArgument(`container_id must be 64 lowercase hex characters, got "${id}"`);
    const name = lookupName(request.name);
    if (this.names.holderOf(name) !== id)
      throw failedPrecondition(`the name ${name} is not reserved for container ${id}; reserve it with ReserveName first`);
    if (this.index.has(id) || this.busy.has(id)) throw alreadyExists(`container ${id} is already committed`);
    const { links, ...files } = this.render(request, name);
    this.busy.add(id);
    try {
      await this.storage.write(id, files);
      this.index.add(entryFromRecord(JSON.parse(files.configV2) as StoredConfigV2, networkModeOf(files.hostConfig), [name]));
      this.links.register(name, links);
    } finally {
      this.busy.delete(id);
    }
    return this.stored(id, files);
  }

  /** The files to write, and the links to register once they are written (resolved first: a missing container fails the commit). */
  private render(request: CommitRequest, name: string): { configV2: string; hostConfig: string; links: Link[] } {
    const created = request.created || rfc3339Nano(new Date(), Number(process.hrtime.bigint() % 1_000_000n));
    if (!RFC3339_NANO.test(created)) throw invalidArgument(`created must be RFC 3339 with nanoseconds in UTC, got "${created}"`);
    const host = parseDocument(request.merged.hostConfigJson, "host_config_json", hostConfigType) as HostConfig;
    parseDocument(request.merged.configJson, "config_json", configType);
    if (request.merged.networksJson !== "null") parseDocument(request.merged.networksJson, "networking_config_json");
    const hostMountPoints = mountPointsOf(host, {
      probe: this.probe,
      resolveContainer: (idOrName) => this.index.find(idOrName),
      mountPointsOfContainer: (id) => this.index.mountPointsOf(id),
      daemonRoot: this.host.daemonRoot,
    });
    const mountPoints = attachVolumes(hostMountPoints, request.volumes);
    const configV2 = renderConfigV2({
      id: request.id,
      created,
      path: request.merged.path,
      args: request.merged.args,
      configJson: request.merged.configJson,
      imageId: request.imageId,
      networksJson: request.merged.networksJson,
      name,
      anonymousEndpoint: this.names.isGenerated(name),
      mountPoints,
      security: parseSecurityOpts(host.SecurityOpt),
    });
    return { configV2, hostConfig: `${request.merged.hostConfigJson}\n`, links: this.links.resolve(host) };
  }

  get(idOrName: string): StoredContainer {
    const id = this.index.resolve(idOrName);
    return this.stored(id, this.storage.read(id));
  }

  private stored(id: string, files: StoredFiles): StoredContainer {
    const names = this.names.namesOf(id);
    return { id, names, ...files, links: this.links.inspectForm(primaryName(names)) };
  }

  list(filters: Filters, all: boolean, limit: number): ContainerSummary[] {
    return this.index.list(filters, all, limit);
  }

  /** The same rows as list, as the JSON array GET /containers/json answers, in chunks. */
  listJsonChunks(filters: Filters, all: boolean, limit: number): Iterable<Buffer> {
    return this.index.listJsonChunks(filters, all, limit);
  }

  get listVersion(): string {
    return this.index.listVersion;
  }

  /** Removes the record; also says which of its volumes other containers' records still mount (rm -v keeps those). */
  async delete(idOrName: string): Promise<{ removed: StoredContainer; volumesInUse: string[] }> {
    const id = this.index.resolve(idOrName);
    if (this.busy.has(id)) throw failedPrecondition(`container ${id} is being written or removed; retry`);
    this.busy.add(id);
    try {
      const record = this.stored(id, this.storage.read(id));
      const volumes = this.index.volumesOf(id);
      await this.storage.remove(id);
      this.index.remove(id);
      this.links.release(primaryName(record.names));
      this.names.releaseAll(id);
      return { removed: record, volumesInUse: volumes.filter((name) => this.index.isVolumeMounted(name)) };
    } finally {
      this.busy.delete(id);
    }
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

function parseDocument(text: string, field: string, type?: Parameters<typeof decodeGo>[0]): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`${field} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw invalidArgument(`${field} must be a JSON object`);
  return type ? decodeGo(type, json) : json;
}

/** A container's own name: the one of its names with a single slash (the others are link names). */
function primaryName(names: readonly string[]): string {
  return names.find((name) => name.lastIndexOf("/") === 0) ?? "";
}
