import { chmodSync, chownSync, closeSync, lutimesSync, mkdirSync, openSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { native } from "./native.js";

/**
 * The small metadata writes a storage step makes (mkdir, small files, symlinks, owners, modes, renames),
 * by absolute path. `syncWriter` makes each at once on the calling thread; an FsBatch records them and
 * applies them all in libuv's thread pool as one hand-off.
 */
export interface FsWriter {
  mkdir(path: string, mode: number): void;
  /** Creates (or, unless `exclusive`, truncates) a file holding `data`. */
  writeFile(path: string, data: string, mode: number, options?: { exclusive?: boolean }): void;
  symlink(target: string, path: string): void;
  chown(path: string, uid: number, gid: number): void;
  chmod(path: string, mode: number): void;
  rename(from: string, to: string): void;
  /** Sets atime and mtime of the path itself (never a symlink's target), to the millisecond as fs.utimes does with Dates. */
  utimes(path: string, atime: Date, mtime: Date): void;
}

export const syncWriter: FsWriter = {
  mkdir: (path, mode) => mkdirSync(path, { mode }),
  writeFile: (path, data, mode, options) => (options?.exclusive ? closeSync(writeNew(path, data, mode)) : writeFileSync(path, data, { mode })),
  symlink: (target, path) => symlinkSync(target, path),
  chown: (path, uid, gid) => chownSync(path, uid, gid),
  chmod: (path, mode) => chmodSync(path, mode),
  rename: (from, to) => renameSync(from, to),
  utimes: (path, atime, mtime) => lutimesSync(path, atime, mtime),
};

function writeNew(path: string, data: string, mode: number): number {
  const fd = openSync(path, "wx", mode);
  if (data !== "") writeFileSync(fd, data);
  return fd;
}

const INITIAL_SIZE = 4096;

const enum Op {
  Mkdir = 1,
  File = 2,
  Symlink = 3,
  Chown = 4,
  Chmod = 5,
  Rename = 6,
  RemoveTree = 7,
  Utimes = 8,
  SyncDir = 9,
}

/**
 * Writes recorded in order and applied by `apply()` in the thread pool, stopping at the first failure
 * (an Error shaped like Node's fs errors, naming the syscall and path). A container's layers are ~40
 * such syscalls: made on the main thread of the one process npm start runs, they stall every app; as
 * one hand-off they cost the main thread one promise and run beside it on the other core.
 * The encoding is the addon's (native/durable_fs_native.c, applyBatch).
 */
export class FsBatch implements FsWriter {
  private bytes = Buffer.allocUnsafe(INITIAL_SIZE);
  private length = 0;

  mkdir(path: string, mode: number): void {
    this.op(Op.Mkdir, [mode], [path]);
  }

  writeFile(path: string, data: string, mode: number, options?: { exclusive?: boolean }): void {
    this.op(Op.File, [mode, options?.exclusive ? 1 : 0], [path]);
    const size = Buffer.byteLength(data);
    this.reserve(4 + size);
    this.length = this.bytes.writeUInt32LE(size, this.length);
    this.length += this.bytes.write(data, this.length);
  }

  symlink(target: string, path: string): void {
    this.op(Op.Symlink, [], [target, path]);
  }

  chown(path: string, uid: number, gid: number): void {
    this.op(Op.Chown, [uid, gid], [path]);
  }

  chmod(path: string, mode: number): void {
    this.op(Op.Chmod, [mode], [path]);
  }

  rename(from: string, to: string): void {
    this.op(Op.Rename, [], [from, to]);
  }

  utimes(path: string, atime: Date, mtime: Date): void {
    this.op(Op.Utimes, [...secondsAndNanoseconds(atime), ...secondsAndNanoseconds(mtime)], [path]);
  }

  /** `rm -rf path` (never following symlinks; a path already gone is not an error), as removeTree does. */
  removeTree(path: string): void {
    this.op(Op.RemoveTree, [], [path]);
  }

  /**
   * fsync(2) of the directory: the entries renamed into or out of it by the operations before are durable once
   * it is done. For a step that only moves an entry, far cheaper than a BatchFlush round's syncfs, which also
   * writes out whatever else the filesystem holds dirty.
   */
  syncDirectory(path: string): void {
    this.op(Op.SyncDir, [], [path]);
  }

  /**
   * rename, durable once the batch is applied: the source's directory flushed, then the target's when it is
   * another. On a filesystem without a journal a crash between the two leaves the entry unnamed, never named
   * twice.
   */
  renameDurably(from: string, to: string): void {
    this.rename(from, to);
    this.syncDirectory(dirname(from));
    if (dirname(to) !== dirname(from)) this.syncDirectory(dirname(to));
  }

  /** Applies every write recorded so far, in order, and starts a new batch (the addon copies the bytes at once). */
  apply(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    const recorded = this.bytes.subarray(0, this.length);
    this.length = 0;
    return native.applyBatch(recorded);
  }

  /** Hands over the writes recorded so far, encoded for the addon, and starts a new batch. */
  take(): Buffer {
    const recorded = this.bytes.subarray(0, this.length);
    this.bytes = Buffer.allocUnsafe(INITIAL_SIZE);
    this.length = 0;
    return recorded;
  }

  private op(op: Op, numbers: readonly number[], strings: readonly string[]): void {
    this.reserve(1 + 4 * numbers.length);
    this.length = this.bytes.writeUInt8(op, this.length);
    for (const n of numbers) this.length = this.bytes.writeUInt32LE(n, this.length);
    for (const text of strings) {
      if (text.includes("\0")) throw new TypeError(`path must not contain NUL bytes: ${JSON.stringify(text)}`);
      const size = Buffer.byteLength(text);
      this.reserve(4 + size + 1);
      this.length = this.bytes.writeUInt32LE(size, this.length);
      this.length += this.bytes.write(text, this.length);
      this.length = this.bytes.writeUInt8(0, this.length);
    }
  }

  private reserve(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.length + more));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
}

function secondsAndNanoseconds(time: Date): [number, number] {
  const ms = time.getTime();
  if (!(ms >= 0 && ms / 1000 < 2 ** 32)) throw new RangeError(`time out of range for a batch: ${time.toISOString()}`);
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
