import { type Stats, lchownSync, lstatSync, lutimesSync, chmodSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileSyscalls } from "@slipway/durable-fs";
import { internal } from "@slipway/errors";
import { isOpaqueDir, isWhiteout } from "@slipway/layer-tar";
import { containerJoin, type ContainerFs, type HostMount } from "./container-fs.js";
import { lookupMerged, mkdirMerged } from "./merged-view.js";

const OPAQUE_XATTR = Buffer.from("trusted.overlay.opaque");

/**
 * What dockerd's chrooted untar says of a tar it cannot extract ("Error processing tar file(exit status 1):
 * <reason>"), a 500 as dockerd answers it.
 */
export function tarProcessingError(reason: string, cause?: unknown): Error {
  return internal(`Error processing tar file(exit status 1): ${reason}`, cause);
}

/**
 * Refuses a staged tree that holds overlay metadata (whiteouts, opaque directories, from `.wh.` entries):
 * in a container's mount layer they would delete what the image has, which no `docker cp` can do.
 */
export function refuseOverlayMetadata(staged: string, below = ""): void {
  for (const name of readdirSync(staged)) {
    const path = join(staged, name);
    const stats = lstatSync(path);
    const entry = below === "" ? name : `${below}/${name}`;
    if (isWhiteout(stats) || (stats.isDirectory() && isOpaqueDir(path))) {
      throw tarProcessingError(`"${entry}" is an overlay whiteout, which cannot be copied into a container`);
    }
    if (stats.isDirectory()) refuseOverlayMetadata(path, entry);
  }
}

/**
 * Moves a tar extracted into `staged` into the container's directory `directory` (resolved, existing) as
 * moby's Unpack would have written it into the mounted container: an existing directory met by a directory
 * is merged (its metadata taken from the tar), anything else existing is replaced. Under a mount the
 * entries go to the mount's host directory; in the root filesystem to the mount layer, where a directory's
 * parents are copied up and a new directory that hides lower content is made opaque, as overlayfs does.
 * The mounts it writes to are added to `options.touched` as it goes, failing or not (a bind may be on another
 * filesystem than the data root, to be flushed apart).
 */
export function mergeStagedTree(fs: ContainerFs, staged: string, directory: string, options: MergeOptions): void {
  new StagedTreeMerge(fs, directory, options).children(staged, directory, "");
}

export interface MergeOptions {
  /** The staged directories the tar has entries for (relative paths); the others were made as parents and change no existing directory. */
  readonly directories: ReadonlySet<string>;
  /** Refuse to replace a directory with a non-directory or the reverse. */
  readonly noOverwriteDirNonDir: boolean;
  /** Receives each mount written to. */
  readonly touched: Set<HostMount>;
}

class StagedTreeMerge {
  constructor(
    private readonly fs: ContainerFs,
    private readonly directory: string,
    private readonly options: MergeOptions,
  ) {}

  /** Merges the staged directory's children into the container's `target`; `entryName` is the directory's path in the tar. */
  children(stagedDir: string, target: string, entryName: string): void {
    for (const name of readdirSync(stagedDir).sort()) {
      this.entry(join(stagedDir, name), containerJoin(target, name), entryName === "" ? name : `${entryName}/${name}`);
    }
  }

  private entry(staged: string, target: string, entryName: string): void {
    const stats = lstatSync(staged);
    const existing = this.fs.lookup(target);
    if (existing) {
      this.checkReplacement(existing.stats.isDirectory(), stats.isDirectory(), entryName);
      if (existing.stats.isDirectory() && stats.isDirectory()) {
        if (!this.options.directories.has(entryName)) return this.children(staged, target, entryName);
        const hostDir = this.materializeDirectory(target);
        this.children(staged, target, entryName);
        copyMetadata(stats, hostDir);
        return;
      }
    }
    this.place(staged, stats, target, entryName);
  }

  private checkReplacement(existingIsDirectory: boolean, newIsDirectory: boolean, entryName: string): void {
    if (!this.options.noOverwriteDirNonDir || existingIsDirectory === newIsDirectory) return;
    const [what, by] = existingIsDirectory ? ["directory", "non-directory"] : ["non-directory", "directory"];
    throw tarProcessingError(`cannot overwrite ${what} ${JSON.stringify(this.untarPath(entryName))} with ${by} ${JSON.stringify(this.directory)}`);
  }

  /** An entry's path as moby's Unpack names it in its errors: the extraction directory, "/", the entry's name (uncleaned). */
  private untarPath(entryName: string): string {
    return `${this.directory}/${entryName}`;
  }

  /** The host path of an existing directory of the container, copied up into the mount layer when it is in the root filesystem. */
  private materializeDirectory(target: string): string {
    const location = this.fs.locate(target);
    if (location.mount) {
      this.options.touched.add(location.mount);
      return location.hostPath;
    }
    const { upper, lowers } = this.fs.spec;
    mkdirMerged(upper, lowers, location.relativePath, { replaceNonDirectories: false });
    return join(upper, location.relativePath);
  }

  /**
   * dockerd's RemoveAll of a mount point: what is in it goes, then removing the mount point itself fails, which
   * ends the extraction.
   */
  private refuseMountPointRemoval(hostPath: string, entryName: string): never {
    for (const name of readdirSync(hostPath)) rmSync(join(hostPath, name), { recursive: true, force: true });
    throw tarProcessingError(`unlinkat ${this.untarPath(entryName)}: device or resource busy`);
  }

  /** Puts the staged entry (a whole subtree for a directory) where `target` is, replacing what is there. */
  private place(staged: string, stats: Stats, target: string, entryName: string): void {
    const location = this.fs.locate(target);
    if (location.mount) {
      this.options.touched.add(location.mount);
      if (location.mount.destination === target) this.refuseMountPointRemoval(location.hostPath, entryName);
      rmSync(location.hostPath, { recursive: true, force: true });
      renameSync(staged, location.hostPath);
      return;
    }
    const { upper, lowers } = this.fs.spec;
    const relativePath = location.relativePath;
    const slash = relativePath.lastIndexOf("/");
    mkdirMerged(upper, lowers, slash < 0 ? "" : relativePath.slice(0, slash), { replaceNonDirectories: false });
    const path = join(upper, relativePath);
    // Whatever the mount layer has there (the replaced entry, or a whiteout) goes; a lower entry is hidden by the new one.
    rmSync(path, { recursive: true, force: true });
    renameSync(staged, path);
    if (stats.isDirectory() && lookupMerged(lowers, relativePath)) {
      fileSyscalls.lsetxattr(Buffer.from(path), OPAQUE_XATTR, Buffer.from("y"));
    }
  }
}

/** Owner, mode and times of a staged directory onto the existing one it is merged into (moby's order: chown, chmod, times). */
function copyMetadata(stats: Stats, path: string): void {
  lchownSync(path, stats.uid, stats.gid);
  chmodSync(path, stats.mode & 0o7777);
  lutimesSync(path, stats.atimeMs / 1000, stats.mtimeMs / 1000);
}
