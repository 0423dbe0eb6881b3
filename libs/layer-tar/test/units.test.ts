import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Crc64 } from "../src/crc64.js";
import { goJsonString } from "../src/go-json.js";
import { escapesRoot } from "../src/paths.js";
import { parsePaxRecords, parsePaxTime } from "../src/pax.js";
import { parseHeader } from "../src/tar-header.js";
import { removeTree, syncFilesystem } from "../src/index.js";
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

describe("Go JSON strings", () => {
  it("escapes HTML characters, controls and line separators as encoding/json does", () => {
    expect(goJsonString('a<b>&"\\\t\n\r\u0001\u2028é')).toBe('"a\\u003cb\\u003e\\u0026\\"\\\\\\t\\n\\r\\u0001\\u2028é"');
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
    block.fill(0x20, 148, 156);
    const sum = block.reduce((total, byte) => total + byte, 0);
    block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
    const header = parseHeader(block);
    expect([header.size, header.name, header.format]).toEqual([256, "some/prefix/file", "ustar"]);
    expect(parseHeader(tarHeader({ name: "gnu", format: "gnu" })).format).toBe("gnu");
  });
  it("refuses a bad checksum and a non-octal field", () => {
    expect(() => parseHeader(tarHeader({ name: "x", checksumDelta: 3 }))).toThrow(/bad checksum/);
    expect(() => parseHeader(tarHeader({ name: "x", rawFields: { mode: "07x7\0" } }))).toThrow(/mode field "07x7" is not octal/);
  });
});

describe("syncFilesystem", () => {
  it("flushes the filesystem of a path, and rejects with Node's error shape for a missing one", async () => {
    await expect(syncFilesystem(import.meta.dirname)).resolves.toBeUndefined();
    const missing = join(import.meta.dirname, "no-such-dir");
    await expect(syncFilesystem(missing)).rejects.toMatchObject({ code: "ENOENT", syscall: "open", message: expect.stringContaining(missing) });
  });
});

describe("removeTree", () => {
  it("removes a tree with files, symlinks and nested directories without following symlinks", async () => {
    const root = mkdtempSync(join(tmpdir(), "remove-tree-"));
    const outside = join(root, "outside");
    mkdirSync(join(outside, "kept"), { recursive: true });
    const tree = join(root, "tree");
    mkdirSync(join(tree, "a", "b", "c"), { recursive: true });
    writeFileSync(join(tree, "a", "b", "c", "file"), "x");
    writeFileSync(join(tree, "top"), "y");
    symlinkSync(outside, join(tree, "a", "to-outside"));
    await removeTree(tree);
    expect(existsSync(tree)).toBe(false);
    expect(existsSync(join(outside, "kept"))).toBe(true);
    await expect(removeTree(join(root, "no-such"))).resolves.toBeUndefined();
    writeFileSync(join(root, "plain"), "z");
    await removeTree(join(root, "plain"));
    expect(existsSync(join(root, "plain"))).toBe(false);
  });

  it("rejects with Node's error shape when an entry cannot be removed", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "remove-tree-")), "file");
    writeFileSync(file, "x");
    await expect(removeTree(join(file, "below"))).rejects.toMatchObject({ code: "ENOTDIR", syscall: "unlink", message: expect.stringContaining(file) });
  });
});
