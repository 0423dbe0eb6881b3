// tar-split metadata (vbatts/tar-split tar/storage JSON packer, as vendored by dockerd 20.10): one
// JSON object per line, segments ({"type":2}) holding the raw bytes between file contents, and file
// entries ({"type":1}) naming the file whose content goes there, with its size and CRC-64.
import { once } from "node:events";
import { createGunzip, createGzip } from "node:zlib";
import { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { displayName } from "./paths.js";
import { cleanPath, goJsonString } from "@slipway/docker-spec";

export const SEGMENT_TYPE = 2;
export const FILE_TYPE = 1;

const FLUSH_BYTES = 256 * 1024;
const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** tar-split's SetName: valid UTF-8 (with no U+FFFD) goes in "name", anything else in "name_raw". */
function nameField(name: string): string {
  const bytes = Buffer.from(name, "latin1");
  try {
    const text = fatalUtf8.decode(bytes);
    if (!text.includes("\ufffd")) return `"name":${goJsonString(text)}`;
  } catch {
    // not UTF-8
  }
  return `"name_raw":"${bytes.toString("base64")}"`;
}

export class DuplicatePathError extends Error {}

/** Writes tar-split lines into a gzip stream, collecting the compressed bytes. */
export class TarSplitPacker {
  private position = 0;
  private pending: string[] = [];
  private pendingLength = 0;
  private readonly seen = new Set<string>();
  private readonly gzip = createGzip();
  private readonly output: Buffer[] = [];

  constructor() {
    this.gzip.on("data", (chunk: Buffer) => this.output.push(chunk));
  }

  addSegment(payload: Buffer): void {
    this.push(`{"type":${SEGMENT_TYPE},"payload":"${payload.toString("base64")}","position":${this.position}}\n`);
  }

  /** A file entry; `checksum` is null for entries without content. Throws DuplicatePathError as tar-split does. */
  addFile(name: string, size: number, checksum: Buffer | null): void {
    const key = cleanPath(name);
    if (this.seen.has(key)) throw new DuplicatePathError(`the layer contains "${displayName(key)}" more than once`);
    this.seen.add(key);
    const sizeField = size === 0 ? "" : `"size":${size},`;
    const payload = checksum === null ? "null" : `"${checksum.toString("base64")}"`;
    this.push(`{"type":${FILE_TYPE},${nameField(name)},${sizeField}"payload":${payload},"position":${this.position}}\n`);
  }

  /** Hands buffered lines to gzip, waiting when it is behind (bounded memory). */
  async drain(): Promise<void> {
    if (this.pendingLength < FLUSH_BYTES) return;
    if (!this.gzip.write(this.pending.join(""))) await once(this.gzip, "drain");
    this.pending = [];
    this.pendingLength = 0;
  }

  /** The gzip-compressed tar-split document. */
  async finish(): Promise<Buffer> {
    const ended = once(this.gzip, "end");
    this.gzip.end(this.pending.join(""));
    this.pending = [];
    await ended;
    return Buffer.concat(this.output);
  }

  /** Stops compression after a failure. */
  discard(): void {
    this.gzip.destroy();
  }

  private push(line: string): void {
    this.pending.push(line);
    this.pendingLength += line.length;
    this.position++;
  }
}

/** One line of a tar-split document, decoded. */
export type TarSplitEntry =
  { type: typeof SEGMENT_TYPE; payload: Buffer } | { type: typeof FILE_TYPE; name: Buffer; size: number; checksum: Buffer | null };

interface TarSplitLine {
  type?: number;
  name?: string;
  name_raw?: string;
  size?: number;
  payload?: string | null;
}

function decodeLine(line: string): TarSplitEntry {
  const parsed = JSON.parse(line) as TarSplitLine;
  const payload = typeof parsed.payload === "string" ? Buffer.from(parsed.payload, "base64") : null;
  if (parsed.type === SEGMENT_TYPE) return { type: SEGMENT_TYPE, payload: payload ?? Buffer.alloc(0) };
  if (parsed.type === FILE_TYPE) {
    const name = parsed.name_raw ? Buffer.from(parsed.name_raw, "base64") : Buffer.from(parsed.name ?? "", "utf8");
    return { type: FILE_TYPE, name, size: parsed.size ?? 0, checksum: payload };
  }
  throw new Error(`tar-split: unknown entry type ${String(parsed.type)}`);
}

/** Streams the entries of a gzip tar-split document, one line at a time. */
export async function* readTarSplit(tarSplit: Buffer): AsyncGenerator<TarSplitEntry> {
  let carry = "";
  const decoder = new StringDecoder("utf8");
  for await (const chunk of Readable.from([tarSplit]).pipe(createGunzip())) {
    const lines = (carry + decoder.write(chunk as Buffer)).split("\n");
    carry = lines.pop()!;
    for (const line of lines) if (line !== "") yield decodeLine(line);
  }
  if (carry.trim() !== "") yield decodeLine(carry);
}
