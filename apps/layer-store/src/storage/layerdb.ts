import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { isDigest, isFullId, takeRandomBytes } from "@slipway/docker-spec";
import {
  fsyncDir,
  publish,
  readSmallFiles,
  readSmallFileSync,
  removeTree,
  writeFileAtomic,
  writeFileSynced,
  type FileText,
  type FsBatch,
  type FsWriter,
} from "@slipway/durable-fs";
import type { StoreLayout } from "./layout.js";

/** A read-only layer as layerdb/sha256/<chainID hex>/ records it. */
export interface LayerRecord {
  readonly chainId: string;
  readonly diffId: string;
  /** "" for a base layer (no parent file). */
  readonly parentChainId: string;
  readonly cacheId: string;
  readonly size: number;
}

/** A container's RW layer as layerdb/mounts/<container id>/ records it. */
export interface MountRecord {
  readonly containerId: string;
  readonly mountId: string;
  readonly initId: string;
  /** "" for an image-less container (no parent file). */
  readonly parentChainId: string;
}

/** A record on disk that cannot be read; recovery reports it and moves on. */
export class BrokenRecordError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const INIT_ID = /^[a-f0-9]{64}-init$/;

/** Files are 0644 without a trailing newline, as dockerd writes them. */
const RECORD_FILE_MODE = 0o644;

/**
 * Writes a layer's files into a fresh layerdb/tmp/write-set-* directory (0700, as os.MkdirTemp makes
 * it), each fsynced; publishLayerRecord then renames the whole set into place.
 */
export async function writeLayerWriteSet(layout: StoreLayout, record: LayerRecord, tarSplit: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(layout.layerdbTmp, "write-set-"));
  const files: [string, string | Uint8Array][] = [
    ["diff", record.diffId],
    ["size", String(record.size)],
    ["cache-id", record.cacheId],
    ["tar-split.json.gz", tarSplit],
  ];
  if (record.parentChainId !== "") files.push(["parent", record.parentChainId]);
  await Promise.all(files.map(([name, data]) => writeFileSynced(join(dir, name), data, RECORD_FILE_MODE)));
  return dir;
}

export async function publishLayerRecord(layout: StoreLayout, writeSet: string, chainId: string): Promise<void> {
  await publish(writeSet, layout.layerRecordDir(chainId));
}

/**
 * Takes a layer record out of layerdb/sha256 in one rename to "<hex>-<random>-removing" (a name
 * dockerd skips), so that a crash in the middle of a delete never leaves a half layer that looks whole.
 */
export async function unpublishLayerRecord(layout: StoreLayout, chainId: string): Promise<string> {
  const dir = layout.layerRecordDir(chainId);
  const removing = `${dir}-${randomBytes(32).toString("hex")}-removing`;
  await rename(dir, removing);
  await fsyncDir(layout.layerdbSha256);
  return removing;
}

export async function readLayerRecord(layout: StoreLayout, hex: string): Promise<LayerRecord> {
  const dir = join(layout.layerdbSha256, hex);
  const chainId = `sha256:${hex}`;
  const diffId = await readField(dir, "diff");
  const cacheId = await readField(dir, "cache-id");
  const sizeText = await readField(dir, "size");
  const parentChainId = await readField(dir, "parent", "");
  const size = Number(sizeText);
  if (!isDigest(diffId)) throw new BrokenRecordError(join(dir, "diff"), `"${diffId}" is not a sha256 digest`);
  if (!isFullId(cacheId)) throw new BrokenRecordError(join(dir, "cache-id"), `"${cacheId}" is not a 64-hex id`);
  if (!/^\d+$/.test(sizeText)) throw new BrokenRecordError(join(dir, "size"), `"${sizeText}" is not a byte count`);
  if (parentChainId !== "" && !isDigest(parentChainId)) {
    throw new BrokenRecordError(join(dir, "parent"), `"${parentChainId}" is not a sha256 digest`);
  }
  return { chainId, diffId, parentChainId, cacheId, size };
}

export async function readTarSplit(layout: StoreLayout, chainId: string): Promise<Buffer> {
  return readFile(join(layout.layerRecordDir(chainId), "tar-split.json.gz"));
}

/**
 * Builds layerdb/mounts/<container id>/ as layerdb/tmp/mount-<id>-<random>/ (0755, files 0644, not yet
 * flushed); returns the directory. The caller flushes it, then publishes it with one rename: the RW
 * layer exists for dockerd exactly when that rename is durable.
 */
export function writeMountRecord(layout: StoreLayout, record: MountRecord, fs: FsWriter): string {
  const dir = join(layout.layerdbTmp, `mount-${record.containerId}-${takeRandomBytes(8).toString("hex")}`);
  fs.mkdir(dir, 0o755);
  const contents: [string, string][] = [
    ["mount-id", record.mountId],
    ["init-id", record.initId],
  ];
  if (record.parentChainId !== "") contents.push(["parent", record.parentChainId]);
  for (const [name, data] of contents) fs.writeFile(join(dir, name), data, RECORD_FILE_MODE);
  return dir;
}

/**
 * Takes layerdb/mounts/<container id> away in one rename into layerdb/tmp/, durable once the batch is applied
 * (a record a crash leaves unnamed is one whose layers recovery removes, as the removal would have). Returns
 * where it goes.
 */
export function unpublishMountRecord(layout: StoreLayout, containerId: string, batch: FsBatch): string {
  const removing = join(layout.layerdbTmp, `mount-${containerId}-${takeRandomBytes(8).toString("hex")}-removing`);
  batch.renameDurably(layout.mountRecordDir(containerId), removing);
  return removing;
}

/**
 * Reads the mount records of many containers at once (start-up recovery; see readSmallFiles); a broken
 * record comes back as its BrokenRecordError.
 */
export async function readMountRecords(layout: StoreLayout, containerIds: readonly string[]): Promise<(MountRecord | BrokenRecordError)[]> {
  const paths = containerIds.flatMap((id) => MOUNT_FIELDS.map((field) => join(layout.mountRecordDir(id), field)));
  const texts = await readSmallFiles(paths);
  return containerIds.map((id, i) => {
    try {
      return parseMountRecord(layout, id, texts.slice(i * MOUNT_FIELDS.length, (i + 1) * MOUNT_FIELDS.length));
    } catch (err) {
      return err as BrokenRecordError;
    }
  });
}

const MOUNT_FIELDS = ["mount-id", "init-id", "parent"] as const;

function parseMountRecord(layout: StoreLayout, containerId: string, [mountIdText, initIdText, parentText]: FileText[]): MountRecord {
  const dir = layout.mountRecordDir(containerId);
  if (!isFullId(containerId)) throw new BrokenRecordError(dir, "the directory name is not a 64-hex container ID");
  const mountId = fieldOf(join(dir, "mount-id"), mountIdText!);
  const initId = fieldOf(join(dir, "init-id"), initIdText!, "");
  const parentChainId = fieldOf(join(dir, "parent"), parentText!, "");
  if (!isFullId(mountId)) throw new BrokenRecordError(join(dir, "mount-id"), `"${mountId}" is not a 64-hex id`);
  if (initId !== "" && !INIT_ID.test(initId)) throw new BrokenRecordError(join(dir, "init-id"), `"${initId}" is not "<id>-init"`);
  if (parentChainId !== "" && !isDigest(parentChainId)) {
    throw new BrokenRecordError(join(dir, "parent"), `"${parentChainId}" is not a sha256 digest`);
  }
  return { containerId, mountId, initId, parentChainId };
}

/** A record file's trimmed text; a missing optional one is `missing`, any other failure a broken record. */
function fieldOf(path: string, text: FileText, missing?: string): string {
  if (typeof text === "string") return text.trim();
  if (text.code === "ENOENT" && missing !== undefined) return missing;
  throw new BrokenRecordError(path, text.code ?? String(text));
}

/**
 * Who holds a read-only layer besides its children and RW layers: holder name → references. Image
 * references live here, in layerdb/holders/<chainID hex> (JSON, written atomically), because
 * dockerd rebuilds them from its imagedb at start while layer-store cannot see the imagedb.
 */
export type Holders = Map<string, number>;

export async function readHolders(layout: StoreLayout, chainId: string): Promise<Holders> {
  const path = layout.holdersFile(chainId);
  const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new BrokenRecordError(path, "expected a JSON object of holder → count");
  }
  const holders: Holders = new Map();
  for (const [holder, count] of Object.entries(parsed)) {
    if (!Number.isInteger(count) || (count as number) < 1) throw new BrokenRecordError(path, `bad count for "${holder}"`);
    holders.set(holder, count as number);
  }
  return holders;
}

export async function writeHolders(layout: StoreLayout, chainId: string, holders: Holders): Promise<void> {
  const path = layout.holdersFile(chainId);
  if (holders.size === 0) return removeHolders(layout, chainId);
  await writeFileAtomic(path, JSON.stringify(Object.fromEntries(holders)), 0o600);
}

export async function removeHolders(layout: StoreLayout, chainId: string): Promise<void> {
  await removeTree(layout.holdersFile(chainId));
}

/** Synchronous: a few-byte file costs less read directly than through the thread pool. */
async function readField(dir: string, name: string, missing?: string): Promise<string> {
  const path = join(dir, name);
  let text: FileText;
  try {
    text = readSmallFileSync(path);
  } catch (err) {
    text = err as NodeJS.ErrnoException;
  }
  return fieldOf(path, text, missing);
}
