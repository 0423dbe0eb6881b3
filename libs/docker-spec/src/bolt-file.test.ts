import { describe, expect, it } from "vitest";
import { readBoltBucket, writeBoltBucket } from "./bolt-file.js";

const PAGE = 4096;

describe("bbolt files of one bucket", () => {
  it("reads back what it writes, keys in byte order, in one page or with overflow pages", () => {
    for (const count of [0, 3, 400]) {
      const entries = new Map(Array.from({ length: count }, (_, i) => [`v${count - i}`, Buffer.from(`{"Name":"v${i}"}`)] as const));
      const file = writeBoltBucket("volumes", entries);
      expect(file.length % PAGE).toBe(0);
      const read = readBoltBucket(file, "volumes")!;
      expect([...read.keys()]).toEqual([...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      for (const [key, value] of entries) expect(read.get(key)).toEqual(value);
      expect(readBoltBucket(file, "other")).toBeUndefined();
    }
  });

  it("writes bbolt's layout: meta pages 0 and 1 (txid 0 and 1, checksummed), freelist page 2, root leaf page 3", () => {
    const file = writeBoltBucket("volumes", new Map([["a", Buffer.from("x")]]));
    expect(file.length).toBe(5 * PAGE);
    for (const page of [0, 1]) {
      expect(file.readUInt16LE(page * PAGE + 8)).toBe(0x04);
      expect(file.readUInt32LE(page * PAGE + 16)).toBe(0xed0cdaed);
      expect(file.readBigUInt64LE(page * PAGE + 16 + 40)).toBe(5n);
      expect(file.readBigUInt64LE(page * PAGE + 16 + 48)).toBe(BigInt(page));
    }
    expect(file.readUInt16LE(2 * PAGE + 8)).toBe(0x10);
    expect(file.readUInt16LE(3 * PAGE + 8)).toBe(0x02);
    expect(file.subarray(3 * PAGE + 32, 3 * PAGE + 39).toString()).toBe("volumes");
  });

  it("ignores a meta page whose checksum fails, and refuses a file whose two meta pages both fail", () => {
    const file = writeBoltBucket("volumes", new Map([["a", Buffer.from("1")]]));
    file[PAGE + 16 + 20] ^= 1;
    expect([...readBoltBucket(file, "volumes")!.keys()]).toEqual(["a"]);
    file[16 + 20] ^= 1;
    expect(() => readBoltBucket(file, "volumes")).toThrow(/not a bbolt file/);
  });

  it("reads an inline bucket (root page 0, its page in the value), as bbolt writes a small one", () => {
    const file = writeBoltBucket("volumes", new Map());
    const inner = Buffer.alloc(16 + 16 + 2);
    inner.writeUInt16LE(0x02, 8);
    inner.writeUInt16LE(1, 10);
    inner.writeUInt32LE(16, 16 + 4);
    inner.writeUInt32LE(1, 16 + 8);
    inner.writeUInt32LE(1, 16 + 12);
    inner.write("kv", 32);
    const rootLeaf = file.subarray(3 * PAGE);
    const value = Buffer.concat([Buffer.alloc(16), inner]);
    rootLeaf.writeUInt32LE(value.length, 16 + 12);
    value.copy(rootLeaf, 16 + 16 + 7);
    expect(readBoltBucket(file, "volumes")).toEqual(new Map([["k", Buffer.from("v")]]));
  });
});
