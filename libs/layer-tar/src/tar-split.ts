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

/** A file's line whose checksum is computed in the background: written once the checksums have settled. */
interface FileLine {
  head: string;
  checksum: Buffer;
  tail: string;
}

const CHECKSUM_TEXT_LENGTH = 12; // 8 bytes in base64

/** Writes tar-split lines into a gzip stream, collecting the compressed bytes. */
export class TarSplitPacker {
  private position = 0;
  private pending: Array<string | FileLine> = [];
  private pendingLength = 0;
  private readonly seen = new Set<string>();
  private readonly gzip = createGzip();
  private readonly output: Buffer[] = [];

  /** `checksumsSettled`: resolves once every checksum buffer given to addFile so far holds its final value. */
  constructor(private readonly checksumsSettled: () => Promise<void> = () => Promise.resolve()) {
    this.gzip.on("data", (chunk: Buffer) => this.output.push(chunk));
  }

  addSegment(payload: Buffer): void {
    const line = `{"type":${SEGMENT_TYPE},"payload":"${payload.toString("base64")}","position":${this.position}}\n`;
    this.push(line, line.length);
  }

  /**
   * A file entry; `checksum` is null for entries without content, else its 8-byte CRC-64, which may still
   * be computed until `checksumsSettled` resolves. Throws DuplicatePathError as tar-split does.
   */
  addFile(name: string, size: number, checksum: Buffer | null): void {
    const key = cleanPath(name);
    if (this.seen.has(key)) throw new DuplicatePathError(`the layer contains "${displayName(key)}" more than once`);
    this.seen.add(key);
    const head = `{"type":${FILE_TYPE},${nameField(name)},${size === 0 ? "" : `"size":${size},`}"payload":`;
    const tail = `,"position":${this.position}}\n`;
    if (checksum === null) this.push(`${head}null${tail}`, head.length + 4 + tail.length);
    else this.push({ head, checksum, tail }, head.length + CHECKSUM_TEXT_LENGTH + 2 + tail.length);
  }

  /** Hands buffered lines to gzip, waiting when it is behind (bounded memory). */
  async drain(): Promise<void> {
    if (this.pendingLength < FLUSH_BYTES) return;
    if (!this.gzip.write(await this.takePending())) await once(this.gzip, "drain");
  }

  /** The gzip-compressed tar-split document. */
  async finish(): Promise<Buffer> {
    const text = await this.takePending();
    const ended = once(this.gzip, "end");
    this.gzip.end(text);
    await ended;
    return Buffer.concat(this.output);
  }

  /** Stops compression after a failure. */
  discard(): void {
    this.gzip.destroy();
  }

  private push(line: string | FileLine, length: number): void {
    this.pending.push(line);
    this.pendingLength += length;
    this.position++;
  }

  /** The buffered lines as text, once their checksums are final. */
  private async takePending(): Promise<string> {
    const lines = this.pending;
    this.pending = [];
    this.pendingLength = 0;
    if (lines.some((line) => typeof line !== "string")) await this.checksumsSettled();
    return lines.map((line) => (typeof line === "string" ? line : `${line.head}"${line.checksum.toString("base64")}"${line.tail}`)).join("");
  }
}

/** One line of a tar-split document, decoded. */
export type TarSplitEntry =
  { type: typeof SEGMENT_TYPE; payload: Buffer } | { type: typeof FILE_TYPE; name: Buffer; size: number; checksum: Buffer | null };

/** A tar-split document that cannot be read: corrupt gzip, a line that is not an entry, a path named twice. */
export class InvalidTarSplitError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`invalid tar-split: ${reason}`, options);
    this.name = "InvalidTarSplitError";
  }
}

interface TarSplitLine {
  type?: unknown;
  name?: unknown;
  name_raw?: unknown;
  size?: unknown;
  payload?: unknown;
}

const isOptional = (value: unknown, type: "string" | "number") => value === undefined || value === null || typeof value === type;

/** Why a parsed line is not an entry Go's encoding/json would decode into tar-split's storage.Entry, or undefined. */
function lineProblem(line: TarSplitLine): string | undefined {
  if (typeof line !== "object" || line === null || Array.isArray(line)) return "not a JSON object";
  if (line.type !== SEGMENT_TYPE && line.type !== FILE_TYPE) return `unknown entry type ${JSON.stringify(line.type)}`;
  if (!isOptional(line.name, "string") || !isOptional(line.name_raw, "string") || !isOptional(line.payload, "string"))
    return "name, name_raw and payload must be strings";
  if (!isOptional(line.size, "number") || !(line.size == null || (Number.isSafeInteger(line.size) && (line.size as number) >= 0)))
    return "size must be a whole number of bytes";
  return undefined;
}

function decodeLine(text: string, lineNumber: number): TarSplitEntry {
  let line: TarSplitLine;
  try {
    line = JSON.parse(text) as TarSplitLine;
  } catch {
    throw new InvalidTarSplitError(`line ${lineNumber} is not JSON`);
  }
  const problem = lineProblem(line);
  if (problem !== undefined) throw new InvalidTarSplitError(`line ${lineNumber}: ${problem}`);
  const payload = typeof line.payload === "string" ? Buffer.from(line.payload, "base64") : null;
  if (line.type === SEGMENT_TYPE) return { type: SEGMENT_TYPE, payload: payload ?? Buffer.alloc(0) };
  const name = line.name_raw ? Buffer.from(line.name_raw as string, "base64") : Buffer.from((line.name as string | undefined) ?? "", "utf8");
  return { type: FILE_TYPE, name, size: (line.size as number | undefined) ?? 0, checksum: payload };
}

/** The lines of a gzip document; a corrupt or truncated gzip stream is an InvalidTarSplitError. */
async function* gunzippedLines(tarSplit: Buffer): AsyncGenerator<string> {
  let carry = "";
  const decoder = new StringDecoder("utf8");
  try {
    for await (const chunk of Readable.from([tarSplit]).pipe(createGunzip())) {
      const lines = (carry + decoder.write(chunk as Buffer)).split("\n");
      carry = lines.pop()!;
      yield* lines;
    }
  } catch (err) {
    throw new InvalidTarSplitError(`the gzip stream is corrupt (${(err as Error).message})`, { cause: err });
  }
  yield carry + decoder.end();
}

/**
 * Streams the entries of a gzip tar-split document, one line at a time. Like tar-split's JSON unpacker it
 * refuses a file path named twice; every other problem is an InvalidTarSplitError too.
 */
export async function* readTarSplit(tarSplit: Buffer): AsyncGenerator<TarSplitEntry> {
  const seen = new Set<string>();
  let lineNumber = 0;
  for await (const line of gunzippedLines(tarSplit)) {
    lineNumber++;
    if (line.trim() === "") continue;
    const entry = decodeLine(line, lineNumber);
    if (entry.type === FILE_TYPE) {
      const key = cleanPath(entry.name.toString("latin1"));
      if (seen.has(key)) throw new InvalidTarSplitError(`line ${lineNumber}: "${displayName(key)}" is named more than once`);
      seen.add(key);
    }
    yield entry;
  }
}
