import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KeyedLock, writeFileAtomic } from "@slipway/durable-fs";
import { goJson, readBoltBucket, writeBoltBucket } from "@slipway/docker-spec";
import type { StoreLayout } from "./layout.js";

/** A volume's labels and driver options as its create gave them; null for none, as dockerd answers. */
export interface VolumeMetadata {
  readonly labels: Readonly<Record<string, string>> | null;
  readonly options: Readonly<Record<string, string>> | null;
}

const BUCKET = "volumes";
const NONE: VolumeMetadata = { labels: null, options: null };

/**
 * volumes/metadata.db: dockerd's volume service keeps each volume's labels and driver options there
 * (bucket "volumes", key the name, value the JSON of {Name, Driver, Labels, Options}), and answers
 * `docker volume inspect` and label filters from it. Loaded once; each change rewrites the file atomically,
 * keeping the values of volumes it did not change byte for byte (a data root dockerd wrote keeps its entries).
 */
export class VolumeMetadataFile {
  private readonly lock = new KeyedLock();

  private constructor(
    private readonly path: string,
    private readonly entries: Map<string, Buffer>,
  ) {}

  static load(layout: StoreLayout): VolumeMetadataFile {
    const path = join(layout.volumes, "metadata.db");
    const entries = existsSync(path) ? readBoltBucket(readFileSync(path), BUCKET) : undefined;
    return new VolumeMetadataFile(path, entries ?? new Map());
  }

  /** The volume's entry; labels and options null when it has none (as dockerd reads a volume it has no entry for). */
  get(name: string): VolumeMetadata {
    const value = this.entries.get(name);
    if (!value || value.length === 0) return NONE;
    const { Labels = null, Options = null } = JSON.parse(value.toString("utf8")) as {
      Labels?: Record<string, string> | null;
      Options?: Record<string, string> | null;
    };
    return { labels: Labels, options: Options };
  }

  /** Records a local volume's entry as dockerd's setMeta writes it, durably. */
  async set(name: string, metadata: VolumeMetadata): Promise<void> {
    const value = goJson({ Name: name, Driver: "local", Labels: sortedOrNull(metadata.labels), Options: sortedOrNull(metadata.options) });
    await this.change(() => this.entries.set(name, Buffer.from(value)));
  }

  /** Drops the entries of removed volumes, durably; nothing is written when none had one. */
  async delete(names: readonly string[]): Promise<void> {
    if (!names.some((name) => this.entries.has(name))) return;
    await this.change(() => names.forEach((name) => this.entries.delete(name)));
  }

  private change(apply: () => void): Promise<void> {
    return this.lock.run(BUCKET, async () => {
      apply();
      await writeFileAtomic(this.path, writeBoltBucket(BUCKET, this.entries), 0o600);
    });
  }
}

/** A Go map as encoding/json writes it: keys sorted; an empty or absent one is null. */
function sortedOrNull(map: Readonly<Record<string, string>> | null): Record<string, string> | null {
  const keys = Object.keys(map ?? {}).sort();
  return keys.length === 0 ? null : Object.fromEntries(keys.map((key) => [key, map![key]!]));
}
