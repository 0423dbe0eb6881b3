import { describe, expect, it } from "vitest";
import { archiveHeaderBlocks, formatPaxRecord, splitUstarPath, type ArchiveEntry } from "./archive-header.js";
import { parseHeader } from "./tar-header.js";
import { parsePaxRecords } from "./pax.js";

const FILE: ArchiveEntry = {
  name: "srv/app/hello.txt",
  typeflag: "0",
  mode: 0o100444,
  uid: 0,
  gid: 0,
  uname: "root",
  gname: "root",
  size: 18,
  mtime: 1796599442,
  linkname: "",
  devmajor: 0,
  devminor: 0,
};

describe("archiveHeaderBlocks (pkg/archive through Go's tar Writer)", () => {
  it("writes one USTAR block for an entry that fits, with the file-type bits in its mode", () => {
    const blocks = archiveHeaderBlocks(FILE);
    expect(blocks).toHaveLength(1);
    expect(parseHeader(blocks[0]!)).toMatchObject({ name: "srv/app/hello.txt", mode: 0o100444, size: 18, mtime: 1796599442, format: "ustar" });
    expect(blocks[0]!.toString("latin1", 265, 269)).toBe("root");
  });

  it("splits a long ASCII name into prefix and name, as splitUSTARPath does", () => {
    const name = `${"d".repeat(120)}/${"f".repeat(90)}`;
    expect(splitUstarPath(name)).toEqual({ prefix: "d".repeat(120), name: "f".repeat(90) });
    const blocks = archiveHeaderBlocks({ ...FILE, name });
    expect(blocks).toHaveLength(1);
    expect(parseHeader(blocks[0]!).name).toBe(name);
    expect(splitUstarPath("a".repeat(101))).toBeUndefined();
  });

  it("puts what USTAR cannot hold in PAX records under <dir>/PaxHeaders.0/<base>, the main header keeping what fits", () => {
    const capability = Buffer.from([1, 0, 0, 2, 0x20, 0, 0, 0]);
    const blocks = archiveHeaderBlocks({ ...FILE, name: "srv/café", uid: 3_000_000, capability });
    expect(blocks).toHaveLength(4);
    // The "x" header's name keeps only the ASCII characters (Go's toASCII).
    expect(parseHeader(blocks[0]!)).toMatchObject({ name: "srv/PaxHeaders.0/caf", typeflag: "x", mode: 0, mtime: 0 });
    expect(blocks[0]!.subarray(329, 345).every((byte) => byte === 0)).toBe(true);
    const records = parsePaxRecords(blocks[1]!);
    expect([...records.keys()]).toEqual(["SCHILY.xattr.security.capability", "path", "uid"]);
    expect(Buffer.from(records.get("path")!, "latin1").toString("utf8")).toBe("srv/café");
    expect(Buffer.from(records.get("SCHILY.xattr.security.capability")!, "latin1")).toEqual(capability);
    expect(blocks[2]!.length + blocks[1]!.length).toBe(512);
    expect(parseHeader(blocks[3]!)).toMatchObject({ name: "srv/caf", uid: 0, size: 18 });
  });

  it("formats PAX records as Go's formatPAXRecord, the length counting its own digits", () => {
    expect(formatPaxRecord("k", "v")).toBe("6 k=v\n");
    expect(formatPaxRecord("path", "/etc/hosts")).toBe("19 path=/etc/hosts\n");
    expect(formatPaxRecord("path", "a".repeat(200))).toBe(`210 path=${"a".repeat(200)}\n`);
    expect(formatPaxRecord("k", "a".repeat(94))).toBe(`101 k=${"a".repeat(94)}\n`);
  });
});
