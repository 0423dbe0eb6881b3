import { createRequire } from "node:module";

/** The file syscalls Node's fs lacks, which other libraries call too (layer extraction, file capabilities). */
export interface FileSyscalls {
  mknod(path: Buffer, mode: number, major: number, minor: number): void;
  lsetxattr(path: Buffer, name: Buffer, value: Buffer): void;
  /** The attribute's value, or null when the file has no such attribute. */
  lgetxattr(path: Buffer | string, name: string): Buffer | null;
  /** utimensat(AT_SYMLINK_NOFOLLOW): sets atime and mtime of the path itself, never a symlink's target. */
  lutimes(path: Buffer, atimeSeconds: number, atimeNanoseconds: number, mtimeSeconds: number, mtimeNanoseconds: number): void;
}

/** Everything this lib's N-API addon (native/durable_fs_native.c) exports. */
interface NativeBindings extends FileSyscalls {
  /** syncfs(2) of the filesystem holding path, run in libuv's thread pool. */
  syncfs(path: string): Promise<void>;
  /** Removes path and, for a directory, everything in it, in libuv's thread pool. */
  removeTree(path: string): Promise<void>;
  /** Applies an FsBatch's encoded writes in order in libuv's thread pool; rejects at the first failure. */
  applyBatch(bytes: Buffer): Promise<void>;
  /**
   * A group commit round in libuv's thread pool (see BatchFlush): every caller's writes, a syncfs of the
   * filesystem holding path, the renames of the callers whose writes succeeded, a second syncfs. `bytes`: a u32
   * count, then the callers' write batches, then their rename batches, each a u32 length and its encoding.
   * Errors carry `phase`: 1 for the writes and the first flush, 2 for the renames and the second.
   */
  applyRound(bytes: Buffer, path: string): Promise<{ outcomes: (RoundError | null)[]; syncError: RoundError | null }>;
}

export type RoundError = NodeJS.ErrnoException & { readonly phase: 1 | 2 };

// Relative to both src/ (tests) and dist/ (built): the addon is built into <lib>/build/Release by node-gyp.
const ADDON = "../build/Release/durable_fs_native.node";

function load(): NativeBindings {
  try {
    return createRequire(import.meta.url)(ADDON) as NativeBindings;
  } catch (err) {
    throw new Error(`@slipway/durable-fs: native addon ${ADDON} is missing or broken; build it with "npm run build -w @slipway/durable-fs"`, {
      cause: err,
    });
  }
}

export const native: NativeBindings = load();

/** The addon's file syscalls, for other libraries; the rest of it is reached through this lib's own functions. */
export const fileSyscalls: FileSyscalls = native;
