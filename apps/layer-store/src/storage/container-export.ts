import type { Stats } from "node:fs";
import { closeSync, constants, openSync, readlinkSync, readSync } from "node:fs";
import { archiveHeaderBlocks, readFileCapabilities, tarPadding, tarTrailer, type ArchiveEntry } from "@slipway/layer-tar";
import type { AccountNames } from "./account-names.js";
import { mergedRoot } from "./merged-root.js";
import { listMerged, type MergedEntry } from "./merged-view.js";

/** Headers and small files are gathered into chunks of about this size. */
const CHUNK = 1 << 16;

/**
 * The merged view of a diff/ stack (uppermost first) as the tar dockerd's `docker export` streams from the
 * mounted root filesystem (pkg/archive TarWithOptions): filepath.Walk's order (each directory before its
 * children, names sorted bytewise, the root itself left out), a second name of an inode as a hard link to
 * the first, sockets skipped, contents read as they are now.
 */
export async function* exportMergedTree(stack: readonly string[], names: AccountNames): AsyncIterable<Buffer> {
  const writer = new TreeWriter(names);
  yield* writer.directory("", mergedRoot(stack));
  writer.add(tarTrailer());
  yield* writer.drain(0);
}

class TreeWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** "dev:ino" of each multiply linked file to the name it was first written under. */
  private readonly firstNames = new Map<string, string>();

  constructor(private readonly names: AccountNames) {}

  *directory(relativePath: string, directory: MergedEntry): Generator<Buffer> {
    const children = [...listMerged(directory, relativePath)].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const [name, child] of children) {
      const childPath = relativePath === "" ? name : `${relativePath}/${name}`;
      const entry = this.entryOf(childPath, child);
      if (!entry) continue;
      for (const block of archiveHeaderBlocks(entry)) this.add(block);
      if (entry.typeflag === "0" && entry.size > 0) yield* this.content(child.path, entry.size);
      yield* this.drain(CHUNK);
      if (entry.typeflag === "5") yield* this.directory(childPath, child);
    }
  }

  add(bytes: Buffer): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  /** What is gathered, once it reaches `threshold` bytes. */
  *drain(threshold: number): Generator<Buffer> {
    if (this.pendingBytes === 0 || this.pendingBytes < threshold) return;
    yield Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** pkg/archive's header for one file; undefined for a socket, which archive/tar cannot write. */
  private entryOf(relativePath: string, { path, stats }: MergedEntry): ArchiveEntry | undefined {
    const typeflag = typeflagOf(stats);
    if (typeflag === undefined) return undefined;
    const entry = {
      name: typeflag === "5" ? `${relativePath}/` : relativePath,
      typeflag,
      mode: stats.mode & 0o177777,
      uid: stats.uid,
      gid: stats.gid,
      uname: this.names.user(stats.uid),
      gname: this.names.group(stats.gid),
      size: typeflag === "0" ? stats.size : 0,
      mtime: Math.floor(stats.mtimeMs / 1000),
      linkname: typeflag === "2" ? readlinkSync(path) : "",
      ...deviceNumbers(typeflag, stats.rdev),
      ...capabilityOf(path),
    };
    return typeflag === "5" ? entry : this.asHardLink(entry, stats);
  }

  /** A file with more names than one: the first is written whole, the later ones as links to it. */
  private asHardLink(entry: ArchiveEntry, stats: Stats): ArchiveEntry {
    if (stats.nlink <= 1) return entry;
    const key = `${stats.dev}:${stats.ino}`;
    const first = this.firstNames.get(key);
    if (first === undefined) {
      this.firstNames.set(key, entry.name);
      return entry;
    }
    return { ...entry, typeflag: "1", linkname: first, size: 0 };
  }

  /** A regular file's `size` bytes (as lstat'ed for its header) and their padding. */
  private *content(path: string, size: number): Generator<Buffer> {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      for (let done = 0; done < size;) {
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK * 16, size - done));
        const read = readSync(fd, buffer, 0, buffer.length, null);
        if (read === 0) throw new Error(`${path} shrank below the ${size} bytes its header announced while it was exported`);
        this.add(buffer.subarray(0, read));
        done += read;
        yield* this.drain(CHUNK);
      }
    } finally {
      closeSync(fd);
    }
    this.add(tarPadding(size));
  }
}

/** archive/tar's type flag for a file's type; undefined for a socket. */
export function typeflagOf(stats: Stats): string | undefined {
  if (stats.isFile()) return "0";
  if (stats.isDirectory()) return "5";
  if (stats.isSymbolicLink()) return "2";
  if (stats.isCharacterDevice()) return "3";
  if (stats.isBlockDevice()) return "4";
  if (stats.isFIFO()) return "6";
  return undefined;
}

/** Linux's major and minor of a device number; both 0 for what is not a device. */
export function deviceNumbers(typeflag: string, rdev: number): { devmajor: number; devminor: number } {
  if (typeflag !== "3" && typeflag !== "4") return { devmajor: 0, devminor: 0 };
  const dev = BigInt(rdev);
  return {
    devmajor: Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)),
    devminor: Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)),
  };
}

/** pkg/archive's ReadSecurityXattrToTarHeader: the security.capability xattr, the one xattr export keeps. */
export function capabilityOf(path: string): { capability?: Buffer } {
  const capability = readFileCapabilities(path);
  return capability === null ? {} : { capability };
}
