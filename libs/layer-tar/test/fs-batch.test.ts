import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchFlush } from "../src/batch-flush.js";
import { FsBatch, syncWriter, type FsWriter } from "../src/fs-batch.js";

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
    expect(err.message).toBe(`EEXIST: File exists, open '${join(root, "a", "f")}'`);
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

describe("BatchFlush", () => {
  it("applies the batches of concurrent writers in one round, each up to its own first failure, and answers each", async () => {
    const root = mkdtempSync(join(tmpdir(), "batch-flush-"));
    const flush = new BatchFlush(root);
    const batchOf = (...names: string[]) => {
      const batch = new FsBatch();
      for (const name of names) batch.mkdir(join(root, name), 0o755);
      return batch;
    };
    const outcomes = await Promise.allSettled([
      flush.write(batchOf("a1", "a2")),
      flush.write(batchOf("b1", "a1", "b3")),
      flush.write(batchOf("c1")),
      flush.flush(),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const failure = (outcomes[1] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
    expect(failure).toMatchObject({ code: "EEXIST", syscall: "mkdir", path: join(root, "a1") });
    expect(readdirSync(root).sort()).toEqual(["a1", "a2", "b1", "c1"]);
  });

  it("takes the writes out of the batch: writing it again applies only what was recorded since", async () => {
    const root = mkdtempSync(join(tmpdir(), "batch-flush-"));
    const flush = new BatchFlush(root);
    const batch = new FsBatch();
    batch.mkdir(join(root, "first"), 0o755);
    await flush.write(batch);
    batch.rename(join(root, "first"), join(root, "second"));
    await flush.write(batch);
    await flush.write(batch);
    expect(readdirSync(root)).toEqual(["second"]);
  });

  it("publishes a built directory durably, and removes what it built when the build or the rename fails", async () => {
    const root = mkdtempSync(join(tmpdir(), "batch-flush-"));
    const flush = new BatchFlush(root);
    const build = (name: string) => {
      const batch = new FsBatch();
      batch.mkdir(join(root, name), 0o755);
      batch.writeFile(join(root, name, "file"), name, 0o644);
      return batch;
    };
    await flush.publish(build("tmp-a"), join(root, "tmp-a"), join(root, "a"));
    expect(readFileSync(join(root, "a", "file"), "utf8")).toBe("tmp-a");

    const failing = build("tmp-b");
    failing.mkdir(join(root, "missing", "x"), 0o755);
    await expect(flush.publish(failing, join(root, "tmp-b"), join(root, "b"))).rejects.toMatchObject({ code: "ENOENT", syscall: "mkdir" });
    await expect(flush.publish(build("tmp-c"), join(root, "tmp-c"), join(root, "a"))).rejects.toMatchObject({ code: "ENOTEMPTY", syscall: "rename", phase: 2 });
    expect(readdirSync(root)).toEqual(["a"]);
    expect(readFileSync(join(root, "a", "file"), "utf8")).toBe("tmp-a");
  });

  it("fails every writer of a round whose flush fails, naming the syscall and path", async () => {
    const missing = join(mkdtempSync(join(tmpdir(), "batch-flush-")), "gone");
    const flush = new BatchFlush(missing);
    await expect(flush.flush()).rejects.toMatchObject({ code: "ENOENT", syscall: "open", path: missing });
    await expect(flush.write(new FsBatch())).rejects.toMatchObject({ code: "ENOENT" });
  });
});
