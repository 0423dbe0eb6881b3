// Extraction of tar entries into an overlay2 diff directory, as moby's archive.Unpack does with the
// overlay whiteout converter, but without a chroot: every path is resolved component by component
// under the root (symlinks followed only while they stay inside it), and nothing is created through
// a symlink. Calls are synchronous: one syscall each, cheaper than the thread-pool round trip.
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  linkSync,
  lchownSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeSync,
} from "node:fs";
import { resolve } from "node:path";
import { fileSyscalls } from "@slipway/durable-fs";
import { InvalidLayerError } from "./errors.js";
import { byteString, displayName, escapesRoot, fsPath } from "./paths.js";
import { cleanPath } from "@slipway/docker-spec";
import type { TarTime } from "./pax.js";
import { ScopedPathError, lstatOrNull, resolveDirectory } from "./scoped-path.js";
import type { TarEntry } from "./tar-reader.js";

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_WHITEOUT = ".wh..wh..opq";
export const OPAQUE_XATTR = "trusted.overlay.opaque";
const KNOWN_TYPES = new Set(["0", "1", "2", "3", "4", "5", "6"]);
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Receives a regular file's content, then finishes its metadata (close) or gives up (abort). */
export interface ContentSink {
  write(chunk: Buffer): void;
  close(): void;
  abort(): void;
}

export type Logger = (message: string) => void;

interface DirectoryTimes {
  path: string;
  atime: TarTime;
  mtime: TarTime;
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** The process umask, read from /proc (process.umask() without an argument is deprecated); all bits when unknown. */
function processUmask(): number {
  const match = /^Umask:\s*([0-7]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  return match ? parseInt(match[1]!, 8) : 0o777;
}

/** Times before the epoch become the epoch, as moby's system.Chtimes does. */
function clampTime(time: TarTime): TarTime {
  return time.seconds < 0 ? { seconds: 0, nanoseconds: 0 } : time;
}

/** A new file's descriptor, or null when something already exists at `path`. */
function openNew(path: string, mode: number): number | null {
  try {
    return openSync(fsPath(path), CREATE_FLAGS, mode);
  } catch (err) {
    if (errorCode(err) === "EEXIST") return null;
    throw err;
  }
}

export class LayerExtractor {
  private readonly root: string;
  /** Cleaned relative dir -> its real path under root. Cleared whenever anything is removed. */
  private readonly directories = new Map<string, string>();
  private readonly directoryTimes: DirectoryTimes[] = [];
  private readonly warned = new Set<string>();
  private readonly isRoot = process.getuid?.() === 0;
  private readonly umask = processUmask();
  /** Who owns a file this process creates, unless a set-group-ID directory gives it that group. */
  private readonly creator = { uid: process.geteuid?.() ?? -1, gid: process.getegid?.() ?? -1 };
  private setgidDirectoryMade = false;
  /** Sizes of the inodes created so far, as lstat reports them (files, symlinks; hardlinks add none). */
  private createdBytes = 0;
  /** Set once anything extracted was removed or replaced: the sizes above no longer add up. */
  private removedAny = false;

  constructor(
    diffDir: string,
    private readonly log: Logger = () => undefined,
  ) {
    this.root = byteString(resolve(diffDir));
    if (!this.isRoot) {
      this.log(
        "layer-tar: not running as root: file owners (uid/gid) and trusted.* xattrs (opaque directories) of layers cannot be reproduced; extracting without them",
      );
    }
  }

  /** Creates the entry; returns a sink for a regular file's content, or null when content is discarded. */
  begin(entry: TarEntry): ContentSink | null {
    if (entry.typeflag === "g") return null; // PAX global headers carry nothing to extract
    this.validate(entry);
    const clean = cleanPath(entry.name);
    if (clean === ".") return null; // the layer root: moby leaves the diff directory as it is
    const slash = clean.lastIndexOf("/");
    const parent = this.resolveDirectory(slash < 0 ? "." : clean.slice(0, slash), true, entry)!;
    const base = clean.slice(slash + 1);
    const path = `${parent}/${base}`;
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.removeExisting(path);
      this.whiteout(parent, base, entry);
      return null;
    }
    return this.create(path, entry);
  }

  /** What can be refused from the header alone, before anything is touched. */
  private validate(entry: TarEntry): void {
    if (entry.name.startsWith("/")) throw this.invalid("absolute paths are not allowed in layers", entry);
    if (escapesRoot(cleanPath(entry.name))) throw this.invalid("path escapes the layer through '..'", entry);
    if (!KNOWN_TYPES.has(entry.typeflag)) throw this.invalid(`unsupported tar entry type ${JSON.stringify(entry.typeflag)}`, entry);
    if (entry.typeflag === "4" || (entry.typeflag === "3" && (entry.devmajor !== 0 || entry.devminor !== 0))) {
      throw this.invalid(
        `device nodes are not allowed in layers (only 0/0 character devices, which are whiteouts); this one is ${entry.devmajor}/${entry.devminor}`,
        entry,
      );
    }
    for (const name of entry.xattrs.keys()) {
      if (name.startsWith("trusted.overlay."))
        throw this.invalid(`xattr ${displayName(name)} is overlay metadata and is not allowed in a layer tar`, entry);
    }
  }

  /**
   * What moby's directory.Size would say of the diff directory, known from the entries while nothing
   * was removed or replaced (each created inode counted once); undefined otherwise (walk it then).
   */
  get sizeFromEntries(): number | undefined {
    return this.removedAny ? undefined : this.createdBytes;
  }

  /** Sets directory times last, as moby does, since creating children changed them. */
  finish(): void {
    for (const { path, atime, mtime } of this.directoryTimes) {
      try {
        this.setTimes(path, clampTime(atime), clampTime(mtime));
      } catch (err) {
        if (errorCode(err) !== "ENOENT") throw err; // replaced later in the layer
      }
    }
  }

  private create(path: string, entry: TarEntry): ContentSink | null {
    if (entry.typeflag === "0") {
      // Most entries are new files: O_EXCL learns whether the path exists with the create itself.
      const mode = this.modeAtCreate(entry);
      const fd = openNew(path, mode);
      if (fd !== null) return this.fileSink(fd, mode, path, entry);
    }
    const existing = lstatOrNull(path);
    const merge = existing?.isDirectory() === true && entry.typeflag === "5";
    if (existing && !merge) this.removeExisting(path);
    switch (entry.typeflag) {
      case "0": {
        const mode = this.modeAtCreate(entry);
        return this.fileSink(openSync(fsPath(path), CREATE_FLAGS, mode), mode, path, entry);
      }
      case "5":
        if (!merge) mkdirSync(fsPath(path), entry.mode & 0o777);
        if (entry.mode & 0o2000) this.setgidDirectoryMade = true; // S_ISGID
        this.finishMetadata(path, entry, { mode: true, times: false }); // times at finish()
        this.directoryTimes.push({ path, atime: entry.atime ?? { seconds: 0, nanoseconds: 0 }, mtime: entry.mtime });
        return null;
      case "2": {
        const target = fsPath(entry.linkname);
        symlinkSync(target, fsPath(path));
        this.createdBytes += target.length;
        this.finishMetadata(path, entry, { mode: false, times: true });
        return null;
      }
      case "1":
        this.createHardlink(path, entry);
        return null;
      case "6":
        fileSyscalls.mknod(fsPath(path), constants.S_IFIFO | (entry.mode & 0o7777), 0, 0);
        this.finishMetadata(path, entry, { mode: true, times: true });
        return null;
      default: // "3", a 0/0 character device: a whiteout already in overlay form
        if (this.mknodWhiteout(path, entry.mode & 0o7777)) this.finishMetadata(path, entry, { mode: true, times: true });
        return null;
    }
  }

  /** `createdMode`: what the file was opened with (see modeAtCreate); fchmod only when it is not the entry's. */
  private fileSink(fd: number, createdMode: number, path: string, entry: TarEntry): ContentSink {
    this.createdBytes += entry.size;
    return {
      write: (chunk) => {
        for (let offset = 0; offset < chunk.length;) offset += writeSync(fd, chunk, offset);
      },
      close: () => {
        try {
          if (!this.ownedAsCreated(entry)) this.owner(() => fchownSync(fd, entry.uid, entry.gid));
          this.setXattrs(path, entry);
          if (createdMode !== (entry.mode & 0o7777)) fchmodSync(fd, entry.mode & 0o7777);
        } finally {
          closeSync(fd);
        }
        this.setEntryTimes(path, entry);
      },
      abort: () => closeSync(fd),
    };
  }

  /**
   * The mode a regular file is created with: its own when open(2) gives exactly that (no set-ID or
   * sticky bits, which chown would clear; none masked by the umask), saving the fchmod; else 0600 until
   * fchmod sets it after the chown, in moby's order.
   */
  private modeAtCreate(entry: TarEntry): number {
    const mode = entry.mode & 0o7777;
    return (mode & 0o7000) === 0 && (mode & this.umask) === 0 ? mode : 0o600;
  }

  /** A new file already has the entry's owner (so no fchown) when that is who creates it, in no set-group-ID directory. */
  private ownedAsCreated(entry: TarEntry): boolean {
    return entry.uid === this.creator.uid && entry.gid === this.creator.gid && !this.setgidDirectoryMade;
  }

  private createHardlink(path: string, entry: TarEntry): void {
    if (entry.linkname.startsWith("/")) throw this.invalid("hardlink to an absolute path is not allowed in layers", entry);
    const clean = cleanPath(entry.linkname);
    if (escapesRoot(clean) || clean === ".") throw this.invalid(`hardlink target "${displayName(entry.linkname)}" is outside the layer`, entry);
    const slash = clean.lastIndexOf("/");
    const parent = this.resolveDirectory(slash < 0 ? "." : clean.slice(0, slash), false, entry);
    const target = parent === null ? null : `${parent}/${clean.slice(slash + 1)}`;
    const stats = target === null ? null : lstatOrNull(target);
    if (target === null || stats === null) {
      throw this.invalid(`hardlink target "${displayName(entry.linkname)}" has not been extracted (it must come earlier in the layer)`, entry);
    }
    if (stats.isDirectory()) throw this.invalid(`hardlink target "${displayName(entry.linkname)}" is a directory`, entry);
    linkSync(fsPath(target), fsPath(path));
    // moby skips mode and times when the target is a symlink (there is no lchmod).
    const regular = !stats.isSymbolicLink();
    this.finishMetadata(path, entry, { mode: regular, times: regular });
  }

  private whiteout(parent: string, base: string, entry: TarEntry): void {
    if (base === OPAQUE_WHITEOUT) {
      this.privileged("trusted-xattr", () => fileSyscalls.lsetxattr(fsPath(parent), Buffer.from(OPAQUE_XATTR), Buffer.from("y")));
      return;
    }
    const original = base.slice(WHITEOUT_PREFIX.length);
    if (original === "" || original === "." || original === "..") throw this.invalid("malformed whiteout name", entry);
    const path = `${parent}/${original}`;
    if (lstatOrNull(path) !== null) throw this.invalid(`whiteout for "${displayName(original)}", which this layer also contains`, entry);
    if (this.mknodWhiteout(path, 0)) this.owner(() => lchownSync(fsPath(path), entry.uid, entry.gid));
  }

  /** False when the kernel refuses (unprivileged mknod of 0/0 devices needs Linux >= 5.8). */
  private mknodWhiteout(path: string, permissions: number): boolean {
    return this.privileged("mknod", () => fileSyscalls.mknod(fsPath(path), constants.S_IFCHR | permissions, 0, 0));
  }

  /** lchown, xattrs, then mode (after chown, which clears setuid) and times, in moby's order. */
  private finishMetadata(path: string, entry: TarEntry, apply: { mode: boolean; times: boolean }): void {
    this.owner(() => lchownSync(fsPath(path), entry.uid, entry.gid));
    this.setXattrs(path, entry);
    if (apply.mode) chmodSync(fsPath(path), entry.mode & 0o7777);
    if (apply.times) this.setEntryTimes(path, entry);
  }

  private setXattrs(path: string, entry: TarEntry): void {
    for (const [name, value] of entry.xattrs) {
      try {
        fileSyscalls.lsetxattr(fsPath(path), fsPath(name), fsPath(value));
      } catch (err) {
        const code = errorCode(err);
        if (code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EPERM") throw err;
        this.warnOnce(
          `xattr-${code}`,
          `layer-tar: xattrs could not be set (${code}), first ${displayName(name)} on "${entry.label}"; ignored as dockerd does`,
        );
      }
    }
  }

  /** Files get atime = mtime unless a later atime was recorded (moby's createTarFile). */
  private setEntryTimes(path: string, entry: TarEntry): void {
    const atime =
      entry.atime &&
      (entry.atime.seconds > entry.mtime.seconds ||
        (entry.atime.seconds === entry.mtime.seconds && entry.atime.nanoseconds >= entry.mtime.nanoseconds))
        ? entry.atime
        : entry.mtime;
    this.setTimes(path, clampTime(atime), clampTime(entry.mtime));
  }

  private setTimes(path: string, atime: TarTime, mtime: TarTime): void {
    fileSyscalls.lutimes(fsPath(path), atime.seconds, atime.nanoseconds, mtime.seconds, mtime.nanoseconds);
  }

  private removeExisting(path: string): void {
    if (lstatOrNull(path) === null) return;
    this.removedAny = true;
    rmSync(fsPath(path), { recursive: true, force: true });
    this.directories.clear();
  }

  /** resolveDirectory with moby's MkdirAllAndChownNew for missing parents (0755, root-owned), cached. */
  private resolveDirectory(relative: string, create: boolean, entry: TarEntry): string | null {
    if (relative === ".") return this.root;
    const cached = this.directories.get(relative);
    if (cached !== undefined) return cached;
    const createMissing = (path: string): void => {
      mkdirSync(fsPath(path), 0o755);
      chmodSync(fsPath(path), 0o755);
      this.owner(() => lchownSync(fsPath(path), 0, 0));
    };
    let real: string | null;
    try {
      real = resolveDirectory(this.root, relative, create ? createMissing : undefined);
    } catch (err) {
      if (err instanceof ScopedPathError) throw this.invalid(err.message, entry);
      throw err;
    }
    if (real !== null) this.directories.set(relative, real);
    return real;
  }

  /** Ownership changes need root; without it they are skipped (announced once at start). */
  private owner(change: () => void): void {
    this.privileged("chown", change);
  }

  /** Runs an action that needs privileges; on EPERM says once what is lost and returns false. */
  private privileged(kind: string, action: () => void): boolean {
    try {
      action();
      return true;
    } catch (err) {
      if (errorCode(err) !== "EPERM") throw err;
      if (kind === "mknod")
        this.warnOnce(kind, "layer-tar: cannot create whiteout device nodes here (mknod: EPERM); files they hide in lower layers will show through");
      else if (this.isRoot) this.warnOnce(kind, `layer-tar: ${kind} failed with EPERM; the layer's metadata is not fully reproduced`);
      return false;
    }
  }

  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.log(message);
  }

  private invalid(reason: string, entry: TarEntry): InvalidLayerError {
    return new InvalidLayerError(reason, entry.label);
  }
}
