import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { digestHex, isFullId, sha256Digest } from "@slipway/docker-spec";
import { isAtomicTempName, setMode, writeFileAtomic } from "@slipway/durable-fs";
import type { ImageStorePaths } from "./paths.js";

const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;

/**
 * imagedb/ as dockerd's image/fs.go keeps it: content/sha256/<hex> holds the exact config bytes
 * (0600, the image ID is their sha256), metadata/sha256/<hex>/ holds per-image keys (0700 / 0600).
 */
export class ImageDb {
  /** lastUpdated by image ID, as read or written: this store is its only writer, and every resolve shows it. */
  private readonly lastUpdatedCache = new Map<string, string | undefined>();

  constructor(private readonly paths: ImageStorePaths) {}

  /** Creates imagedb/{content,metadata}/sha256 (0700) and removes leftovers of interrupted atomic writes. */
  async open(): Promise<string[]> {
    const removed: string[] = [];
    for (const dir of [
      join(this.paths.content, "..", ".."),
      join(this.paths.content, ".."),
      this.paths.content,
      join(this.paths.metadata, ".."),
      this.paths.metadata,
    ]) {
      await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
      await setMode(dir, PRIVATE_DIR);
    }
    for (const name of await readdir(this.paths.content)) {
      if (isAtomicTempName(name)) {
        await rm(join(this.paths.content, name), { force: true });
        removed.push(join(this.paths.content, name));
      }
    }
    return removed;
  }

  /** The IDs ("sha256:<hex>") whose content file exists; other names are reported as skipped. */
  async list(): Promise<{ ids: string[]; skipped: string[] }> {
    const ids: string[] = [];
    const skipped: string[] = [];
    for (const name of await readdir(this.paths.content)) {
      if (isFullId(name)) ids.push(`sha256:${name}`);
      else skipped.push(join(this.paths.content, name));
    }
    return { ids, skipped };
  }

  /** The stored config bytes; throws when they no longer hash to the ID. */
  async read(id: string): Promise<Buffer> {
    const bytes = await readFile(this.contentPath(id));
    const actual = sha256Digest(bytes);
    if (actual !== id) throw new Error(`failed to verify ${this.contentPath(id)}: its content hashes to ${actual}`);
    return bytes;
  }

  /** Stores config bytes atomically; returns the image ID. */
  async write(config: Uint8Array): Promise<string> {
    const id = sha256Digest(config);
    await writeFileAtomic(this.contentPath(id), config, PRIVATE_FILE);
    return id;
  }

  /** Records the tag time (RFC3339Nano), as dockerd does on every tag. */
  async setLastUpdated(id: string, time: string): Promise<void> {
    const dir = join(this.paths.metadata, digestHex(id));
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
    await setMode(dir, PRIVATE_DIR);
    await writeFileAtomic(join(dir, "lastUpdated"), time, PRIVATE_FILE);
    this.lastUpdatedCache.set(id, time);
  }

  async lastUpdated(id: string): Promise<string | undefined> {
    if (this.lastUpdatedCache.has(id)) return this.lastUpdatedCache.get(id);
    const time = await readFile(join(this.paths.metadata, digestHex(id), "lastUpdated"), "utf8").then(
      (text) => text.trim() || undefined,
      () => undefined,
    );
    this.lastUpdatedCache.set(id, time);
    return time;
  }

  /** Deletes the content file first (the image is gone from then on), then its metadata. */
  async delete(id: string): Promise<void> {
    this.lastUpdatedCache.delete(id);
    await rm(this.contentPath(id), { force: true });
    await rm(join(this.paths.metadata, digestHex(id)), { recursive: true, force: true });
  }

  private contentPath(id: string): string {
    return join(this.paths.content, digestHex(id));
  }
}
