import { createHash } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { encodeTarHeader, tarPadding, tarTrailer } from "@slipway/layer-tar";

/** One mtime for every entry: generated archives differ only in their random content. */
const MTIME = 1_700_000_000;

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
    await this.write(encodeTarHeader({ name: name.endsWith("/") ? name : `${name}/`, typeflag: "5", mode: 0o755, mtime: MTIME }));
  }

  /** A file whose content comes in chunks (so large files are never held in memory). */
  async file(name: string, size: number, chunks: Iterable<Buffer> | AsyncIterable<Buffer>, mode = 0o644): Promise<void> {
    await this.write(encodeTarHeader({ name, typeflag: "0", mode, size, mtime: MTIME }));
    let written = 0;
    for await (const chunk of chunks) {
      await this.write(chunk);
      written += chunk.length;
    }
    if (written !== size) throw new Error(`${name}: wrote ${written} bytes, header says ${size}`);
    await this.write(tarPadding(size));
  }

  /** Ends the archive with two zero blocks; resolves to "sha256:<hex>" of everything written. */
  async finish(): Promise<string> {
    await this.write(tarTrailer());
    this.out.end();
    await once(this.out, "close");
    return `sha256:${this.hash.digest("hex")}`;
  }
}
