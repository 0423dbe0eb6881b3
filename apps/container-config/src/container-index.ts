import { randomBytes } from "node:crypto";
import { internal, notFound } from "@slipway/errors";
import { lookupName, type MountPointRecord } from "@slipway/container-rules";
import { isFullId } from "@slipway/docker-spec";
import { matches, validateFilters, type Filters } from "./list-filters.js";
import { listRowBytes } from "./list-row.js";
import type { NameRegistry } from "./name-registry.js";
import { imageReferenceKey, shownImage, type ResolvedImages } from "./resolved-images.js";
import type { ContainerSummary, IndexEntry } from "./summary.js";

const [OPEN_BRACKET, COMMA, CLOSE_BRACKET] = ["[", ",", "]"].map((text) => Buffer.from(text));

/**
 * Chunks of the list body stay under glibc's mmap threshold (128 KiB), so each comes from reused heap
 * memory: a fresh multi-megabyte buffer would be page-faulted in, which costs more than copying the rows.
 */
const LIST_CHUNK_BYTES = 64 * 1024;

/** The in-memory view of every container record: lookups by ID, prefix or name, and the ps list. */
export class ContainerIndex {
  private readonly entries = new Map<string, IndexEntry>();
  /** Newest first, as GET /containers/json returns them. */
  private ordered: IndexEntry[] = [];
  private orderedStale = false;
  /** Volume name → the containers whose records mount it. */
  private readonly volumeUsers = new Map<string, Set<string>>();
  /** imageReferenceKey → how many containers were created from that pair (a list asks for the distinct pairs). */
  private readonly imageReferenceUsers = new Map<string, { reference: string; imageId: string; count: number }>();
  private changes = 0;
  /** A new series per start: a version handed out before a restart never matches one after it. */
  private readonly series = randomBytes(6).toString("hex");

  constructor(private readonly names: NameRegistry) {}

  /** Changes whenever any list's rows may have changed: a record added or removed, or any names. */
  get listVersion(): string {
    return `${this.series}.${this.changes + this.names.changes}`;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** A container's list row (undefined for an unknown ID). */
  summaryOf(id: string): ContainerSummary | undefined {
    return this.entries.get(id)?.summary;
  }

  /** A container's HostConfig.NetworkMode ("" for an unknown ID). */
  networkModeOf(id: string): string {
    return this.entries.get(id)?.summary.networkMode ?? "";
  }

  /** A container's mount points as its config.v2.json records them ([] for an unknown ID). */
  mountPointsOf(id: string): readonly MountPointRecord[] {
    return this.entries.get(id)?.mountPoints ?? [];
  }

  /** The names of the volumes a container's record mounts ([] for an unknown ID). */
  volumesOf(id: string): string[] {
    const entry = this.entries.get(id);
    return entry ? volumeNamesOf(entry) : [];
  }

  /** Whether any container's record mounts the volume. */
  isVolumeMounted(name: string): boolean {
    return this.volumeUsers.has(name);
  }

  /** Whether a container's record other than `id`'s mounts the volume. */
  isVolumeMountedByOthers(name: string, id: string): boolean {
    const users = this.volumeUsers.get(name);
    return users !== undefined && users.size > (users.has(id) ? 1 : 0);
  }

  /** The distinct (Config.Image, image ID) pairs the containers were created from. */
  imageReferences(): { reference: string; imageId: string }[] {
    return [...this.imageReferenceUsers.values()].map(({ reference, imageId }) => ({ reference, imageId }));
  }

  /** A new container is usually the newest: it goes in front of the ordered list instead of forcing a sort. */
  add(entry: IndexEntry): void {
    this.entries.set(entry.summary.id, entry);
    this.countImageReference(entry, 1);
    for (const name of volumeNamesOf(entry)) this.volumeUsers.set(name, (this.volumeUsers.get(name) ?? new Set()).add(entry.summary.id));
    const newest = this.ordered[0];
    if (!this.orderedStale && (newest === undefined || entry.createdKey >= newest.createdKey)) this.ordered.unshift(entry);
    else this.orderedStale = true;
    this.changes++;
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.countImageReference(entry, -1);
    for (const name of volumeNamesOf(entry)) {
      const users = this.volumeUsers.get(name);
      if (users?.delete(id) && users.size === 0) this.volumeUsers.delete(name);
    }
    const at = this.orderedStale ? -1 : this.ordered.indexOf(entry);
    if (at >= 0) this.ordered.splice(at, 1);
    else this.orderedStale = true;
    this.changes++;
  }

  /** Replaces a container's entry (its record changed); it keeps its place in the list. */
  replace(entry: IndexEntry): void {
    const old = this.entries.get(entry.summary.id);
    if (!old) throw internal(`container ${entry.summary.id} is not in the index`);
    this.entries.set(entry.summary.id, entry);
    this.countImageReference(old, -1);
    this.countImageReference(entry, 1);
    const at = this.orderedStale ? -1 : this.ordered.indexOf(old);
    if (at >= 0) this.ordered[at] = entry;
    else this.orderedStale = true;
    this.changes++;
  }

  /** The IDs of the containers that pass `test`, newest first. */
  idsWhere(test: (entry: IndexEntry) => boolean): string[] {
    return this.newestFirst()
      .filter(test)
      .map((entry) => entry.summary.id);
  }

  /** daemon.GetContainer: full ID, then name, then a unique ID prefix. */
  resolve(idOrName: string): string {
    if (this.entries.has(idOrName)) return idOrName;
    const byName = idOrName === "" ? undefined : this.names.holderOf(lookupName(idOrName));
    if (byName && this.entries.has(byName)) return byName;
    if (idOrName !== "" && !isFullId(idOrName)) {
      const found = [...this.entries.keys()].filter((id) => id.startsWith(idOrName));
      if (found.length > 1) throw internal(`Multiple IDs found with provided prefix: ${idOrName}`);
      if (found.length === 1) return found[0]!;
    }
    throw notFound(`No such container: ${idOrName}`);
  }

  /** resolve() without the errors: the full ID, or undefined when nothing (or more than one) matches. */
  find(idOrName: string): string | undefined {
    try {
      return this.resolve(idOrName);
    } catch {
      return undefined;
    }
  }

  list(filters: Filters, all: boolean, limit: number, resolved: ResolvedImages): ContainerSummary[] {
    return this.select(filters, all, limit, resolved).map((entry) => ({
      ...entry.summary,
      image: shownImage(entry.summary, resolved),
      names: this.names.namesOf(entry.summary.id),
    }));
  }

  /**
   * The same rows as list, as the JSON array GET /containers/json answers, in chunks that concatenate
   * to it. The selection (and any filter error) happens before the first chunk.
   */
  listJsonChunks(filters: Filters, all: boolean, limit: number, resolved: ResolvedImages): Iterable<Buffer> {
    const selected = this.select(filters, all, limit, resolved);
    return this.chunksOf(selected, resolved);
  }

  private *chunksOf(selected: IndexEntry[], resolved: ResolvedImages): Generator<Buffer> {
    let pending: Buffer[] = [OPEN_BRACKET];
    let size = OPEN_BRACKET.length;
    for (let i = 0; i < selected.length; i++) {
      const { summary } = selected[i]!;
      const row = listRowBytes(selected[i]!, this.names.namesOf(summary.id), shownImage(summary, resolved));
      if (size + row.length > LIST_CHUNK_BYTES && size > 0) {
        yield Buffer.concat(pending, size);
        [pending, size] = [[], 0];
      }
      if (i > 0) pending.push(COMMA);
      pending.push(row);
      size += row.length + (i > 0 ? 1 : 0);
    }
    pending.push(CLOSE_BRACKET);
    yield Buffer.concat(pending, size + 1);
  }

  private select(filters: Filters, all: boolean, limit: number, { ancestorImageIds }: ResolvedImages): IndexEntry[] {
    validateFilters(filters, ancestorImageIds);
    const before = this.boundOf(filters.before);
    const since = this.boundOf(filters.since);
    // Created containers never run: they show with -a, a status filter or a limit, as in dockerd.
    if (!all && !filters.status?.length && limit <= 0) return [];
    const out: IndexEntry[] = [];
    for (const entry of this.newestFirst()) {
      if (limit > 0 && out.length >= limit) break;
      if (before !== undefined && entry.createdKey >= before) continue;
      if (since !== undefined && entry.createdKey <= since) continue;
      if (matches(entry, filters, ancestorImageIds)) out.push(entry);
    }
    return out;
  }

  /** The created key a before or since filter bounds the list with: every value must name a container, as dockerd walks them all; the first is the bound. */
  private boundOf(values: string[] | undefined): string | undefined {
    return (values ?? []).map((value) => this.createdKeyOf(value))[0];
  }

  /** list.go's idOrNameFilter: a full ID or any name a container holds, never an ID prefix; dockerd's 500 otherwise. */
  private createdKeyOf(idOrName: string): string {
    const id = this.entries.has(idOrName) ? idOrName : this.names.holderOf(lookupName(idOrName));
    const entry = id === undefined ? undefined : this.entries.get(id);
    if (!entry) throw internal(`no such container ${idOrName}`);
    return entry.createdKey;
  }

  private countImageReference({ summary: { image, imageId } }: IndexEntry, by: 1 | -1): void {
    const key = imageReferenceKey(image, imageId);
    const users = this.imageReferenceUsers.get(key) ?? { reference: image, imageId, count: 0 };
    users.count += by;
    if (users.count > 0) this.imageReferenceUsers.set(key, users);
    else this.imageReferenceUsers.delete(key);
  }

  private newestFirst(): IndexEntry[] {
    if (this.orderedStale) {
      this.ordered = [...this.entries.values()].sort((a, b) => (a.createdKey < b.createdKey ? 1 : a.createdKey > b.createdKey ? -1 : 0));
      this.orderedStale = false;
    }
    return this.ordered;
  }
}

function volumeNamesOf(entry: IndexEntry): string[] {
  return entry.mountPoints.filter((m) => m.Type === "volume" && m.Name !== "").map((m) => m.Name);
}
