// A streaming tar reader with tar-split's "raw accounting": every byte that is not the content of
// a returned entry (headers, PAX and GNU long-name records, padding, end-of-archive blocks) is kept
// in order, so the caller can record it as tar-split segments and rebuild the stream exactly.
import type { ByteReader } from "./byte-reader.js";
import { InvalidLayerError } from "./errors.js";
import { PaxError, parsePaxInteger, parsePaxRecords, parsePaxTime, type TarTime } from "./pax.js";
import { displayName } from "./paths.js";
import { BLOCK, HeaderError, fieldString, isZeroBlock, parseHeader, type RawHeader } from "./tar-header.js";

/** Go's maxSpecialFileSize: the largest PAX or GNU long-name record accepted. */
export const MAX_SPECIAL_SIZE = 1 << 20;
/** PATH_MAX: names and link targets longer than this are refused. */
export const MAX_NAME_LENGTH = 4096;
/** The most metadata (headers, records, padding) accepted in front of one entry. */
const MAX_METADATA_PER_ENTRY = 4 * MAX_SPECIAL_SIZE;
const LABEL_LENGTH = 256;

/** An entry as Go's reader returns it: the header's fields with PAX and GNU records merged. */
export interface TarEntry extends Omit<RawHeader, "mtime" | "format"> {
  /** The old "\0" regular type is normalised to "0" or "5" as Go does; size is the header's (PAX "size" applied). */
  mtime: TarTime;
  atime: TarTime | undefined;
  /** SCHILY.xattr.* records: attribute name -> value, both byte strings. */
  xattrs: Map<string, string>;
  /** Bytes of content that follow the header (0 for links, dirs, devices, fifos). */
  dataLength: number;
  /** The name as people read it in errors (UTF-8, shortened). */
  label: string;
}

const HEADER_ONLY_TYPES = new Set(["1", "2", "3", "4", "5", "6"]);

/** The entry name for error messages: UTF-8, and shortened when absurdly long. */
export function entryLabel(name: string): string {
  const text = displayName(name);
  return text.length > LABEL_LENGTH ? `${text.slice(0, LABEL_LENGTH)}…` : text;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

export class TarReader {
  private raw: Buffer[] = [];
  private rawLength = 0;
  private remaining = 0;
  private padding = 0;
  private current: TarEntry | undefined;

  constructor(private readonly input: ByteReader) {}

  /** The entry being read, for errors that happen outside the reader. */
  get currentLabel(): string | undefined {
    return this.current?.label;
  }

  /** The raw bytes accumulated since the last call (tar-split's RawBytes). */
  takeRaw(): Buffer {
    const bytes = this.raw.length === 1 ? this.raw[0]! : Buffer.concat(this.raw, this.rawLength);
    this.raw = [];
    this.rawLength = 0;
    return bytes;
  }

  /** The next entry, or null at the end-of-archive marker. The previous entry's content must be consumed. */
  async next(): Promise<TarEntry | null> {
    if (this.remaining > 0) throw new Error("TarReader.next: the previous entry's content was not read");
    let pax: Map<string, string> | undefined;
    let longName = "";
    let longLink = "";
    for (;;) {
      await this.readPadding();
      const block = await this.readBlock();
      if (block === null) return null;
      const header = this.parse(block);
      if (header.typeflag === "x" || header.typeflag === "g") {
        const records = this.paxRecords(await this.readSpecial(header), header);
        if (header.typeflag === "g") {
          // Go returns a global header as an entry of its own, without a size.
          const entry = this.entry(header, records, "", "", 0);
          entry.size = 0;
          return entry;
        }
        pax = records;
      } else if (header.typeflag === "L" || header.typeflag === "K") {
        const value = fieldString(await this.readSpecial(header), 0, header.size);
        if (header.typeflag === "L") longName = value;
        else longLink = value;
      } else {
        const entry = this.entry(header, pax ?? new Map(), longName, longLink);
        this.remaining = entry.dataLength;
        this.padding = padding(entry.dataLength);
        return entry;
      }
      if (this.rawLength > MAX_METADATA_PER_ENTRY) {
        throw new InvalidLayerError(`more than ${MAX_METADATA_PER_ENTRY} bytes of extended headers before one entry`, entryLabel(header.name));
      }
    }
  }

  /** The next slice (at most `max` bytes) of the current entry's content, or null when it is all read. */
  async content(max: number): Promise<Buffer | null> {
    if (this.remaining === 0) return null;
    const chunk = await this.input.readChunk(Math.min(max, this.remaining));
    if (chunk === null) {
      throw new InvalidLayerError(
        `truncated tar: the stream ends ${this.remaining} bytes before the end of this entry's content`,
        this.current?.label,
      );
    }
    this.remaining -= chunk.length;
    return chunk;
  }

  /** Whatever follows the end-of-archive marker (usually nothing, or zero padding to a record size). */
  async *remainder(limit: number): AsyncGenerator<Buffer> {
    let total = 0;
    for (;;) {
      const chunk = await this.input.readChunk(1 << 20);
      if (chunk === null) return;
      total += chunk.length;
      if (total > limit) throw new InvalidLayerError(`more than ${limit} bytes of data after the end-of-archive marker`);
      yield chunk;
    }
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.raw.push(Buffer.from(bytes));
    this.rawLength += bytes.length;
  }

  private truncated(what: string): InvalidLayerError {
    const after = this.current ? ` after entry "${this.current.label}"` : "";
    return new InvalidLayerError(`truncated tar: the stream ends inside ${what}${after}`, this.current?.label);
  }

  private async readPadding(): Promise<void> {
    if (this.padding === 0) return;
    const pad = await this.input.read(this.padding);
    this.keep(pad);
    if (pad.length < this.padding) throw this.truncated("the padding of an entry");
    this.padding = 0;
  }

  /** A header block, or null after the end-of-archive marker (one or two zero blocks, as Go accepts). */
  private async readBlock(): Promise<Buffer | null> {
    const block = await this.input.read(BLOCK);
    if (block.length === 0) {
      const where = this.current ? `after entry "${this.current.label}"` : "before any entry";
      throw new InvalidLayerError(`truncated tar: the stream ends ${where} without the end-of-archive marker`, this.current?.label);
    }
    if (block.length < BLOCK) throw this.truncated("a header");
    this.keep(block);
    if (!isZeroBlock(block)) return block;
    const second = await this.input.read(BLOCK);
    this.keep(second);
    if (second.length === 0) return null;
    if (second.length < BLOCK) throw this.truncated("the end-of-archive marker");
    if (!isZeroBlock(second)) throw new InvalidLayerError("malformed tar: a zero block followed by a header", this.current?.label);
    return null;
  }

  private parse(block: Buffer): RawHeader {
    try {
      return parseHeader(block);
    } catch (err) {
      if (err instanceof HeaderError) throw new InvalidLayerError(err.message, entryLabel(err.rawName));
      throw err;
    }
  }

  /** The content of a PAX or GNU long-name header, bounded as Go bounds it. */
  private async readSpecial(header: RawHeader): Promise<Buffer> {
    if (header.size > MAX_SPECIAL_SIZE) {
      throw new InvalidLayerError(`extended header of ${header.size} bytes exceeds the ${MAX_SPECIAL_SIZE}-byte limit`, entryLabel(header.name));
    }
    const data = await this.input.read(header.size);
    this.keep(data);
    if (data.length < header.size) throw this.truncated("an extended header");
    this.padding = padding(header.size);
    return data;
  }

  private paxRecords(data: Buffer, header: RawHeader): Map<string, string> {
    try {
      return parsePaxRecords(data);
    } catch (err) {
      if (err instanceof PaxError) throw new InvalidLayerError(err.message, entryLabel(header.name));
      throw err;
    }
  }

  private entry(header: RawHeader, pax: Map<string, string>, longName: string, longLink: string, dataLength?: number): TarEntry {
    const entry: TarEntry = {
      name: header.name,
      linkname: header.linkname,
      typeflag: header.typeflag,
      mode: header.mode,
      uid: header.uid,
      gid: header.gid,
      size: header.size,
      mtime: { seconds: header.mtime, nanoseconds: 0 },
      atime: undefined,
      devmajor: header.devmajor,
      devminor: header.devminor,
      xattrs: new Map(),
      dataLength: 0,
      label: "",
    };
    try {
      mergePax(entry, pax);
    } catch (err) {
      if (err instanceof PaxError) throw new InvalidLayerError(err.message, entryLabel(entry.name));
      throw err;
    }
    if (longName !== "") entry.name = longName;
    if (longLink !== "") entry.linkname = longLink;
    if (entry.typeflag === "\0") entry.typeflag = entry.name.endsWith("/") ? "5" : "0";
    entry.label = entryLabel(entry.name);
    entry.dataLength = dataLength ?? (HEADER_ONLY_TYPES.has(entry.typeflag) ? 0 : entry.size);
    this.current = entry;
    if (entry.name.length > MAX_NAME_LENGTH) throw new InvalidLayerError(`name is longer than ${MAX_NAME_LENGTH} bytes`, entry.label);
    if (entry.linkname.length > MAX_NAME_LENGTH) throw new InvalidLayerError(`link target is longer than ${MAX_NAME_LENGTH} bytes`, entry.label);
    if (entry.typeflag === "S" || [...pax.keys()].some((key) => key.startsWith("GNU.sparse."))) {
      throw new InvalidLayerError("sparse files are not supported in layers", entry.label);
    }
    return entry;
  }
}

/** Go's mergePAX: known records override header fields; empty values keep the header's. */
function mergePax(entry: TarEntry, pax: Map<string, string>): void {
  for (const [key, value] of pax) {
    if (value === "") continue;
    switch (key) {
      case "path":
        entry.name = value;
        break;
      case "linkpath":
        entry.linkname = value;
        break;
      case "uid":
        entry.uid = parsePaxInteger(value, key);
        break;
      case "gid":
        entry.gid = parsePaxInteger(value, key);
        break;
      case "size":
        entry.size = parsePaxInteger(value, key);
        if (entry.size < 0) throw new PaxError(`negative PAX size "${value}"`);
        break;
      case "mtime":
        entry.mtime = parsePaxTime(value, key);
        break;
      case "atime":
        entry.atime = parsePaxTime(value, key);
        break;
      default:
        if (key.startsWith("SCHILY.xattr.")) entry.xattrs.set(key.slice("SCHILY.xattr.".length), value);
    }
  }
}
