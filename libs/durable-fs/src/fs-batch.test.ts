import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FsBatch, syncWriter, type FsWriter } from "./fs-batch.js";

/** The writes of an init layer and a layerdb record, in small. */
function writeSample(root: string, fs: FsWriter): void {
  fs.mkdir(join(root, "layer"), 0o710);
  fs.mkdir(join(root, "layer", "diff"), 0o755);
  fs.writeFile(join(root, "layer", "link"), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0o644);
  fs.symlink("../layer/diff", join(root, "l"));
  fs.mkdir(join(root, "layer", "work"), 0o700);
  fs.mkdir(join(root, "layer", "work", "work"), 0o000);
  fs.writeFile(join(root, "layer", "diff", ".dockerenv"), "", 0o755, { exclusive: true });
  fs.mkdir(join(root, "layer", "diff", "etc"), 0o755);
  fs.chown(join(root, "layer", "diff", "etc"), 1000, 1001);
  fs.chmod(join(root, "layer", "diff", "etc"), 0o1777);
  fs.utimes(join(root, "layer", "diff", "etc"), new Date(1_000_000_123), new Date(2_000_000_456));
  fs.writeFile(join(root, "layer", "committed"), "", 0o600);
  fs.mkdir(join(root, "tmp-record"), 0o755);
  fs.writeFile(join(root, "tmp-record", "mount-id"), "é-unicode", 0o644);
  fs.rename(join(root, "tmp-record"), join(root, "record"));
}

function describeTree(root: string): string[] {
  const lines: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = join(root, relative, name);
      const stats = lstatSync(path);
      const content = stats.isFile() ? readFileSync(path, "utf8") : stats.isSymbolicLink() ? `-> ${readlinkSync(path)}` : "";
      lines.push(`${join(relative, name)} ${stats.mode.toString(8)} ${stats.uid}:${stats.gid} ${content}`);
      if (stats.isDirectory()) walk(join(relative, name));
    }
  };
  walk("");
  return lines;
}

describe("FsBatch", () => {
  it("leaves exactly what the same writes made one by one leave: modes, owners, contents, links, renames", async () => {
    const [direct, batched] = [mkdtempSync(join(tmpdir(), "fs-direct-")), mkdtempSync(join(tmpdir(), "fs-batch-"))];
    writeSample(direct, syncWriter);
    const batch = new FsBatch();
    writeSample(batched, batch);
    expect(readdirSync(batched)).toEqual([]);
    await batch.apply();
    for (const root of [direct, batched]) {
      expect(lstatSync(join(root, "layer", "diff", "etc"))).toMatchObject({ atimeMs: 1_000_000_123, mtimeMs: 2_000_000_456 });
    }
    expect(describeTree(batched)).toEqual(describeTree(direct));
    expect(describeTree(batched)).toContain("layer/diff/etc 41777 1000:1001 ");
  });

  it("stops at the first failing write with an fs-style error naming it, and applies nothing after it", async () => {
    const root = mkdtempSync(join(tmpdir(), "fs-batch-"));
    const batch = new FsBatch();
    batch.mkdir(join(root, "a"), 0o755);
    batch.writeFile(join(root, "a", "f"), "one", 0o644);
    batch.writeFile(join(root, "a", "f"), "two", 0o644, { exclusive: true });
    batch.mkdir(join(root, "b"), 0o755);
    const err = (await batch.apply().catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err).toMatchObject({ code: "EEXIST", syscall: "open" });
    expect(err.message).toBe(`EEXIST: file already exists, open '${join(root, "a", "f")}'`);
    expect(readdirSync(root)).toEqual(["a"]);
    expect(readFileSync(join(root, "a", "f"), "utf8")).toBe("one");
  });

  it("removes trees in order without following symlinks, and takes a missing path as removed", async () => {
    const root = mkdtempSync(join(tmpdir(), "fs-batch-"));
    const outside = mkdtempSync(join(tmpdir(), "fs-batch-outside-"));
    writeFileSync(join(outside, "keep"), "x");
    mkdirSync(join(root, "tree", "a", "b"), { recursive: true });
    writeFileSync(join(root, "tree", "a", "b", "file"), "y");
    symlinkSync(outside, join(root, "tree", "a", "link"));
    symlinkSync("../tree", join(root, "link-to-tree"));
    const batch = new FsBatch();
    batch.removeTree(join(root, "link-to-tree"));
    batch.removeTree(join(root, "tree"));
    batch.removeTree(join(root, "never-there"));
    await batch.apply();
    expect(readdirSync(root)).toEqual([]);
    expect(readdirSync(outside)).toEqual(["keep"]);
  });

  it("flushes a directory after a rename out of it, and names a path that is no directory as open(2) does", async () => {
    const root = mkdtempSync(join(tmpdir(), "fs-batch-"));
    mkdirSync(join(root, "from", "record"), { recursive: true });
    mkdirSync(join(root, "to"));
    const batch = new FsBatch();
    batch.rename(join(root, "from", "record"), join(root, "to", "record"));
    batch.syncDirectory(join(root, "from"));
    batch.syncDirectory(join(root, "to"));
    await batch.apply();
    expect([readdirSync(join(root, "from")), readdirSync(join(root, "to"))]).toEqual([[], ["record"]]);
    writeFileSync(join(root, "file"), "");
    for (const [path, code] of [
      [join(root, "file"), "ENOTDIR"],
      [join(root, "gone"), "ENOENT"],
    ] as const) {
      batch.syncDirectory(path);
      await expect(batch.apply()).rejects.toMatchObject({ code, syscall: "open", path });
    }
  });

  it("refuses a path with a NUL byte when it is recorded", () => {
    expect(() => new FsBatch().mkdir("/tmp/a\0b", 0o755)).toThrow(TypeError);
  });

  it("starts empty again after apply, and an empty batch is a no-op", async () => {
    const root = mkdtempSync(join(tmpdir(), "fs-batch-"));
    const batch = new FsBatch();
    await batch.apply();
    batch.mkdir(join(root, "once"), 0o755);
    await batch.apply();
    await batch.apply();
    expect(readdirSync(root)).toEqual(["once"]);
  });
});
