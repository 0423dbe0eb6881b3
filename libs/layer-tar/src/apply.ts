import { statSync } from "node:fs";
import { describeSystemError, isSystemError } from "@slipway/errors";
import { BackgroundDigests } from "./background-digests.js";
import { ByteReader, SourceError } from "./byte-reader.js";
import { decompress } from "./decompress.js";
import { directorySize } from "./directory-size.js";
import { InvalidLayerError, LayerEntrySystemError } from "./errors.js";
import { LayerExtractor, type Logger } from "./extract.js";
import { DuplicatePathError, TarSplitPacker } from "./tar-split.js";
import { TarReader, type TarEntry } from "./tar-reader.js";

export interface AppliedLayer {
  /** "sha256:<hex>" of the uncompressed tar stream. */
  diffId: string;
  /** What dockerd records in layerdb .../size for overlay2: moby's directory.Size of the diff dir. */
  size: number;
  /** gzip of tar-split JSON lines, written verbatim as layerdb/sha256/<chain>/tar-split.json.gz. */
  tarSplit: Buffer;
}

export interface ApplyOptions {
  signal?: AbortSignal;
  /** Receives one line per thing that cannot be reproduced (e.g. ownership when not root). */
  log?: Logger;
  /** Told of each entry (its name as in the tar) before it is extracted; missing parents are made without one. */
  onEntry?: (entry: { readonly name: string; readonly typeflag: string }) => void;
  /** Every entry's owner instead of the tar's (moby's ChownOpts, as `docker cp -a` sets them); missing parents stay root's. */
  owner?: { readonly uid: number; readonly gid: number };
}

const CONTENT_CHUNK = 1 << 20;
/** Bytes read ahead of the digests before extraction waits for them (they hold the chunks in memory). */
const DIGEST_BACKLOG = 1 << 20;
/** tar-split keeps data after the end-of-archive marker; more than this is refused. */
const MAX_TRAILING_DATA = 64 << 20;
/**
 * dockerd 20.10's tar-split records the data after the end-of-archive marker as one segment per
 * read (at most 1 MiB) and then an empty segment for the read that hit EOF.
 */
const TRAILING_SEGMENT = 1 << 20;
/** Errors from the filesystem that mean the entry itself cannot be created as given. */
const ENTRY_ERRORS = new Set(["ENAMETOOLONG", "ENOTDIR", "EEXIST", "ELOOP", "EISDIR", "EMLINK", "EINVAL", "ERANGE", "E2BIG"]);

/**
 * Reads a plain or gzip layer tar (detected by magic) and extracts it into diffDir (existing, empty)
 * as dockerd's overlay2 driver does, streaming: no layer or file is held in memory. Throws
 * InvalidLayerError for hostile, corrupt or truncated input; nothing is ever written outside
 * diffDir, and on any error the caller removes what was written inside it.
 */
export async function applyLayerTar(source: AsyncIterable<Uint8Array>, diffDir: string, options: ApplyOptions = {}): Promise<AppliedLayer> {
  if (!statSync(diffDir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`applyLayerTar: diff directory ${diffDir} does not exist`);
  const digests = new BackgroundDigests();
  const diffId = digests.sha256();
  const input = new ByteReader(decompress(source)[Symbol.asyncIterator](), (chunk) => digests.update(diffId, chunk), options.signal);
  const tar = new TarReader(input);
  const packer = new TarSplitPacker(() => digests.settled());
  const extractor = new LayerExtractor(diffDir, options.log);
  try {
    for (let entry = await tar.next(); entry !== null; entry = await tar.next()) {
      const raw = tar.takeRaw();
      if (raw.length > 0) packer.addSegment(raw);
      options.onEntry?.(entry);
      const checksum = await extractEntry(tar, extractor, options.owner ? { ...entry, ...options.owner } : entry, digests);
      packer.addFile(entry.name, entry.size, checksum);
      await packer.drain();
      if (digests.backlog > DIGEST_BACKLOG) await digests.catchUp(DIGEST_BACKLOG / 2);
    }
    const endOfArchive = tar.takeRaw();
    if (endOfArchive.length > 0) packer.addSegment(endOfArchive);
    await packTrailingData(tar, packer);
    extractor.finish();
    await digests.settled();
  } catch (err) {
    packer.discard();
    throw classify(err, tar.currentLabel, options.signal);
  } finally {
    input.close();
  }
  // The entries give the size unless one replaced or removed something: walking the tree would lstat every file again.
  const size = extractor.sizeFromEntries ?? (await directorySize(diffDir));
  return { diffId: `sha256:${digests.sha256Digest(diffId).toString("hex")}`, size, tarSplit: await packer.finish() };
}

/**
 * Creates one entry and streams its content; returns the state of the CRC-64 that tar-split records (null
 * without content), which holds the checksum once the digests have settled.
 */
async function extractEntry(tar: TarReader, extractor: LayerExtractor, entry: TarEntry, digests: BackgroundDigests): Promise<Buffer | null> {
  const sink = extractor.begin(entry);
  const crc = digests.crc64();
  try {
    for (let chunk = await tar.content(CONTENT_CHUNK); chunk !== null; chunk = await tar.content(CONTENT_CHUNK)) {
      digests.update(crc, chunk);
      sink?.write(chunk);
      if (digests.backlog > DIGEST_BACKLOG) await digests.catchUp(DIGEST_BACKLOG / 2);
    }
  } catch (err) {
    sink?.abort();
    throw err;
  }
  sink?.close();
  return entry.size > 0 ? crc : null;
}

async function packTrailingData(tar: TarReader, packer: TarSplitPacker): Promise<void> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const chunk of tar.remainder(MAX_TRAILING_DATA)) {
    pending.push(Buffer.from(chunk));
    pendingLength += chunk.length;
    if (pendingLength >= TRAILING_SEGMENT) {
      const all = Buffer.concat(pending);
      packer.addSegment(all.subarray(0, TRAILING_SEGMENT));
      pending = [all.subarray(TRAILING_SEGMENT)];
      pendingLength -= TRAILING_SEGMENT;
      await packer.drain(); // up to MAX_TRAILING_DATA of segments must not wait in memory as base64
    }
  }
  if (pendingLength > 0) packer.addSegment(Buffer.concat(pending));
  packer.addSegment(Buffer.alloc(0));
}

/** Maps any failure to what the caller should see, naming the entry being read. */
function classify(err: unknown, entry: string | undefined, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted && err === signal.reason) return err;
  if (err instanceof InvalidLayerError)
    return err.entry === undefined && entry !== undefined ? new InvalidLayerError(err.reason, entry, { cause: err.cause }) : err;
  if (err instanceof SourceError) return new InvalidLayerError(`the layer stream failed: ${err.message}`, entry, { cause: err });
  if (err instanceof DuplicatePathError) return new InvalidLayerError(err.message, entry);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && ENTRY_ERRORS.has(code)) {
    // Go's words with the entry's path inside the layer, as for LayerEntrySystemError: never the diff directory's.
    const reason = isSystemError(err) && entry !== undefined ? describeSystemError(new LayerEntrySystemError(err, entry)) : (err as Error).message;
    return new InvalidLayerError(`cannot create it: ${reason}`, entry, { cause: err });
  }
  if (isSystemError(err) && entry !== undefined) return new LayerEntrySystemError(err, entry);
  if (err instanceof Error && entry !== undefined) {
    return new Error(`extracting layer entry "${entry}": ${err.message}`, { cause: err });
  }
  return err;
}
