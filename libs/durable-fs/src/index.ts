import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, fchownSync, fsync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";

// Only fsync(2) waits for the disk, so only it goes to libuv's thread pool. The opens, writes (into the
// page cache), renames and closes around it take microseconds on this thread, where sending each to the
// pool would cost a thread hand-off apiece, which can cost more than the metadata write itself.
const fsyncFd = promisify(fsync);

/** fsync a directory, so that entries created, renamed or removed in it survive a crash. */
export async function fsyncDir(path: string): Promise<void> {
  const fd = openSync(path, "r");
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Who a file is given to when it must not stay the writer's (say, a key an unprivileged app reads). */
export interface FileOwner {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Writes a file and fsyncs it, with an exact mode whatever the umask (and the given owner, before any
 * content is written). Not atomic by itself: use it for files inside a temporary directory that is
 * published by one rename.
 */
export async function writeFileSynced(path: string, data: string | Uint8Array, mode = 0o644, owner?: FileOwner): Promise<void> {
  const fd = openSync(path, "w", mode);
  try {
    if (owner) fchownSync(fd, owner.uid, owner.gid);
    writeFileSync(fd, data);
    fchmodSync(fd, mode);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces a file atomically as dockerd's atomicwriter does: a temp file `.tmp-<name><random>` in the
 * same directory, fsync, chmod, rename over the target, fsync the directory. Readers see the old or
 * the new content, never a mix; a crash leaves at most a `.tmp-` file behind.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, owner?: FileOwner): Promise<void> {
  const temp = join(dirname(path), `.tmp-${basename(path)}${randomBytes(5).toString("hex")}`);
  try {
    await writeFileSynced(temp, data, mode, owner);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}

/** Renames a finished temp file or directory into place and makes the rename durable. */
export async function publish(tempPath: string, finalPath: string): Promise<void> {
  renameSync(tempPath, finalPath);
  await fsyncDir(dirname(finalPath));
  if (dirname(tempPath) !== dirname(finalPath)) await fsyncDir(dirname(tempPath));
}

/** chmod that states intent: modes here are exact (dockerd runs with umask 0). */
export const setMode = chmod;

/** True when a name is one of writeFileAtomic's leftovers, for recovery sweeps. */
export function isAtomicTempName(name: string): boolean {
  return name.startsWith(".tmp-");
}
export { GroupFlush } from "./group-flush.js";
export { KeyedLock } from "./keyed-lock.js";
export { FsBatch, syncWriter, type FsWriter } from "./fs-batch.js";
export { BatchFlush, type BatchFlushOptions, type FlushRoundObserver } from "./batch-flush.js";
export { observeRoundsWith } from "./round-observers.js";
export { syncFilesystem } from "./sync-filesystem.js";
export { removeTree } from "./remove-tree.js";
export { fileSyscalls, type FileSyscalls } from "./native.js";
export { readLinks, readSmallFiles, readSmallFileSync, type FileText } from "./read-small-file.js";
