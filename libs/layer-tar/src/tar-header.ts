// One 512-byte tar header block, parsed as Go's archive/tar reads it (the reader tar-split forks),
// so that names, sizes and format quirks come out exactly as dockerd sees them.

export const BLOCK = 512;

export type TarFormat = "v7" | "ustar" | "star" | "gnu";

export interface RawHeader {
  /** name and linkname are byte strings (see paths.ts). */
  name: string;
  linkname: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  devmajor: number;
  devminor: number;
  format: TarFormat;
}

/** A malformed header: bad checksum, bad magic, bad number. `name` is the raw name field, best effort. */
export class HeaderError extends Error {
  constructor(
    reason: string,
    readonly rawName: string,
  ) {
    super(reason);
  }
}

/** Bytes up to the first NUL, as a byte string. */
export function fieldString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString("latin1");
}

function isSpaceOrNul(byte: number): boolean {
  return byte === 0x20 || byte === 0;
}

/** Go's parseOctal: NULs and spaces trimmed on both ends, then octal digits up to a NUL; "" is 0. */
function parseOctal(field: Buffer, what: string, rawName: string): number {
  let start = 0;
  let end = field.length;
  while (start < end && isSpaceOrNul(field[start]!)) start++;
  while (end > start && isSpaceOrNul(field[end - 1]!)) end--;
  const text = fieldString(field.subarray(start, end), 0, end - start);
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new HeaderError(`malformed header: ${what} field "${text}" is not octal`, rawName);
  const value = parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw new HeaderError(`malformed header: ${what} field "${text}" is too large`, rawName);
  return value;
}

/** Go's parseNumeric: base-256 (GNU/star extension, high bit set) or octal. */
function parseNumeric(field: Buffer, what: string, rawName: string): number {
  if (field.length === 0 || (field[0]! & 0x80) === 0) return parseOctal(field, what, rawName);
  const negative = (field[0]! & 0x40) !== 0;
  let value = 0n;
  for (let i = 0; i < field.length; i++) {
    let byte = negative ? field[i]! ^ 0xff : field[i]!;
    if (i === 0) byte &= 0x7f;
    value = (value << 8n) | BigInt(byte);
  }
  const result = negative ? -(value + 1n) : value;
  if (result > BigInt(Number.MAX_SAFE_INTEGER) || result < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new HeaderError(`malformed header: base-256 ${what} field out of range`, rawName);
  }
  return Number(result);
}

/** The header's checksums as Go computes them, with the checksum field counted as spaces. */
function checksums(block: Buffer): [unsigned: number, signed: number] {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte < 128 ? byte : byte - 256;
  }
  return [unsigned, signed];
}

/** The checksum a writer stores (the unsigned sum; readers also accept the signed one old tars used). */
export function headerChecksum(block: Buffer): number {
  return checksums(block)[0];
}

function detectFormat(block: Buffer): TarFormat {
  const magic = block.toString("latin1", 257, 263);
  const version = block.toString("latin1", 263, 265);
  if (magic === "ustar\0" && block.toString("latin1", 508, 512) === "tar\0") return "star";
  if (magic === "ustar\0") return "ustar";
  if (magic === "ustar " && version === " \0") return "gnu";
  return "v7";
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** Parses a non-zero header block; throws HeaderError for a bad checksum or malformed number. */
export function parseHeader(block: Buffer): RawHeader {
  const name = fieldString(block, 0, 100);
  let stored: number;
  try {
    stored = parseOctal(block.subarray(148, 156), "checksum", name);
  } catch {
    throw new HeaderError("malformed header: the checksum field is not octal", name);
  }
  const [unsigned, signed] = checksums(block);
  if (stored !== unsigned && stored !== signed) {
    throw new HeaderError(`malformed header: bad checksum (stored ${stored}, computed ${unsigned})`, name);
  }
  const format = detectFormat(block);
  const numeric = (start: number, length: number, what: string): number => parseNumeric(block.subarray(start, start + length), what, name);
  const header: RawHeader = {
    name,
    linkname: fieldString(block, 157, 100),
    typeflag: block.toString("latin1", 156, 157),
    mode: numeric(100, 8, "mode"),
    uid: numeric(108, 8, "uid"),
    gid: numeric(116, 8, "gid"),
    size: numeric(124, 12, "size"),
    mtime: numeric(136, 12, "mtime"),
    devmajor: format === "v7" ? 0 : numeric(329, 8, "devmajor"),
    devminor: format === "v7" ? 0 : numeric(337, 8, "devminor"),
    format,
  };
  const prefix = format === "ustar" ? fieldString(block, 345, 155) : format === "star" ? fieldString(block, 345, 131) : "";
  if (prefix !== "") header.name = `${prefix}/${header.name}`;
  if (header.size < 0) throw new HeaderError("malformed header: negative size", name);
  return header;
}
