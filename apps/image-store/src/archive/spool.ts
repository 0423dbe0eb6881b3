import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join, posix } from "node:path";
import { once } from "node:events";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract, type Extract, type Header } from "tar-stream";
import { invalidArgument, isSystemError, SlipwayError } from "@slipway/errors";

/**
 * A regular file of the archive: copied to disk while its sha256 was computed, or taken by a claim as
 * it streamed by and not kept (a layer's bytes then live in layer-store only).
 */
export interface SpooledFile {
  /** Normalised path inside the archive, e.g. "blobs/sha256/ab…". */
  readonly path: string;
  /** Where its bytes are on disk; undefined for a file a claim took. */
  readonly file: string | undefined;
  readonly size: number;
  /**
   * "sha256:<hex>" of its bytes as stored in the archive (compressed, for gzip layers); undefined
   * only for a claimed file whose name promises no digest, the one case nothing checks it.
   */
  readonly digest: string | undefined;
}

/** Consumes a file entry's bytes as they are read from the archive. */
export type EntryConsumer = (content: AsyncIterable<Buffer>) => Promise<void>;

/**
 * Offered every file entry before it is spooled: a consumer takes the entry as it streams by
 * (e.g. a layer registered directly because its manifest came first); undefined spools it.
 */
export type EntryClaim = (path: string, size: number, spool: ArchiveSpool) => Promise<EntryConsumer | undefined>;

const MAX_LINK_HOPS = 16;
const MAX_METADATA_BYTES = 32 * 1024 * 1024;

/**
 * An image archive read once from a stream, each file copied into a temp dir inside the data root
 * while its sha256 is computed. Memory stays flat: every file goes straight to disk. A claim can
 * take a file as it streams by (a layer registered or staged in layer-store right away), which is
 * then not copied; everything else waits for the end, since docker save and OCI archives put their
 * manifests last.
 * `dispose()` removes the temp dir; callers run it on every path.
 */
export class ArchiveSpool {
  private readonly files = new Map<string, SpooledFile>();
  private readonly links = new Map<string, string>();
  private count = 0;

  private constructor(
    readonly dir: string,
    private readonly claim: EntryClaim | undefined,
  ) {}

  /**
   * Reads a tar (plain or gzip) stream completely, offering each file to `claim` first.
   * A malformed or truncated archive → INVALID_ARGUMENT; a consumer's error passes through.
   */
  static async read(source: AsyncIterable<Uint8Array>, scratch: string, claim?: EntryClaim): Promise<ArchiveSpool> {
    const dir = join(scratch, `load-${randomBytes(8).toString("hex")}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const spool = new ArchiveSpool(dir, claim);
    try {
      await spool.consume(source);
      return spool;
    } catch (err) {
      await spool.dispose();
      throw err;
    }
  }

  has(path: string): boolean {
    return this.resolve(path) !== undefined;
  }

  /** The file at an archive path (symlinks and hardlinks followed inside the archive), if present. */
  resolve(path: string): SpooledFile | undefined {
    let current = normalizeArchivePath(path);
    for (let hop = 0; current !== undefined && hop <= MAX_LINK_HOPS; hop++) {
      const file = this.files.get(current);
      if (file) return file;
      current = this.links.get(current);
    }
    return undefined;
  }

  /** A small file's bytes (manifests, configs, indexes), bounded so a hostile archive cannot exhaust memory. */
  async readSmall(file: SpooledFile): Promise<Buffer> {
    if (file.size > MAX_METADATA_BYTES) {
      throw invalidArgument(`${file.path} is ${file.size} bytes, more than the ${MAX_METADATA_BYTES} allowed for image metadata`);
    }
    return readFile(keptPath(file));
  }

  /** Streams a file kept on disk. */
  open(file: SpooledFile): Readable {
    return createReadStream(keptPath(file), { highWaterMark: 256 * 1024 });
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private async consume(source: AsyncIterable<Uint8Array>): Promise<void> {
    const untar = extract();
    const feeding = feed(await tarBytes(source), untar);
    try {
      for await (const entry of untar) await this.accept(entry.header, entry as AsyncIterable<Buffer>);
      await feeding;
    } catch (err) {
      untar.destroy();
      await feeding.catch(() => undefined);
      if (err instanceof SlipwayError || isSystemError(err)) throw err;
      throw invalidArgument(`the archive is not a readable tar stream: ${(err as Error).message}`);
    }
  }

  private async accept(header: Header, entry: AsyncIterable<Buffer>): Promise<void> {
    const path = normalizeArchivePath(header.name);
    if (path !== undefined && (header.type === "symlink" || header.type === "link") && header.linkname) {
      const target = header.type === "symlink" ? posix.join(posix.dirname(path), header.linkname) : header.linkname;
      const resolved = normalizeArchivePath(target);
      if (resolved !== undefined) this.links.set(path, resolved);
    }
    if (path === undefined || header.type !== "file") {
      for await (const _ of entry) void _;
      return;
    }
    const consumer = await this.claim?.(path, header.size ?? 0, this);
    if (consumer) {
      this.files.set(path, { path, file: undefined, ...(await measureWhileConsumed(entry, consumer, promisedDigest(path) !== undefined)) });
      return;
    }
    const file = join(this.dir, String(this.count++));
    this.files.set(path, { path, file, ...(await writeHashed(entry, file)) });
  }
}

/**
 * The digest a content-addressed name promises (OCI "blobs/sha256/<hex>", docker save's "<hex>.json"),
 * or undefined for any other path.
 */
export function promisedDigest(normalPath: string): string | undefined {
  const named = /^(?:blobs\/sha256\/([a-f0-9]{64})|([a-f0-9]{64})\.json)$/.exec(normalPath);
  return named ? `sha256:${named[1] ?? named[2]}` : undefined;
}

function keptPath(file: SpooledFile): string {
  if (file.file === undefined) throw invalidArgument(`${file.path} went to layer-store as a layer; it cannot also be read as image metadata`);
  return file.file;
}

/** Hands the entry to its consumer, counting (and when asked, hashing) the bytes it reads; all must be read. */
async function measureWhileConsumed(
  entry: AsyncIterable<Buffer>,
  consumer: EntryConsumer,
  withDigest: boolean,
): Promise<{ size: number; digest: string | undefined }> {
  const hash = withDigest ? createHash("sha256") : undefined;
  let size = 0;
  let finished = false;
  async function* counted(): AsyncIterable<Buffer> {
    for await (const chunk of entry) {
      hash?.update(chunk);
      size += chunk.length;
      yield chunk;
    }
    finished = true;
  }
  await consumer(counted());
  if (!finished) throw new Error("the layer consumer stopped before the end of the entry");
  return { size, digest: hash ? `sha256:${hash.digest("hex")}` : undefined };
}

/** Writes chunks to a new file with backpressure; returns their size and sha256. */
async function writeHashed(chunks: AsyncIterable<Buffer>, file: string): Promise<{ size: number; digest: string }> {
  const hash = createHash("sha256");
  const out = createWriteStream(file, { mode: 0o600 });
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  failed.catch(() => undefined);
  let size = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.length;
    if (!out.write(chunk)) await Promise.race([once(out, "drain"), failed]);
  }
  out.end();
  await Promise.race([once(out, "finish"), failed]);
  return { size, digest: `sha256:${hash.digest("hex")}` };
}

/**
 * Writes the tar bytes into the extractor with backpressure, then ends it. Stops (releasing the source)
 * when the extractor is destroyed, as it is when an entry's consumer fails: no drain comes after that.
 */
async function feed(chunks: AsyncIterable<Buffer>, untar: Extract): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (!untar.write(chunk)) await drainedOrClosed(untar);
      if (untar.destroyed) return;
    }
    untar.end(undefined);
  } catch (err) {
    untar.destroy(err as Error);
    throw err;
  }
}

function drainedOrClosed(stream: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done).off("close", done);
      resolve();
    };
    stream.on("drain", done).on("close", done);
  });
}

/** The archive's tar bytes: the stream itself, or its gunzipped form when it starts with the gzip magic. */
async function tarBytes(source: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Buffer>> {
  const { gzip, chunks } = await sniffGzip(source);
  if (!gzip) return chunks;
  const gunzip = createGunzip();
  pipeline(Readable.from(chunks), gunzip).catch((err: Error) => gunzip.destroy(err));
  return gunzip;
}

/**
 * A path inside the archive in canonical form ("./a/../b" → "b"), or undefined when it is absolute
 * or leaves the archive.
 */
export function normalizeArchivePath(path: string): string | undefined {
  if (path === "" || path.startsWith("/")) return undefined;
  const normal = posix.normalize(path).replace(/\/+$/, "");
  if (normal === ".." || normal.startsWith("../") || normal === "." || normal === "") return undefined;
  return normal;
}

/** The stream as Buffers, and whether it starts with the gzip magic bytes (peeked from the first chunk). */
async function sniffGzip(source: AsyncIterable<Uint8Array>): Promise<{ gzip: boolean; chunks: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && first.value.length === 0) first = await iterator.next();
  const head = first.done ? undefined : asBuffer(first.value);
  async function* chunks(): AsyncIterable<Buffer> {
    if (head === undefined) return;
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield asBuffer(next.value);
  }
  return { gzip: head !== undefined && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b, chunks: chunks() };
}

/** The bytes as a Buffer without copying them (Buffer.from(Uint8Array) would copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
