import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { digestHex, goJson, isDigest } from "@slipway/docker-spec";
import { isAtomicTempName, KeyedLock, setMode, writeFileAtomic } from "@slipway/durable-fs";

/** Where a layer came from (moby's metadata.V2Metadata). */
export interface V2Metadata {
  /** The registry blob ("sha256:<hex>"), compressed as it was pulled or pushed. */
  readonly digest: string;
  /** The repository's full name, "docker.io/library/alpine", "127.0.0.1:5000/x". */
  readonly sourceRepository: string;
  /** Hex HMAC of digest and repository keyed by a push's credentials; "" for pulls. */
  readonly hmac: string;
}

const DIFF_IDS = "v2metadata-by-diffid";
const DIGESTS = "diffid-by-digest";
// dockerd keeps this many entries per diffID, dropping the oldest.
const MAX_METADATA = 50;

/**
 * image/overlay2/distribution/ as dockerd's FSMetadataStore and V2MetadataService keep it:
 * `diffid-by-digest/sha256/<blob hex>` holds the layer's diffID, `v2metadata-by-diffid/sha256/<diffID hex>`
 * a compact JSON array of {Digest, SourceRepository, HMAC}. The root is 0700, the directories below it
 * 0755, files 0644, each replaced atomically. Changes to one diffID's list run one at a time.
 */
export class DistributionMetadata {
  private readonly root: string;
  private readonly lock = new KeyedLock();

  constructor(imageRoot: string) {
    this.root = join(imageRoot, "distribution");
  }

  /** Creates the root (0700) and removes leftovers of interrupted atomic writes; returns what it removed. */
  async open(): Promise<string[]> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await setMode(this.root, 0o700);
    const removed: string[] = [];
    for (const namespace of [DIFF_IDS, DIGESTS]) {
      const dir = join(this.root, namespace, "sha256");
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names.filter(isAtomicTempName)) {
        await rm(join(dir, name), { force: true });
        removed.push(join(dir, name));
      }
    }
    return removed;
  }

  /** The diffID recorded for a blob, or undefined (also for a string that is no digest). */
  async diffIdOf(blobDigest: string): Promise<string | undefined> {
    if (!isDigest(blobDigest)) return undefined;
    return readFile(this.path(DIGESTS, blobDigest), "utf8").catch(() => undefined);
  }

  /** What is recorded for a diffID, oldest first; an unreadable file counts as nothing (as in dockerd). */
  async v2Metadata(diffId: string): Promise<V2Metadata[]> {
    try {
      const doc: unknown = JSON.parse(await readFile(this.path(DIFF_IDS, diffId), "utf8"));
      return Array.isArray(doc) ? doc.flatMap(fromFile) : [];
    } catch {
      return [];
    }
  }

  /** dockerd's Add: the entry moves to the end (at most 50 kept), then the blob's diffID is recorded. */
  async add(diffId: string, entry: V2Metadata): Promise<void> {
    digestHex(entry.digest); // refuses a digest that is no file name before anything is written
    await this.lock.run(diffId, async () => {
      const kept = (await this.v2Metadata(diffId)).filter((old) => !sameEntry(old, entry));
      await this.writeList(diffId, [...kept, entry].slice(-MAX_METADATA));
      await this.write(DIGESTS, entry.digest, diffId);
    });
  }

  /** dockerd's Remove: drops the entry from its blob's diffID list (the file goes with the last entry). */
  async remove(entry: V2Metadata): Promise<void> {
    const diffId = await this.diffIdOf(entry.digest);
    if (diffId === undefined) return;
    await this.lock.run(diffId, async () => {
      const kept = (await this.v2Metadata(diffId)).filter((old) => !sameEntry(old, entry));
      if (kept.length === 0) await rm(this.path(DIFF_IDS, diffId), { force: true });
      else await this.writeList(diffId, kept);
    });
  }

  private writeList(diffId: string, entries: readonly V2Metadata[]): Promise<void> {
    const list = entries.map((e) => ({ Digest: e.digest, SourceRepository: e.sourceRepository, HMAC: e.hmac }));
    return this.write(DIFF_IDS, diffId, goJson(list));
  }

  private async write(namespace: string, key: string, content: string): Promise<void> {
    const dir = join(this.root, namespace, "sha256");
    for (const path of [join(this.root, namespace), dir]) {
      await mkdir(path, { recursive: true, mode: 0o755 });
      await setMode(path, 0o755);
    }
    await writeFileAtomic(join(dir, digestHex(key)), content, 0o644);
  }

  private path(namespace: string, key: string): string {
    return join(this.root, namespace, "sha256", digestHex(key));
  }
}

function sameEntry(a: V2Metadata, b: V2Metadata): boolean {
  return a.digest === b.digest && a.sourceRepository === b.sourceRepository && a.hmac === b.hmac;
}

/** One entry as Go's decoder reads it: field names in any case, a missing field empty. */
function fromFile(value: unknown): V2Metadata[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const fields = new Map(Object.entries(value).map(([key, field]) => [key.toLowerCase(), field]));
  const text = (name: string) => {
    const field: unknown = fields.get(name);
    return typeof field === "string" ? field : "";
  };
  return [{ digest: text("digest"), sourceRepository: text("sourcerepository"), hmac: text("hmac") }];
}
