import { createHash } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";

const BLOCK = 512;

/** A ustar header for a regular file ("0") or directory ("5"); names up to 100 bytes. */
export function ustarHeader(name: string, size: number, type: "0" | "5", mode: number, mtime = 1_700_000_000): Buffer {
  const header = Buffer.alloc(BLOCK);
  const field = (value: string, offset: number, length: number) => header.write(value, offset, length, "utf8");
  const octal = (value: number, offset: number, length: number) => field(value.toString(8).padStart(length - 1, "0"), offset, length - 1);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name longer than 100 bytes: ${name}`);
  field(name, 0, 100);
  octal(mode, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(mtime, 136, 12);
  header.fill(" ", 148, 156);
  field(type, 156, 1);
  field("ustar\x0000", 257, 8);
  let checksum = 0;
  for (const byte of header) checksum += byte;
  field(`${checksum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return header;
}

/** Writes a tar file entry by entry to disk, tracking its sha256 (the diffID when it is a layer). */
export class TarFileWriter {
  private readonly out: WriteStream;
  private readonly hash = createHash("sha256");
  bytes = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
  }

  private async write(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }

  async directory(name: string): Promise<void> {
    await this.write(ustarHeader(name.endsWith("/") ? name : `${name}/`, 0, "5", 0o755));
  }

  /** A file whose content comes in chunks (so large files are never held in memory). */
  async file(name: string, size: number, chunks: Iterable<Buffer> | AsyncIterable<Buffer>, mode = 0o644): Promise<void> {
    await this.write(ustarHeader(name, size, "0", mode));
    let written = 0;
    for await (const chunk of chunks) {
      await this.write(chunk);
      written += chunk.length;
    }
    if (written !== size) throw new Error(`${name}: wrote ${written} bytes, header says ${size}`);
    if (size % BLOCK) await this.write(Buffer.alloc(BLOCK - (size % BLOCK)));
  }

  /** Ends the archive with two zero blocks; resolves to "sha256:<hex>" of everything written. */
  async finish(): Promise<string> {
    await this.write(Buffer.alloc(2 * BLOCK));
    this.out.end();
    await once(this.out, "close");
    return `sha256:${this.hash.digest("hex")}`;
  }
}
