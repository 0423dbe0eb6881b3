import type { Stats } from "node:fs";
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { syncWriter, type FsBatch, type FsWriter } from "@slipway/durable-fs";
import { isOpaqueDir, isWhiteout } from "@slipway/layer-tar";
import { BoundedMap } from "./bounded-map.js";

/**
 * The overlay view of a stack of diff/ directories (uppermost first), read without mounting: what a
 * path resolves to, honouring whiteouts (0/0 character devices) and opaque directories. Calls are
 * synchronous, as in @slipway/layer-tar: each is one short metadata syscall, far cheaper than a
 * round trip through libuv's thread pool (which the fsyncs of concurrent creates keep busy).
 */
export interface MergedEntry {
  /** Where the visible entry lives on disk (in the uppermost layer that has it). */
  readonly path: string;
  readonly stats: Stats;
  /** For a directory: the diff/ roots whose directory at this path shows through, uppermost first. */
  readonly layers: readonly string[];
}

/** Resolves a relative path ("etc/hosts") in the stack; undefined when the merged view lacks it. */
export function lookupMerged(stack: readonly string[], relativePath: string): MergedEntry | undefined {
  let layers = stack;
  let entry: MergedEntry | undefined;
  let prefix = "";
  for (const part of relativePath.split("/").filter(Boolean)) {
    if (entry && !entry.stats.isDirectory()) return undefined;
    prefix = prefix === "" ? part : `${prefix}/${part}`;
    entry = lookupChild(layers, prefix);
    if (!entry) return undefined;
    layers = entry.layers;
  }
  return entry;
}

function lookupChild(layers: readonly string[], relativePath: string): MergedEntry | undefined {
  let top: { path: string; stats: Stats } | undefined;
  const contributing: string[] = [];
  for (const root of layers) {
    const path = join(root, relativePath);
    const stats = lstatIfExists(path);
    if (!stats) continue;
    if (isWhiteout(stats) || (top && !stats.isDirectory())) break;
    top ??= { path, stats };
    if (!stats.isDirectory()) break;
    contributing.push(root);
    if (isOpaqueDir(path)) break;
  }
  return top && { ...top, layers: contributing };
}

/** The visible children of a merged directory, by name. */
export function listMerged(directory: MergedEntry, relativePath: string): Map<string, MergedEntry> {
  const names = new Set<string>();
  for (const root of directory.layers) for (const name of readdirSync(join(root, relativePath))) names.add(name);
  const children = new Map<string, MergedEntry>();
  for (const name of [...names].sort()) {
    const child = lookupChild(directory.layers, join(relativePath, name));
    if (child) children.set(name, child);
  }
  return children;
}

/**
 * Creates a directory path in the upper layer as MkdirAll on a mounted overlay would: directories the
 * lower layers already have are copied up with their mode and owner (the kernel's copy-up), missing
 * ones are made 0755 root. A non-directory on the way is replaced when `replaceNonDirectories`
 * (the init layer unlinks such paths first), otherwise it is an error naming the path.
 */
export function mkdirMerged(
  upper: string,
  lowers: readonly string[],
  relativePath: string,
  options: { replaceNonDirectories: boolean },
  writer: UpperWriter = writeUpper(upper),
): void {
  let prefix = "";
  for (const part of relativePath.split("/").filter(Boolean)) {
    prefix = prefix === "" ? part : `${prefix}/${part}`;
    const inUpper = lstatIfExists(join(upper, prefix));
    if (inUpper?.isDirectory()) continue;
    const below = lookupMerged(lowers, prefix);
    if (below && !below.stats.isDirectory() && !options.replaceNonDirectories) {
      throw new NotADirectoryError(`/${prefix}`);
    }
    if (below?.stats.isDirectory()) copyUpDirectory(writer, prefix, below.stats);
    else writer.mkdir(prefix, 0o755);
  }
}

/**
 * MkdirAll on the merged view, as dockerd creates a container's WorkingDir in its mounted rootfs:
 * nothing happens when the directory exists; otherwise missing directories are made in the upper
 * layer and the existing parents are copied up. A non-directory on the way is a NotADirectoryError.
 */
function mkdirAllMerged(upper: string, lowers: readonly string[], path: string, writer: UpperWriter): void {
  const relativePath = resolveInScope([upper, ...lowers], path);
  const existing = lookupMerged([upper, ...lowers], relativePath);
  if (existing?.stats.isDirectory()) return;
  if (existing) throw new NotADirectoryError(`/${relativePath.replace(/^\/+/, "")}`);
  mkdirMerged(upper, lowers, relativePath, { replaceNonDirectories: false }, writer);
}

/** One change mkdirMerged makes in an upper directory, by path relative to it: replayable in another upper. */
export type UpperStep =
  | { readonly op: "mkdir"; readonly path: string; readonly mode: number }
  | { readonly op: "chown"; readonly path: string; readonly uid: number; readonly gid: number }
  | { readonly op: "chmod"; readonly path: string; readonly mode: number };

/**
 * mkdirAllMerged of containers' WorkingDir in their new (not yet made) mount layer. The steps are worked
 * out once per image and path and then replayed: the lookups (an lstat and an xattr read per component
 * and layer) run on the main thread, and neither the image's layers nor the init layers of its containers
 * (init-layer.ts) differ from one container to the next, so repeating them for every create buys nothing.
 */
export class WorkingDirBuilder {
  private readonly stepsByImagePath = new BoundedMap<string, readonly UpperStep[]>(512);

  /**
   * The WorkingDir in mount layer `upper`, on its init layer and image layers, written into `batch`.
   * Working the steps out applies the batch first, so that the init layer the lookups see is on disk.
   */
  async build(upper: string, initLayer: string, imageLayers: readonly string[], workingDir: string, batch: FsBatch): Promise<void> {
    const key = `${imageLayers.join("\n")}\n${workingDir}`;
    let steps = this.stepsByImagePath.get(key);
    if (!steps) {
      await batch.apply();
      const recorded: UpperStep[] = [];
      mkdirAllMerged(
        upper,
        [initLayer, ...imageLayers],
        workingDir,
        stepRecorder((step) => recorded.push(step)),
      );
      this.stepsByImagePath.set(key, (steps = recorded));
    }
    for (const step of steps) applyUpperStep(batch, upper, step);
  }
}

/** An UpperWriter that hands each change to `onStep` as an UpperStep. */
export function stepRecorder(onStep: (step: UpperStep) => void): UpperWriter {
  return {
    mkdir: (path, mode) => onStep({ op: "mkdir", path, mode }),
    chown: (path, uid, gid) => onStep({ op: "chown", path, uid, gid }),
    chmod: (path, mode) => onStep({ op: "chmod", path, mode }),
  };
}

/** Makes one UpperStep in `upper` through `fs`. */
export function applyUpperStep(fs: FsWriter, upper: string, step: UpperStep): void {
  const path = join(upper, step.path);
  if (step.op === "mkdir") fs.mkdir(path, step.mode);
  else if (step.op === "chown") fs.chown(path, step.uid, step.gid);
  else fs.chmod(path, step.mode);
}

const MAX_SYMLINK_HOPS = 255;

/**
 * Resolves symlinks in a path against the merged view, never leaving its root (moby's
 * FollowSymlinkInScope): absolute targets start again at the root, ".." stops at the root. Returns
 * the relative path; components after the first missing one are kept as they are.
 */
export function resolveInScope(stack: readonly string[], path: string): string {
  return followSymlinksInScope(path, (relativePath) => lookupMerged(stack, relativePath));
}

/** A visible entry of a filesystem view: where it is on disk and its lstat. */
export type FoundEntry = Pick<MergedEntry, "path" | "stats">;

/** resolveInScope over any view of a root, given how it looks a relative path up. */
export function followSymlinksInScope(path: string, lookup: (relativePath: string) => FoundEntry | undefined): string {
  let pending = path.split("/").filter((p) => p !== "" && p !== ".");
  const resolved: string[] = [];
  let missing = false;
  for (let hops = 0; pending.length > 0;) {
    const part = pending.shift()!;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const entry: FoundEntry | undefined = missing ? undefined : lookup([...resolved, part].join("/"));
    if (!entry?.stats.isSymbolicLink()) {
      resolved.push(part);
      missing ||= !entry;
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) throw new NotADirectoryError(`/${[...resolved, part].join("/")} (too many levels of symbolic links)`);
    const target = readlinkSync(entry.path);
    if (target.startsWith("/")) resolved.length = 0;
    pending = [...target.split("/").filter((p) => p !== "" && p !== "."), ...pending];
  }
  return resolved.join("/");
}

/** A path the caller wanted as a directory exists as something else in the image. */
export class NotADirectoryError extends Error {
  constructor(readonly path: string) {
    super(`${path} is not a directory`);
  }
}

function copyUpDirectory(writer: UpperWriter, relativePath: string, stats: Stats): void {
  writer.mkdir(relativePath, stats.mode & 0o777);
  writer.chown(relativePath, stats.uid, stats.gid);
  if ((stats.mode & 0o7777) !== (stats.mode & 0o777)) writer.chmod(relativePath, stats.mode & 0o7777);
}

/** The changes mkdirMerged makes in an upper directory, by path relative to it. */
export interface UpperWriter {
  mkdir(relativePath: string, mode: number): void;
  chown(relativePath: string, uid: number, gid: number): void;
  chmod(relativePath: string, mode: number): void;
}

/** An UpperWriter that makes the changes in `upper` at once. */
function writeUpper(upper: string): UpperWriter {
  return stepRecorder((step) => applyUpperStep(syncWriter, upper, step));
}

export function lstatIfExists(path: string): Stats | undefined {
  try {
    // Not throwing for a missing path spares building an Error with its stack: most of the call's cost.
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw err;
  }
}
