import { describe, expect, it } from "vitest";
import { Crc64 } from "../src/crc64.js";
import { escapesRoot } from "../src/paths.js";
import { parsePaxRecords, parsePaxTime } from "../src/pax.js";
import { parseHeader } from "../src/tar-header.js";
import { encodeTarHeader, storeChecksum, tarPadding } from "../src/tar-writer.js";
import { paxRecord, tarHeader } from "../src/testing/index.js";

describe("crc64 (ISO, as Go's hash/crc64)", () => {
  it("matches the standard check value and is chunking-independent", () => {
    const whole = new Crc64();
    whole.update(Buffer.from("123456789"));
    expect(whole.digest().toString("hex")).toBe("b90956c775a41001");
    const data = Buffer.from("hello world\n".repeat(1000));
    const pieces = new Crc64();
    for (let i = 0; i < data.length; i += 7) pieces.update(data.subarray(i, i + 7));
    const once = new Crc64();
    once.update(data);
    expect(pieces.digest()).toEqual(once.digest());
  });
});

describe("escapesRoot", () => {
  it("detects escapes", () => {
    expect(escapesRoot("..")).toBe(true);
    expect(escapesRoot("../x")).toBe(true);
    expect(escapesRoot("..x")).toBe(false);
  });
});

describe("PAX records", () => {
  it("parses records, later ones winning", () => {
    const records = parsePaxRecords(Buffer.concat([paxRecord("path", "a"), paxRecord("SCHILY.xattr.user.x", "1=2"), paxRecord("path", "b")]));
    expect([...records]).toEqual([
      ["path", "b"],
      ["SCHILY.xattr.user.x", "1=2"],
    ]);
  });
  it("refuses a bad length, a missing newline and NUL in a path", () => {
    expect(() => parsePaxRecords(Buffer.from("99 path=x\n"))).toThrow(/malformed/);
    expect(() => parsePaxRecords(Buffer.from("11 path=ab!"))).toThrow(/malformed/);
    expect(() => parsePaxRecords(paxRecord("path", "a\0b"))).toThrow(/NUL/);
  });
  it("reads fractional and negative times as Go does", () => {
    expect(parsePaxTime("1700000000.1234567891", "mtime")).toEqual({ seconds: 1700000000, nanoseconds: 123456789 });
    expect(parsePaxTime("-1.5", "mtime")).toEqual({ seconds: -2, nanoseconds: 500000000 });
  });
});

describe("tar headers", () => {
  it("reads base-256 numbers, the ustar prefix and GNU magic", () => {
    const block = tarHeader({ name: "file", size: 0 });
    Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]).copy(block, 124); // size 256, base-256
    Buffer.from("some/prefix").copy(block, 345);
    storeChecksum(block);
    const header = parseHeader(block);
    expect([header.size, header.name, header.format]).toEqual([256, "some/prefix/file", "ustar"]);
    expect(parseHeader(tarHeader({ name: "gnu", format: "gnu" })).format).toBe("gnu");
  });
  it("writes headers that read back as written, in Go's USTAR layout", () => {
    const block = encodeTarHeader({
      name: "dir/link",
      typeflag: "2",
      mode: 0o120777,
      mtime: 1_700_000_000,
      linkname: "../target",
      uid: 1000,
      gname: "staff",
    });
    expect(parseHeader(block)).toMatchObject({
      name: "dir/link",
      typeflag: "2",
      mode: 0o120777,
      mtime: 1_700_000_000,
      linkname: "../target",
      uid: 1000,
      gid: 0,
      size: 0,
      format: "ustar",
    });
    expect(block.toString("latin1", 100, 108)).toBe("0120777\0");
    expect(block.toString("latin1", 257, 297)).toBe("ustar\u000000root".padEnd(40, "\0"));
    expect(block.toString("latin1", 297, 303)).toBe("staff\0");
    expect(block.toString("latin1", 154, 156)).toBe("\0 ");
    expect([tarPadding(0).length, tarPadding(1).length, tarPadding(512).length]).toEqual([0, 511, 0]);
  });
  it("refuses to write a value that does not fit its field", () => {
    expect(() => encodeTarHeader({ name: "n".repeat(101), typeflag: "0", mode: 0o644, mtime: 0 })).toThrow(/longer than 100 bytes/);
    expect(() => encodeTarHeader({ name: "big", typeflag: "0", mode: 0o644, mtime: 0, size: 8 * 1024 ** 3 })).toThrow(/longer than 12 bytes/);
    expect(() => encodeTarHeader({ name: "old", typeflag: "0", mode: 0o644, mtime: -1 })).toThrow(/not a non-negative integer/);
  });
  it("refuses a bad checksum and a non-octal field", () => {
    expect(() => parseHeader(tarHeader({ name: "x", checksumDelta: 3 }))).toThrow(/bad checksum/);
    expect(() => parseHeader(tarHeader({ name: "x", rawFields: { mode: "07x7\0" } }))).toThrow(/mode field "07x7" is not octal/);
  });
});
