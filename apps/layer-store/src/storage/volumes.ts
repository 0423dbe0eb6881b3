import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  utimesSync,
  type Stats,
} from "node:fs";
import { copyFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { FsBatch, removeTree, syncWriter, type BatchFlush, type FsWriter } from "@slipway/durable-fs";
import { copyFileCapabilities, directorySize, makeFifo } from "@slipway/layer-tar";
import { BoundedMap } from "./bounded-map.js";
import type { StoreLayout } from "./layout.js";
import { listMerged, lookupMerged, type MergedEntry } from "./merged-view.js";

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

/** volumes/<name>/opts.json: the local driver's options, which dockerd reads to mount the volume at start. */
const OPTS_FILE = "opts.json";

/** Where a volume is built before its one publishing rename; dockerd never sees a half volume. */
const BUILDING = ".slipway-building-";

export function isBuildingVolume(name: string): boolean {
  return name.startsWith(BUILDING);
}

/** The image content that seeds a new volume: the merged directory at the volume's path. */
export interface VolumeSource {
  readonly dir: MergedEntry;
  /** The directory holds nothing: the whole copy is its times, owner and mode, made in the volume's batch. */
  readonly empty: boolean;
}

/**
 * The merged directory at a path in an image's diff/ stack, looked up once per image and path: image
 * layers never change, and the lookups (an lstat and an xattr read per component and layer, a readdir
 * per layer) would otherwise run on the main thread for every volume made from the image.
 */
export class VolumeSources {
  private readonly byImagePath = new BoundedMap<string, VolumeSource | undefined>(512);

  /** The source at `path` in `stack`; undefined when the image has no directory there. */
  find(stack: readonly string[], path: string): VolumeSource | undefined {
    const key = `${stack.join("\n")}\n${path}`;
    if (this.byImagePath.has(key)) return this.byImagePath.get(key);
    const found = lookupMerged(stack, path);
    const dir = found?.stats.isDirectory() ? { ...found, layers: found.layers.map((root) => join(root, path)) } : undefined;
    const source = dir && { dir, empty: listMerged(dir, "").size === 0 };
    this.byImagePath.set(key, source);
    return source;
  }
}

/**
 * volumes/<name>/ (0701) with _data/ (0755), built beside the volumes and published by one rename; with
 * `keep`, already kept, else provisional; with `optsJson`, the local driver's parsed options in opts.json
 * (0600). With a `source`, the image directory is copied in as dockerd's populateVolumes does: modes, owners,
 * times, symlinks, hard links, FIFOs and file capabilities kept, and _data takes the source directory's mode,
 * owner and times.
 */
export async function createVolumeDir(
  layout: StoreLayout,
  flush: BatchFlush,
  name: string,
  options: { source: VolumeSource | undefined; keep: boolean; optsJson: string | undefined; skipped: (path: string) => void },
): Promise<VolumeInfo> {
  const scratch = join(layout.volumes, `${BUILDING}${name}`);
  const files: Record<string, string> = {};
  if (!options.keep) files[PROVISIONAL_MARKER] = "";
  if (options.optsJson !== undefined) files[OPTS_FILE] = options.optsJson;
  const batch = await buildScratch(scratch, files, options);
  await flush.publish(batch, scratch, layout.volumeDir(name));
  return volumeInfo(layout, name, options.keep);
}

/** Fills an existing volume whose _data is empty: a seeded _data replaces it in one rename. */
export async function seedVolumeDir(
  layout: StoreLayout,
  flush: BatchFlush,
  name: string,
  options: { source: VolumeSource; skipped: (path: string) => void },
): Promise<void> {
  const scratch = join(layout.volumes, `${BUILDING}${name}-seed`);
  const batch = await buildScratch(scratch, {}, options);
  try {
    await flush.write(batch);
    batch.rename(join(scratch, "_data"), join(layout.volumeDir(name), "_data"));
    await flush.write(batch);
  } finally {
    await removeTree(scratch);
  }
}

/** True when the volume's _data holds nothing (dockerd copies image content only into an empty volume). */
export function isEmptyVolume(layout: StoreLayout, name: string): boolean {
  return readdirSync(join(layout.volumeDir(name), "_data")).length === 0;
}

/**
 * <scratch>/_data with the source's content (and the `files` beside it, 0600) under volumes/, as a batch
 * still to be written, unless a non-empty source had to be copied in on this thread first; what an
 * interrupted build left at `scratch` goes first. A failed copy removes the scratch dir.
 */
async function buildScratch(
  scratch: string,
  files: Readonly<Record<string, string>>,
  options: { source: VolumeSource | undefined; skipped: (path: string) => void },
): Promise<FsBatch> {
  const data = join(scratch, "_data");
  const batch = new FsBatch();
  batch.removeTree(scratch);
  batch.mkdir(scratch, 0o701);
  batch.mkdir(data, 0o755);
  for (const [name, text] of Object.entries(files)) batch.writeFile(join(scratch, name), text, 0o600);
  const { source } = options;
  if (!source) return batch;
  try {
    if (!source.empty) {
      await batch.apply();
      await copyChildren(source.dir, data, new Map(), options.skipped);
    }
    copyDirMetadata(batch, data, source.dir.stats);
    return batch;
  } catch (err) {
    await removeTree(scratch);
    throw err;
  }
}

async function copyChildren(dir: MergedEntry, target: string, hardlinks: Map<string, string>, skipped: (path: string) => void): Promise<void> {
  for (const [name, entry] of listMerged(dir, "")) {
    const destination = join(target, name);
    const child = { ...entry, layers: entry.layers.map((root) => join(root, name)) };
    await copyEntry(child, destination, hardlinks, skipped);
  }
}

async function copyEntry(entry: MergedEntry, destination: string, hardlinks: Map<string, string>, skipped: (path: string) => void): Promise<void> {
  const { stats } = entry;
  if (stats.isDirectory()) {
    mkdirSync(destination, { mode: stats.mode & 0o777 });
    await copyChildren(entry, destination, hardlinks, skipped);
    return copyDirMetadata(syncWriter, destination, stats);
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

/** A copied directory's times (set after its content, which changes them), owner and mode, in moby's order. */
function copyDirMetadata(fs: FsWriter, path: string, stats: Stats): void {
  fs.utimes(path, stats.atime, stats.mtime);
  fs.chown(path, stats.uid, stats.gid);
  fs.chmod(path, stats.mode & 0o7777);
}

/** chown, then (for a file) its capabilities, which chown clears, then the mode, which chown may clear set-ID bits of: moby's order. */
function setOwnerAndMode(path: string, stats: Stats, capabilitiesOf?: string): void {
  chownSync(path, stats.uid, stats.gid);
  if (capabilitiesOf) copyFileCapabilities(capabilitiesOf, path);
  chmodSync(path, stats.mode & 0o7777);
}

/** `kept` when the caller knows it (a volume it just made). */
export function volumeInfo(layout: StoreLayout, name: string, kept?: boolean): VolumeInfo {
  const dir = layout.volumeDir(name);
  const stats = statSync(dir);
  kept ??= !existsSync(join(dir, PROVISIONAL_MARKER));
  return { name, mountpoint: layout.volumeMountpoint(name), createdAt: stats.birthtime.getTime() > 0 ? stats.birthtime : stats.mtime, kept };
}

/** Removes the volumes' provisional markers (those still there), durably by one flush shared with concurrent calls. */
export async function markKept(layout: StoreLayout, flush: BatchFlush, names: readonly string[]): Promise<void> {
  const batch = new FsBatch();
  for (const name of names) batch.removeTree(join(layout.volumeDir(name), PROVISIONAL_MARKER));
  await flush.write(batch);
}

/** Every volumes/<name> directory (dockerd's local driver treats each directory as a volume). */
export async function listVolumeNames(layout: StoreLayout): Promise<string[]> {
  const entries = await readdir(layout.volumes, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !isBuildingVolume(e.name)).map((e) => e.name);
}

/**
 * Renames the volume out of sight in one step, durable once volumes/ is flushed (a shared round's syncfs would
 * also write out every other removal's dirty metadata), then deletes it; one thread-pool job for the three.
 */
export async function removeVolumeDir(layout: StoreLayout, name: string): Promise<void> {
  const removing = join(layout.volumes, `${BUILDING}${name}-removing`);
  const batch = new FsBatch();
  batch.renameDurably(layout.volumeDir(name), removing);
  batch.removeTree(removing);
  await batch.apply();
}

/** The bytes of the files in the volume's _data as dockerd's directory.Size counts them: each inode once, directories not at all. */
export function volumeContentSize(layout: StoreLayout, name: string): Promise<number> {
  return directorySize(join(layout.volumeDir(name), "_data"));
}
