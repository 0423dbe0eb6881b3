import { chmodSync, chownSync, closeSync, mkdirSync, openSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
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
}

export const syncWriter: FsWriter = {
  mkdir: (path, mode) => mkdirSync(path, { mode }),
  writeFile: (path, data, mode, options) =>
    options?.exclusive ? closeSync(writeNew(path, data, mode)) : writeFileSync(path, data, { mode }),
  symlink: (target, path) => symlinkSync(target, path),
  chown: (path, uid, gid) => chownSync(path, uid, gid),
  chmod: (path, mode) => chmodSync(path, mode),
  rename: (from, to) => renameSync(from, to),
};

function writeNew(path: string, data: string, mode: number): number {
  const fd = openSync(path, "wx", mode);
  if (data !== "") writeFileSync(fd, data);
  return fd;
}

const enum Op {
  Mkdir = 1,
  File = 2,
  Symlink = 3,
  Chown = 4,
  Chmod = 5,
  Rename = 6,
}

/**
 * Writes recorded in order and applied by `apply()` in the thread pool, stopping at the first failure
 * (an Error shaped like Node's fs errors, naming the syscall and path). A container's layers are ~40
 * such syscalls: made on the main thread of the one process npm start runs, they stall every app; as
 * one hand-off they cost the main thread one promise and run beside it on the other core.
 * The encoding is the addon's (native/layer_tar_native.c, applyBatch).
 */
export class FsBatch implements FsWriter {
  private readonly parts: Buffer[] = [];

  mkdir(path: string, mode: number): void {
    this.op(Op.Mkdir, [mode], [path]);
  }

  writeFile(path: string, data: string, mode: number, options?: { exclusive?: boolean }): void {
    this.op(Op.File, [mode, options?.exclusive ? 1 : 0], [path]);
    const bytes = Buffer.from(data);
    this.parts.push(u32s([bytes.length]), bytes);
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

  /** Applies every write recorded so far, in order, and starts a new batch. */
  apply(): Promise<void> {
    if (this.parts.length === 0) return Promise.resolve();
    const bytes = Buffer.concat(this.parts);
    this.parts.length = 0;
    return native.applyBatch(bytes);
  }

  private op(op: Op, numbers: readonly number[], strings: readonly string[]): void {
    this.parts.push(Buffer.of(op), u32s(numbers));
    for (const text of strings) {
      const bytes = Buffer.from(`${text}\0`);
      if (bytes.indexOf(0) !== bytes.length - 1) throw new TypeError(`path must not contain NUL bytes: ${JSON.stringify(text)}`);
      this.parts.push(u32s([bytes.length - 1]), bytes);
    }
  }
}

function u32s(numbers: readonly number[]): Buffer {
  const buffer = Buffer.allocUnsafe(4 * numbers.length);
  numbers.forEach((n, i) => buffer.writeUInt32LE(n, 4 * i));
  return buffer;
}
