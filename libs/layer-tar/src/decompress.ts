import { Readable, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { InvalidLayerError } from "./errors.js";
import { SourceError } from "./byte-reader.js";

const MAGIC: ReadonlyArray<{ name: string; bytes: number[] }> = [
  { name: "bzip2", bytes: [0x42, 0x5a, 0x68] },
  { name: "xz", bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: "zstd", bytes: [0x28, 0xb5, 0x2f, 0xfd] },
];
const GZIP = [0x1f, 0x8b, 0x08];

function startsWith(data: Buffer, magic: readonly number[]): boolean {
  return data.length >= magic.length && magic.every((byte, i) => data[i] === byte);
}

/** Source chunks as Buffers; a failing source surfaces as SourceError. */
async function* tagged(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of source) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
  } catch (err) {
    if (err instanceof SourceError || (err instanceof Error && err.name === "AbortError")) throw err;
    throw new SourceError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/**
 * The uncompressed tar stream of a plain or gzip layer, detected by magic as moby's
 * DecompressStream does. Other compressions are refused with a clear error.
 */
export async function* decompress(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const input = tagged(source);
  try {
    const start = await readHead(input);
    for (const { name, bytes } of MAGIC) {
      if (startsWith(start, bytes)) throw new InvalidLayerError(`${name}-compressed layers are not supported; send a plain or gzip tar`);
    }
    async function* replay(): AsyncGenerator<Buffer> {
      if (start.length > 0) yield start;
      yield* input;
    }
    yield* startsWith(start, GZIP) ? gunzip(replay()) : replay();
  } finally {
    await input.return(undefined); // stop reading the client's stream when the consumer stops early
  }
}

/** The first bytes of the stream, enough to tell the compression. */
async function readHead(input: AsyncGenerator<Buffer>): Promise<Buffer> {
  const head: Buffer[] = [];
  let headLength = 0;
  while (headLength < 6) {
    const next = await input.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  return Buffer.concat(head);
}

async function* gunzip(compressedChunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const compressed = Readable.from(growingSlices(compressedChunks, GZIP_SLICE), { objectMode: false });
  const decompressor = createGunzip({ chunkSize: GZIP_SLICE });
  pipeline(compressed, decompressor, () => undefined);
  try {
    yield* drainBeforeError(decompressor);
  } catch (err) {
    if (err instanceof SourceError || (err instanceof Error && err.name === "AbortError")) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new InvalidLayerError(`corrupt or truncated gzip stream: ${message}`, undefined, { cause: err });
  } finally {
    compressed.destroy();
    decompressor.destroy();
  }
}

const QUEUE_HIGH = 4;
/**
 * zlib drops the output of the write that fails, so the input is fed in slices of fixed sizes: what is
 * delivered before a gzip error, and so the entry the error names, does not depend on how the client
 * chunked the stream. The slices start small, so that an error early in a layer still names the entry it
 * broke in, and grow, because each slice is a round trip to the thread pool and a callback on the main
 * thread (docs/benchmarks.md, "Pull").
 */
const FIRST_SLICE = 16 * 1024;
const GZIP_SLICE = 256 * 1024;

/** The source's bytes cut into slices of FIRST_SLICE, twice that, and so on up to `max` (the last one shorter). */
async function* growingSlices(source: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let size = FIRST_SLICE;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < size) continue;
    const joined = pending.length === 1 ? chunk : Buffer.concat(pending, pendingBytes);
    let offset = 0;
    for (; joined.length - offset >= size; size = Math.min(size * 2, max)) {
      yield joined.subarray(offset, offset + size);
      offset += size;
    }
    pending = offset < joined.length ? [joined.subarray(offset)] : [];
    pendingBytes = joined.length - offset;
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/**
 * The stream's chunks, with everything decompressed before a failure delivered before the error,
 * so the error names the entry it broke in, however the input was chunked (a plain async iterator
 * of a stream drops buffered data when it errors).
 */
async function* drainBeforeError(stream: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let failure: { error: unknown } | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  stream.on("data", (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= QUEUE_HIGH) stream.pause();
    notify();
  });
  stream.on("end", () => {
    ended = true;
    notify();
  });
  stream.on("error", (error) => {
    failure = { error };
    notify();
  });
  for (;;) {
    const chunk = queue.shift();
    if (chunk !== undefined) {
      if (queue.length === 0) stream.resume();
      yield chunk;
    } else if (failure) {
      throw failure.error;
    } else if (ended) {
      return;
    } else {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
}
