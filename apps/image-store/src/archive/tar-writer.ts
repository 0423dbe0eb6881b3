/**
 * ustar headers exactly as Go's archive/tar writes them for dockerd's `docker save`: mode with the
 * file-type bits (0100644, 040755, 0120777), uid/gid 0, uname/gname "root", 7/11-digit octal
 * fields ending in NUL, the checksum as 6 digits + NUL + space.
 */
export type TarEntryType = "file" | "directory" | "symlink";

export interface TarHeader {
  readonly name: string;
  readonly type: TarEntryType;
  readonly size: number;
  /** Unix seconds. */
  readonly mtime: number;
  readonly linkname?: string;
}

export const BLOCK = 512;

const TYPE_FLAG: Record<TarEntryType, string> = { file: "0", directory: "5", symlink: "2" };
const MODE: Record<TarEntryType, number> = { file: 0o100644, directory: 0o40755, symlink: 0o120777 };

export function tarHeader(header: TarHeader): Buffer {
  const block = Buffer.alloc(BLOCK);
  const name = header.type === "directory" ? `${header.name}/` : header.name;
  put(block, 0, 100, name);
  put(block, 100, 8, octal(MODE[header.type], 7));
  put(block, 108, 8, octal(0, 7));
  put(block, 116, 8, octal(0, 7));
  put(block, 124, 12, octal(header.type === "file" ? header.size : 0, 11));
  put(block, 136, 12, octal(header.mtime, 11));
  block.fill(" ", 148, 156);
  put(block, 156, 1, TYPE_FLAG[header.type]);
  put(block, 157, 100, header.linkname ?? "");
  put(block, 257, 6, "ustar\0");
  put(block, 263, 2, "00");
  put(block, 265, 32, "root");
  put(block, 297, 32, "root");
  put(block, 329, 8, octal(0, 7));
  put(block, 337, 8, octal(0, 7));
  let sum = 0;
  for (const byte of block) sum += byte;
  put(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** Zero bytes that pad an entry's data to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The end-of-archive marker: two zero blocks. */
export function trailer(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

function octal(value: number, digits: number): string {
  return `${value.toString(8).padStart(digits, "0")}\0`;
}

function put(block: Buffer, offset: number, length: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length > length) throw new Error(`tar header field "${text}" is longer than ${length} bytes`);
  bytes.copy(block, offset);
}
