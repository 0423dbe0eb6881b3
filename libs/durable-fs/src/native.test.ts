import { lstatSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileSyscalls } from "./native.js";

describe("fileSyscalls", () => {
  it("makes a FIFO with mknod, and throws Node's error shape when the path exists", () => {
    const path = join(mkdtempSync(join(tmpdir(), "file-syscalls-")), "fifo");
    fileSyscalls.mknod(Buffer.from(path), 0o010644, 0, 0);
    expect(lstatSync(path).isFIFO()).toBe(true);
    expect(() => fileSyscalls.mknod(Buffer.from(path), 0o010644, 0, 0)).toThrow(expect.objectContaining({ code: "EEXIST", syscall: "mknod", path }));
  });

  it("sets and reads an xattr, and reads null for one the file does not have", () => {
    const path = join(mkdtempSync(join(tmpdir(), "file-syscalls-")), "file");
    writeFileSync(path, "");
    expect(fileSyscalls.lgetxattr(path, "user.note")).toBeNull();
    fileSyscalls.lsetxattr(Buffer.from(path), Buffer.from("user.note"), Buffer.from("hello"));
    expect(fileSyscalls.lgetxattr(path, "user.note")?.toString()).toBe("hello");
  });

  it("sets times to the nanosecond on a symlink itself, never on its target", () => {
    const dir = mkdtempSync(join(tmpdir(), "file-syscalls-"));
    writeFileSync(join(dir, "target"), "");
    symlinkSync("target", join(dir, "link"));
    const targetMtime = statSync(join(dir, "target"), { bigint: true }).mtimeNs;
    fileSyscalls.lutimes(Buffer.from(join(dir, "link")), 1, 5, 1_000_000_000, 123_456_789);
    expect(lstatSync(join(dir, "link"), { bigint: true }).mtimeNs).toBe(1_000_000_000_123_456_789n);
    expect(statSync(join(dir, "target"), { bigint: true }).mtimeNs).toBe(targetMtime);
  });
});
