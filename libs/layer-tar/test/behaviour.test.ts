import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidLayerError, applyLayerTar, directorySize, exportLayerTar } from "../src/index.js";
import { TarWriter, chunked } from "../src/testing/index.js";
import { collect } from "./support.js";

describe("applyLayerTar details", () => {
  const work = mkdtempSync(join(tmpdir(), "layer-tar-behaviour-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const freshDiff = (name: string): string => {
    const diff = join(work, name, "diff");
    mkdirSync(diff, { recursive: true });
    return diff;
  };

  it("creates missing parents as 0755 root:root directories", async () => {
    const diff = freshDiff("parents");
    await applyLayerTar(chunked(new TarWriter().file("a/b/c/file", "x", { mode: 0o600 }).end()), diff);
    for (const dir of ["a", "a/b", "a/b/c"]) {
      const stats = lstatSync(join(diff, dir));
      expect([stats.isDirectory(), stats.mode & 0o7777, stats.uid, stats.gid]).toEqual([true, 0o755, 0, 0]);
    }
    expect(lstatSync(join(diff, "a/b/c/file")).mode & 0o7777).toBe(0o600);
  });

  it("a file reached again through a symlinked directory replaces what is there, without following a symlink", async () => {
    const diff = freshDiff("replace");
    const tar = new TarWriter()
      .dir("d")
      .symlink("alias", "d")
      .file("d/file", "first")
      .symlink("d/link", "/etc/passwd")
      .dir("d/dir")
      .file("d/dir/child", "gone with its directory")
      .file("alias/file", "second", { mode: 0o640 })
      .file("alias/link", "not a symlink any more")
      .file("alias/dir", "a file now")
      .end();
    await applyLayerTar(chunked(tar), diff);
    expect(readdirSync(join(diff, "d")).sort()).toEqual(["dir", "file", "link"]);
    expect(["file", "link", "dir"].map((name) => readFileSync(join(diff, "d", name), "utf8"))).toEqual([
      "second",
      "not a symlink any more",
      "a file now",
    ]);
    expect(lstatSync(join(diff, "d/file")).mode & 0o7777).toBe(0o640);
    expect(readFileSync("/etc/passwd", "utf8")).not.toContain("not a symlink");
  });

  it("gives files their exact owner and mode: group-writable modes, and root's files inside a set-group-ID directory", async () => {
    const diff = freshDiff("owner-mode");
    const tar = new TarWriter()
      .dir("shared", { mode: 0o2775, uid: 0, gid: 4321 })
      .file("shared/root-file", "x", { mode: 0o644, uid: 0, gid: 0 })
      .file("open", "x", { mode: 0o666, uid: 0, gid: 0 })
      .file("setuid", "x", { mode: 0o4711, uid: 0, gid: 0 })
      .end();
    await applyLayerTar(chunked(tar), diff);
    const owner = (name: string) => {
      const stats = lstatSync(join(diff, name));
      return [stats.uid, stats.gid, stats.mode & 0o7777];
    };
    // Run as root (as CI does): a file made in a set-group-ID directory would take the directory's group.
    expect([owner("shared"), owner("shared/root-file"), owner("open"), owner("setuid")]).toEqual([
      [0, 4321, 0o2775],
      [0, 0, 0o644],
      [0, 0, 0o666],
      [0, 0, 0o4711],
    ]);
  });

  it("gives every entry the owner option's uid and gid instead of the tar's, and missing parents root's", async () => {
    const diff = freshDiff("owner-option");
    const tar = new TarWriter()
      .dir("d", { uid: 7, gid: 8 })
      .file("d/file", "x", { mode: 0o4755, uid: 0, gid: 0 })
      .symlink("d/link", "file")
      .file("d/other", "z", { uid: 5, gid: 5 })
      .hardlink("d/hard", "d/other")
      .file("parent/child", "y", { uid: 9, gid: 9 })
      .end();
    await applyLayerTar(chunked(tar), diff, { owner: { uid: 101, gid: 104 } });
    const owners = ["d", "d/file", "d/link", "d/other", "d/hard", "parent", "parent/child"].map((name) => {
      const stats = lstatSync(join(diff, name));
      return `${name} ${stats.uid}:${stats.gid}`;
    });
    const expected = ["d 101:104", "d/file 101:104", "d/link 101:104", "d/other 101:104", "d/hard 101:104", "parent 0:0", "parent/child 101:104"];
    expect(owners).toEqual(expected);
    expect(lstatSync(join(diff, "d/file")).mode & 0o7777).toBe(0o4755); // the mode is set after the chown, which clears setuid
  });

  it.each([
    [
      "files, symlinks, hardlinks, empty files and whiteouts",
      new TarWriter().dir("d").file("d/a", "12345").file("d/empty", "").symlink("d/s", "../target/name").hardlink("d/h", "d/a").file(".wh.gone", ""),
    ],
    // A layer names a path once; it is reached again only through a symlinked directory.
    ["a file replaced by a longer one", new TarWriter().dir("d").symlink("alias", "d").file("d/f", "short").file("alias/f", "a longer content")],
    [
      "a directory replaced by a file",
      new TarWriter().dir("d").symlink("alias", ".").file("d/child", "x".repeat(3000)).file("alias/d", "now a file"),
    ],
    [
      "a hardlinked file replaced (its inode stays through the link)",
      new TarWriter().dir("d").symlink("alias", "d").file("d/f", "shared bytes").hardlink("g", "d/f").file("alias/f", "new"),
    ],
  ])("reports the size a walk of the diff directory gives: %s", async (name, tar) => {
    const diff = freshDiff(`size-${name.length}-${name.slice(0, 12).replace(/\W/g, "")}`);
    const applied = await applyLayerTar(chunked(tar.end()), diff);
    expect(applied.size).toBe(await directorySize(diff));
  });

  it("fails the export when a file changed on disk or disappeared", async () => {
    const diff = freshDiff("export-integrity");
    const { tarSplit } = await applyLayerTar(chunked(new TarWriter().file("data", "original").file("other", "other").end()), diff);
    writeFileSync(join(diff, "data"), "modified");
    await expect(collect(exportLayerTar(diff, tarSplit))).rejects.toThrow(/"data" does not match its tar-split checksum/);
    rmSync(join(diff, "data"));
    await expect(collect(exportLayerTar(diff, tarSplit))).rejects.toThrow(/ENOENT/);
  });

  it("stops reading the source when the layer is refused", async () => {
    let released = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        yield new TarWriter().file("../escape", "x").end();
        yield Buffer.alloc(512); // never requested
      } finally {
        released = true;
      }
    }
    await expect(applyLayerTar(source(), freshDiff("release"))).rejects.toBeInstanceOf(InvalidLayerError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(true);
  });

  it("refuses a diff directory that does not exist", async () => {
    await expect(applyLayerTar(chunked(new TarWriter().end()), join(work, "missing"))).rejects.toThrow(/does not exist/);
  });

  it("reports a full disk as the system error, with the entry's path inside the layer (never the diff directory's)", async () => {
    const diff = freshDiff("full-disk");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", diff]);
    try {
      const tar = new TarWriter()
        .dir("srv/")
        .file("srv/big", Buffer.alloc(1 << 20))
        .end();
      const err = (await applyLayerTar(chunked(tar), diff).catch((e: unknown) => e)) as NodeJS.ErrnoException;
      expect([err.code, err.syscall, err.path]).toEqual(["ENOSPC", "write", "/srv/big"]);
    } finally {
      execFileSync("umount", [diff]);
    }
  });

  it("words an entry it cannot create as Go does, with the entry's path inside the layer and no Node error code", async () => {
    const diff = freshDiff("name-too-long");
    const name = `d/${"x".repeat(300)}`;
    const err = (await applyLayerTar(chunked(new TarWriter().dir("d").pax({ path: name }).file("d/short", "x").end()), diff).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(InvalidLayerError);
    expect(err.message).toMatch(/cannot create it: open \/d\/x+…?: file name too long$/); // long names are shortened in messages
    expect(err.message).not.toContain(diff);
    expect(err.message).not.toContain("ENAMETOOLONG");
  });
});
