// A raw tar builder for tests: writes exactly the headers asked for (including wrong ones), so
// tests can produce hostile, unusual and byte-exact archives without a tar library. Well-formed
// fields are encoded by the production writer; the test-only options then overwrite its bytes.
import { headerChecksum } from "../tar-header.js";
import { encodeTarHeader, storeChecksum, tarPadding, tarTrailer } from "../tar-writer.js";

export interface HeaderFields {
  /** Text (UTF-8) or raw bytes; longer than 100 bytes is cut (use pax() or gnuLongName()). */
  name: string | Buffer;
  typeflag?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  linkname?: string | Buffer;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  /** "ustar" (default: magic "ustar\0", version "00") or "gnu" (magic "ustar ", version " \0"). */
  format?: "ustar" | "gnu";
  /** Overrides the raw bytes of a numeric field after it is written, e.g. { size: "12x" }. */
  rawFields?: Partial<Record<"mode" | "uid" | "gid" | "size" | "mtime", string>>;
  /** Adds this to the stored checksum, to make it wrong. */
  checksumDelta?: number;
}

const FIELDS = { mode: [100, 8], uid: [108, 8], gid: [116, 8], size: [124, 12], mtime: [136, 12] } as const;

function bytes(value: string | Buffer): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : value;
}

/** One 512-byte header block. */
export function tarHeader(fields: HeaderFields): Buffer {
  const { name, linkname, typeflag = "0", mode = 0o644, mtime = 1_700_000_000, format, rawFields = {}, checksumDelta = 0, ...rest } = fields;
  const block = encodeTarHeader({
    ...rest,
    name: bytes(name).subarray(0, 100),
    ...(linkname === undefined ? {} : { linkname: bytes(linkname).subarray(0, 100) }),
    typeflag,
    mode,
    mtime,
  });
  if (format === "gnu") block.write("ustar  \0", 257, 8, "latin1");
  for (const [field, raw] of Object.entries(rawFields)) {
    const [offset, length] = FIELDS[field as keyof typeof FIELDS];
    block.fill(0, offset, offset + length);
    block.write(raw, offset, length, "latin1");
  }
  storeChecksum(block, headerChecksum(block) + checksumDelta);
  return block;
}

/** One PAX record "<length> <key>=<value>\n" (the length counts itself). */
export function paxRecord(key: string, value: string | Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), bytes(value), Buffer.from("\n")]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length++;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

export class TarWriter {
  private readonly parts: Buffer[] = [];

  /** Any header followed by its content and padding. */
  entry(fields: HeaderFields, content: string | Buffer = Buffer.alloc(0)): this {
    const data = bytes(content);
    this.parts.push(tarHeader({ size: data.length, ...fields }), data, tarPadding(data.length));
    return this;
  }

  file(name: string | Buffer, content: string | Buffer, fields: Partial<HeaderFields> = {}): this {
    return this.entry({ name, typeflag: "0", ...fields }, content);
  }

  dir(name: string | Buffer, fields: Partial<HeaderFields> = {}): this {
    return this.entry({ name, typeflag: "5", mode: 0o755, ...fields });
  }

  symlink(name: string | Buffer, target: string | Buffer, fields: Partial<HeaderFields> = {}): this {
    return this.entry({ name, typeflag: "2", mode: 0o777, linkname: target, ...fields });
  }

  hardlink(name: string | Buffer, target: string | Buffer, fields: Partial<HeaderFields> = {}): this {
    return this.entry({ name, typeflag: "1", linkname: target, ...fields });
  }

  device(name: string, type: "char" | "block" | "fifo", major = 0, minor = 0, fields: Partial<HeaderFields> = {}): this {
    const typeflag = { char: "3", block: "4", fifo: "6" }[type];
    return this.entry({ name, typeflag, devmajor: major, devminor: minor, ...fields });
  }

  /** A PAX extended header ("x", or "g" for global) that applies to the next entry. */
  pax(records: Record<string, string | Buffer>, typeflag: "x" | "g" = "x", name = "PaxHeaders/entry"): this {
    const content = Buffer.concat(Object.entries(records).map(([key, value]) => paxRecord(key, value)));
    return this.entry({ name, typeflag, mode: 0o644 }, content);
  }

  /** A GNU long name ("L") or long link ("K") record for the next entry. */
  gnuLong(value: string | Buffer, typeflag: "L" | "K" = "L"): this {
    return this.entry({ name: "././@LongLink", typeflag, format: "gnu" }, Buffer.concat([bytes(value), Buffer.alloc(1)]));
  }

  /** Arbitrary bytes, e.g. half a header. */
  raw(data: Buffer): this {
    this.parts.push(data);
    return this;
  }

  /** The archive so far, without the end-of-archive marker. */
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }

  /** The archive with the end-of-archive marker (two zero blocks) and optional trailing bytes. */
  end(trailing = 0): Buffer {
    return Buffer.concat([...this.parts, tarTrailer(), Buffer.alloc(trailing)]);
  }
}
