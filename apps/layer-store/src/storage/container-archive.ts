import { open, readlink } from "node:fs/promises";
import { archiveEntryName } from "@slipway/docker-spec";
import { archiveHeaderBlocks, tarPadding, tarTrailer, type ArchiveEntry } from "@slipway/layer-tar";
import { AccountNames } from "./account-names.js";
import { capabilityOf, deviceNumbers, typeflagOf } from "./container-export.js";
import { containerJoin, type ContainerFs } from "./container-fs.js";
import type { FoundEntry } from "./merged-view.js";

const CONTENT_CHUNK = 1 << 20;
const GATHERED = 1 << 16;
const accounts = new AccountNames();

/**
 * The tar of a container path as GET /containers/{id}/archive answers it (moby's TarResourceRebase): the
 * path itself (symlinks in it already resolved), then, for a directory, everything below it in Go's Walk
 * order, each entry named after `rebaseName`. Files linked to one already written become hard links.
 */
export async function* archiveContainerPath(fs: ContainerFs, path: string, rebaseName: string): AsyncGenerator<Buffer> {
  yield* gathered(archiveBlocks(fs, path, rebaseName));
}

async function* archiveBlocks(fs: ContainerFs, path: string, rebaseName: string): AsyncGenerator<Buffer> {
  const linked = new Map<string, string>();
  const pending: { path: string; below: string }[] = [{ path, below: "" }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const found = fs.lookup(next.path);
    if (!found) continue; // gone while the archive is written
    const isDirectory = found.stats.isDirectory();
    const name = archiveEntryName(rebaseName, next.below, isDirectory);
    yield* entryBlocks(found, name, linked);
    if (!isDirectory) continue;
    const children = fs.childNames(next.path).reverse();
    for (const child of children) {
      pending.push({ path: containerJoin(next.path, child), below: next.below === "" ? child : `${next.below}/${child}` });
    }
  }
  yield tarTrailer();
}

async function* entryBlocks(found: FoundEntry, name: string, linked: Map<string, string>): AsyncGenerator<Buffer> {
  const { stats } = found;
  const inode = `${stats.dev}:${stats.ino}`;
  const firstName = !stats.isDirectory() && stats.nlink > 1 ? linked.get(inode) : undefined;
  if (!stats.isDirectory() && stats.nlink > 1 && firstName === undefined) linked.set(inode, name);
  const entry = await archiveEntryOf(found, name, firstName);
  if (!entry) return; // a socket, which pkg/archive skips
  yield* archiveHeaderBlocks(entry);
  if (entry.typeflag === "0" && entry.size > 0) yield* fileContent(found.path, entry.size);
}

async function archiveEntryOf(found: FoundEntry, name: string, hardlinkTo: string | undefined): Promise<ArchiveEntry | undefined> {
  const { stats, path } = found;
  const typeflag = typeflagOf(stats);
  if (typeflag === undefined) return undefined;
  return {
    name,
    typeflag: hardlinkTo === undefined ? typeflag : "1",
    mode: stats.mode & 0o177777,
    uid: stats.uid,
    gid: stats.gid,
    uname: accounts.user(stats.uid),
    gname: accounts.group(stats.gid),
    size: typeflag === "0" && hardlinkTo === undefined ? stats.size : 0,
    mtime: Math.floor(stats.mtimeMs / 1000),
    linkname: hardlinkTo ?? (typeflag === "2" ? await readlink(path) : ""),
    ...deviceNumbers(typeflag, stats.rdev),
    ...(typeflag === "0" ? capabilityOf(path) : {}),
  };
}

/** Exactly `size` bytes of the file (zeros if it shrank meanwhile, as the header already promised them), padded. */
async function* fileContent(path: string, size: number): AsyncGenerator<Buffer> {
  const file = await open(path, "r");
  try {
    for (let done = 0; done < size;) {
      const buffer = Buffer.alloc(Math.min(CONTENT_CHUNK, size - done));
      await file.read(buffer, 0, buffer.length, done);
      done += buffer.length;
      yield buffer;
    }
  } finally {
    await file.close();
  }
  yield tarPadding(size);
}

/** Headers and small files gathered into chunks of at least GATHERED bytes, so that a message carries more than a header. */
async function* gathered(blocks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const block of blocks) {
    pending.push(block);
    size += block.length;
    if (size < GATHERED) continue;
    yield Buffer.concat(pending);
    [pending, size] = [[], 0];
  }
  if (size > 0) yield Buffer.concat(pending);
}
