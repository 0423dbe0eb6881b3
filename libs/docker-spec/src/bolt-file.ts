/**
 * The bbolt file format (go.etcd.io/bbolt 1.3, what dockerd 20.10 keeps volumes/metadata.db in), for one
 * top-level bucket of keys and values. Reading follows any tree bbolt wrote (branch pages, overflow pages,
 * inline buckets); writing makes a fresh, compact file that bbolt opens and then updates as its own: two
 * meta pages, an empty freelist, the root bucket's leaf and the bucket's one leaf (overflowing as needed).
 */

const PAGE_SIZE = 4096;
const PAGE_HEADER = 16;
const ELEMENT = 16;
const BRANCH_PAGE = 0x01;
const LEAF_PAGE = 0x02;
const META_PAGE = 0x04;
const FREELIST_PAGE = 0x10;
const BUCKET_LEAF_FLAG = 0x01;
const MAGIC = 0xed0cdaed;
const VERSION = 2;
/** Bytes of the meta struct before its checksum, which covers them. */
const META_CHECKSUMMED = 56;

/** The bucket's keys and values in key order (byte order, as bbolt keeps them); undefined when the file has no such bucket. */
export function readBoltBucket(file: Buffer, bucket: string): Map<string, Buffer> | undefined {
  const meta = validMeta(file);
  const name = Buffer.from(bucket);
  for (const element of elementsOf(file, meta.pageSize, meta.rootPage)) {
    if (element.isBucket && element.key.equals(name)) return bucketEntries(file, meta.pageSize, element.value);
  }
  return undefined;
}

/** A bbolt file holding one top-level bucket with these entries. */
export function writeBoltBucket(bucket: string, entries: ReadonlyMap<string, Buffer>): Buffer {
  const sorted = [...entries].map(([key, value]) => [Buffer.from(key), value] as const).sort(([a], [b]) => Buffer.compare(a, b));
  const bucketHeader = Buffer.alloc(16);
  bucketHeader.writeBigUInt64LE(4n, 0);
  const rootLeaf = leafPage(3, [[Buffer.from(bucket), bucketHeader]], BUCKET_LEAF_FLAG);
  const bucketLeaf = leafPage(4, sorted, 0);
  const pages = 4 + bucketLeaf.length / PAGE_SIZE;
  const file = Buffer.alloc(pages * PAGE_SIZE);
  writeMeta(file, 0, pages, 0n);
  writeMeta(file, 1, pages, 1n);
  writePageHeader(file, 2, FREELIST_PAGE, 0, 0);
  rootLeaf.copy(file, 3 * PAGE_SIZE);
  bucketLeaf.copy(file, 4 * PAGE_SIZE);
  return file;
}

interface Meta {
  readonly pageSize: number;
  readonly rootPage: number;
  readonly txid: bigint;
}

/** The meta page of the latest transaction whose checksum holds, as bbolt picks it. */
function validMeta(file: Buffer): Meta {
  const first = metaAt(file, 0);
  const second = first ? metaAt(file, first.pageSize) : metaAt(file, PAGE_SIZE);
  const metas = [first, second].filter((meta): meta is Meta => meta !== undefined);
  if (metas.length === 0) throw new Error("not a bbolt file, or both of its meta pages are damaged");
  return metas.reduce((latest, meta) => (meta.txid > latest.txid ? meta : latest));
}

function metaAt(file: Buffer, offset: number): Meta | undefined {
  const at = offset + PAGE_HEADER;
  if (file.length < at + META_CHECKSUMMED + 8) return undefined;
  if (file.readUInt32LE(at) !== MAGIC || file.readUInt32LE(at + 4) !== VERSION) return undefined;
  if (fnv1a64(file.subarray(at, at + META_CHECKSUMMED)) !== file.readBigUInt64LE(at + META_CHECKSUMMED)) return undefined;
  return { pageSize: file.readUInt32LE(at + 8), rootPage: Number(file.readBigUInt64LE(at + 16)), txid: file.readBigUInt64LE(at + 48) };
}

interface LeafElement {
  readonly isBucket: boolean;
  readonly key: Buffer;
  readonly value: Buffer;
}

/** A bucket's entries from its value in the parent: a bucket header, then its root page inline when that is 0. */
function bucketEntries(file: Buffer, pageSize: number, value: Buffer): Map<string, Buffer> {
  const root = Number(value.readBigUInt64LE(0));
  const elements = root === 0 ? pageElements(value.subarray(16), 0, pageSize, file) : elementsOf(file, pageSize, root);
  const entries = new Map<string, Buffer>();
  for (const element of elements) if (!element.isBucket) entries.set(element.key.toString(), Buffer.from(element.value));
  return entries;
}

/** Every leaf element under the page, in order. */
function elementsOf(file: Buffer, pageSize: number, pageId: number): LeafElement[] {
  return pageElements(file, pageId * pageSize, pageSize, file);
}

function pageElements(buffer: Buffer, offset: number, pageSize: number, file: Buffer): LeafElement[] {
  const flags = buffer.readUInt16LE(offset + 8);
  const count = buffer.readUInt16LE(offset + 10);
  const out: LeafElement[] = [];
  for (let i = 0; i < count; i++) {
    const at = offset + PAGE_HEADER + i * ELEMENT;
    if (flags & BRANCH_PAGE) {
      out.push(...elementsOf(file, pageSize, Number(buffer.readBigUInt64LE(at + 8))));
    } else if (flags & LEAF_PAGE) {
      const keyAt = at + buffer.readUInt32LE(at + 4);
      const keySize = buffer.readUInt32LE(at + 8);
      const valueSize = buffer.readUInt32LE(at + 12);
      const key = buffer.subarray(keyAt, keyAt + keySize);
      const value = buffer.subarray(keyAt + keySize, keyAt + keySize + valueSize);
      out.push({ isBucket: (buffer.readUInt32LE(at) & BUCKET_LEAF_FLAG) !== 0, key, value });
    } else {
      throw new Error(`bbolt page at byte ${offset} is neither a branch nor a leaf`);
    }
  }
  return out;
}

/** A leaf page (and its overflow pages) holding the entries: the elements, then each key followed by its value. */
function leafPage(id: number, entries: readonly (readonly [Buffer, Buffer])[], elementFlags: number): Buffer {
  const dataSize = entries.reduce((sum, [key, value]) => sum + key.length + value.length, 0);
  const size = PAGE_HEADER + entries.length * ELEMENT + dataSize;
  const pages = Math.max(1, Math.ceil(size / PAGE_SIZE));
  const page = Buffer.alloc(pages * PAGE_SIZE);
  writePageHeader(page, 0, LEAF_PAGE, entries.length, pages - 1, id);
  let data = PAGE_HEADER + entries.length * ELEMENT;
  entries.forEach(([key, value], i) => {
    const at = PAGE_HEADER + i * ELEMENT;
    page.writeUInt32LE(elementFlags, at);
    page.writeUInt32LE(data - at, at + 4);
    page.writeUInt32LE(key.length, at + 8);
    page.writeUInt32LE(value.length, at + 12);
    data += key.copy(page, data);
    data += value.copy(page, data);
  });
  return page;
}

function writePageHeader(file: Buffer, pageId: number, flags: number, count: number, overflow: number, id = pageId): void {
  const at = pageId * PAGE_SIZE;
  file.writeBigUInt64LE(BigInt(id), at);
  file.writeUInt16LE(flags, at + 8);
  file.writeUInt16LE(count, at + 10);
  file.writeUInt32LE(overflow, at + 12);
}

/** Meta page `pageId`: root bucket on page 3, freelist on page 2, `pages` pages in all. */
function writeMeta(file: Buffer, pageId: number, pages: number, txid: bigint): void {
  writePageHeader(file, pageId, META_PAGE, 0, 0);
  const at = pageId * PAGE_SIZE + PAGE_HEADER;
  file.writeUInt32LE(MAGIC, at);
  file.writeUInt32LE(VERSION, at + 4);
  file.writeUInt32LE(PAGE_SIZE, at + 8);
  file.writeUInt32LE(0, at + 12);
  file.writeBigUInt64LE(3n, at + 16);
  file.writeBigUInt64LE(0n, at + 24);
  file.writeBigUInt64LE(2n, at + 32);
  file.writeBigUInt64LE(BigInt(pages), at + 40);
  file.writeBigUInt64LE(txid, at + 48);
  file.writeBigUInt64LE(fnv1a64(file.subarray(at, at + META_CHECKSUMMED)), at + META_CHECKSUMMED);
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const U64 = (1n << 64n) - 1n;

function fnv1a64(bytes: Buffer): bigint {
  let hash = FNV_OFFSET;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & U64;
  return hash;
}
