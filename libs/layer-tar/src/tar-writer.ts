// Tar headers as Go's archive/tar writes them in the USTAR format, which is what dockerd's `docker save`
// produces: numeric fields as zero-padded octal ending in NUL, magic "ustar\0" and version "00", the
// checksum as six octal digits, NUL, space. Archives Slipway writes must match dockerd's byte for byte.
import { BLOCK, headerChecksum } from "./tar-header.js";

export interface TarHeaderFields {
  /** UTF-8 text or raw bytes, at most 100 bytes (a directory's name ends in "/"). */
  readonly name: string | Buffer;
  /** "0" file, "1" hard link, "2" symlink, "5" directory, ... */
  readonly typeflag: string;
  /** As the writer's caller sets it; dockerd's `docker save` includes the file-type bits (0100644). */
  readonly mode: number;
  readonly size?: number;
  /** Unix seconds. */
  readonly mtime: number;
  readonly linkname?: string | Buffer;
  readonly uid?: number;
  readonly gid?: number;
  readonly uname?: string;
  readonly gname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
}

/** One 512-byte header block, owned by root unless said otherwise; throws when a value does not fit its field. */
export function encodeTarHeader(fields: TarHeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  put(block, 0, 100, fields.name);
  putOctal(block, 100, 8, fields.mode);
  putOctal(block, 108, 8, fields.uid ?? 0);
  putOctal(block, 116, 8, fields.gid ?? 0);
  putOctal(block, 124, 12, fields.size ?? 0);
  putOctal(block, 136, 12, fields.mtime);
  put(block, 156, 1, fields.typeflag);
  put(block, 157, 100, fields.linkname ?? "");
  put(block, 257, 8, "ustar\u000000");
  put(block, 265, 32, fields.uname ?? "root");
  put(block, 297, 32, fields.gname ?? "root");
  putOctal(block, 329, 8, fields.devmajor ?? 0);
  putOctal(block, 337, 8, fields.devminor ?? 0);
  storeChecksum(block);
  return block;
}

/** Writes the checksum field (by default the block's own checksum, as after changing a field). */
export function storeChecksum(block: Buffer, checksum = headerChecksum(block)): void {
  put(block, 148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
}

/** Zero bytes that pad an entry's data of `size` bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The end-of-archive marker: two zero blocks. */
export function tarTrailer(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

function putOctal(block: Buffer, offset: number, length: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`tar header value ${value} is not a non-negative integer`);
  put(block, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}

function put(block: Buffer, offset: number, length: number, value: string | Buffer): void {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  if (bytes.length > length) throw new Error(`tar header field "${bytes.toString("utf8")}" is longer than ${length} bytes`);
  bytes.copy(block, offset);
}
