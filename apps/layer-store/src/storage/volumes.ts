import {
  chmodSync, chownSync, existsSync, lchownSync, linkSync, lutimesSync, mkdirSync, readdirSync, readlinkSync, renameSync, statSync, symlinkSync,
  unlinkSync, utimesSync, type Stats,
} from "node:fs";
import { copyFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { publish } from "@slipway/durable-fs";
import { copyFileCapabilities, FsBatch, makeFifo, removeTree } from "@slipway/layer-tar";
import type { StoreLayout } from "./layout.js";
import { listMerged, type MergedEntry } from "./merged-view.js";
import type { FilesystemFlush } from "./filesystem-flush.js";

/** A local volume on disk: volumes/<name>/_data. */
export interface VolumeInfo {
  readonly name: string;
  readonly mountpoint: string;
  readonly createdAt: Date;
  /** Not provisional: never a failed create's leftover (see PROVISIONAL_MARKER). */
  readonly kept: boolean;
}

/**
 * volumes/<name>/.slipway-provisional: made with an anonymous volume for a create, removed once the
 * create is known to have committed or the volume is kept (markKept). Only a volume with it can be a failed
 * create's leftover, which the reconciler removes; one without it (named, committed, or made by a stock
 * dockerd on the same data root) is never taken for one. dockerd's local driver reads only _data and
 * opts.json there, and removes the marker with the volume.
 */
const PROVISIONAL_MARKER = ".slipway-provisional";

/** Where a volume is built before its one publishing rename; dockerd never sees a half volume. */
const BUILDING = ".slipway-building-";

export function isBuildingVolume(name: string): boolean {
  return name.startsWith(BUILDING);
}

/**
 * volumes/<name>/ (0701) with _data/ (0755), built beside the volumes and published by one rename; with
 * `keep`, already kept, else provisional. With `content`, the merged image directory is copied in as dockerd's
 * populateVolumes does: modes, owners, times, symlinks, hard links, FIFOs and file capabilities kept, and
 * _data takes the source directory's mode and owner.
 */
export async function createVolumeDir(
  layout: StoreLayout,
  flush: FilesystemFlush,
  name: string,
  options: { content: MergedEntry | undefined; keep: boolean; skipped: (path: string) => void },
): Promise<VolumeInfo> {
  const marker = options.keep ? [] : [PROVISIONAL_MARKER];
  await withDataBuilt(layout, `${BUILDING}${name}`, { ...options, emptyFiles: marker }, async (building) => {
    await flush.request();
    renameSync(building, layout.volumeDir(name));
    await flush.request();
  });
  return volumeInfo(layout, name);
}

/** Fills an existing volume whose _data is empty: a seeded _data replaces it in one rename. */
export async function seedVolumeDir(
  layout: StoreLayout,
  flush: FilesystemFlush,
  name: string,
  options: { content: MergedEntry; skipped: (path: string) => void },
): Promise<void> {
  await withDataBuilt(layout, `${BUILDING}${name}-seed`, { ...options, emptyFiles: [] }, async (building) => {
    await flush.request();
    await publish(join(building, "_data"), join(layout.volumeDir(name), "_data"));
  });
}

/** True when the volume's _data holds nothing (dockerd copies image content only into an empty volume). */
export function isEmptyVolume(layout: StoreLayout, name: string): boolean {
  return readdirSync(join(layout.volumeDir(name), "_data")).length === 0;
}

/**
 * Builds <scratch>/_data (and the empty `emptyFiles` beside it) under volumes/, hands it to `finish`, and
 * removes the scratch dir whatever happens. The directories are made in one thread-pool batch; copied
 * content's metadata calls run on this thread, file content is copied in the pool.
 */
async function withDataBuilt(
  layout: StoreLayout,
  scratchName: string,
  options: { content: MergedEntry | undefined; emptyFiles: readonly string[]; skipped: (path: string) => void },
  finish: (scratch: string) => Promise<void>,
): Promise<void> {
  const scratch = join(layout.volumes, scratchName);
  if (existsSync(scratch)) await removeTree(scratch);
  const data = join(scratch, "_data");
  const batch = new FsBatch();
  batch.mkdir(scratch, 0o701);
  batch.mkdir(data, 0o755);
  for (const name of options.emptyFiles) batch.writeFile(join(scratch, name), "", 0o600);
  try {
    await batch.apply();
    const { content } = options;
    if (content) {
      await copyTree(content, data, new Map(), options.skipped);
      setOwnerAndMode(data, content.stats);
    }
    await finish(scratch);
  } finally {
    if (existsSync(scratch)) await removeTree(scratch);
  }
}

async function copyTree(dir: MergedEntry, target: string, hardlinks: Map<string, string>, skipped: (path: string) => void): Promise<void> {
  for (const [name, entry] of listMerged(dir, "")) {
    const destination = join(target, name);
    const child = { ...entry, layers: entry.layers.map((root) => join(root, name)) };
    await copyEntry(child, destination, hardlinks, skipped);
  }
  utimesSync(target, dir.stats.atime, dir.stats.mtime);
}

async function copyEntry(entry: MergedEntry, destination: string, hardlinks: Map<string, string>, skipped: (path: string) => void): Promise<void> {
  const { stats } = entry;
  if (stats.isDirectory()) {
    mkdirSync(destination, { mode: stats.mode & 0o777 });
    await copyTree(entry, destination, hardlinks, skipped);
    return setOwnerAndMode(destination, stats);
  }
  if (stats.isSymbolicLink()) {
    symlinkSync(readlinkSync(entry.path), destination);
    lchownSync(destination, stats.uid, stats.gid);
    return lutimesSync(destination, stats.atime, stats.mtime);
  }
  if (stats.isFIFO()) {
    makeFifo(destination, stats.mode & 0o7777);
    setOwnerAndMode(destination, stats);
    return utimesSync(destination, stats.atime, stats.mtime);
  }
  if (!stats.isFile()) return skipped(entry.path);
  const inode = `${stats.dev}:${stats.ino}`;
  const first = stats.nlink > 1 ? hardlinks.get(inode) : undefined;
  if (first) return linkSync(first, destination);
  hardlinks.set(inode, destination);
  await copyFile(entry.path, destination);
  setOwnerAndMode(destination, stats, entry.path);
  utimesSync(destination, stats.atime, stats.mtime);
}

/** chown, then (for a file) its capabilities, which chown clears, then the mode, which chown may clear set-ID bits of: moby's order. */
function setOwnerAndMode(path: string, stats: Stats, capabilitiesOf?: string): void {
  chownSync(path, stats.uid, stats.gid);
  if (capabilitiesOf) copyFileCapabilities(capabilitiesOf, path);
  chmodSync(path, stats.mode & 0o7777);
}

export function volumeInfo(layout: StoreLayout, name: string): VolumeInfo {
  const dir = layout.volumeDir(name);
  const stats = statSync(dir);
  const kept = !existsSync(join(dir, PROVISIONAL_MARKER));
  return { name, mountpoint: layout.volumeMountpoint(name), createdAt: stats.birthtime.getTime() > 0 ? stats.birthtime : stats.mtime, kept };
}

/** Removes the provisional marker, durably by a flush shared with concurrent calls (idempotent). */
export async function markKept(layout: StoreLayout, flush: FilesystemFlush, name: string): Promise<void> {
  try {
    unlinkSync(join(layout.volumeDir(name), PROVISIONAL_MARKER));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  await flush.request();
}

/** Every volumes/<name> directory (dockerd's local driver treats each directory as a volume). */
export async function listVolumeNames(layout: StoreLayout): Promise<string[]> {
  const entries = await readdir(layout.volumes, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !isBuildingVolume(e.name)).map((e) => e.name);
}

/** Renames the volume out of sight in one step (made durable by a flush shared with concurrent calls), then deletes it. */
export async function removeVolumeDir(layout: StoreLayout, flush: FilesystemFlush, name: string): Promise<void> {
  const removing = join(layout.volumes, `${BUILDING}${name}-removing`);
  renameSync(layout.volumeDir(name), removing);
  await flush.request();
  await removeTree(removing);
}
