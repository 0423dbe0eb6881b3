import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { digestHex } from "@slipway/docker-spec";
import { fileSyscalls } from "@slipway/durable-fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyLayerTar, directorySize, exportLayerTar, isOpaqueDir, isWhiteout, type AppliedLayer } from "../src/index.js";
import { chunked } from "../src/testing/index.js";
import { BIG_FILE_SIZE, ESCAPED_NAME, LONG_GNU_NAME, LONG_LINK_TARGET, LONG_PAX_NAME, NON_UTF8_NAME, generatedLayer } from "./generated-layer.js";
import { collect, describeTree, docker, dockerRoot, sha256 } from "./support.js";

describe("a generated layer with every feature", () => {
  const tar = generatedLayer();
  let work: string;
  let diff: string;
  let applied: AppliedLayer;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "layer-tar-generated-"));
    diff = join(work, "diff");
    mkdirSync(diff);
    applied = await applyLayerTar(chunked(tar, 4099), diff);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("exports the byte-identical tar (sha256 == diffID)", async () => {
    expect(applied.diffId).toBe(sha256(tar));
    expect((await collect(exportLayerTar(diff, applied.tarSplit))).equals(tar)).toBe(true);
  });

  it("gives the same result for the gzip-compressed tar", async () => {
    const gzipDiff = join(work, "gzip-diff");
    mkdirSync(gzipDiff);
    const fromGzip = await applyLayerTar(chunked(gzipSync(tar), 1000), gzipDiff);
    expect(fromGzip.diffId).toBe(applied.diffId);
    expect(gunzipSync(fromGzip.tarSplit).equals(gunzipSync(applied.tarSplit))).toBe(true);
    expect(describeTree(gzipDiff)).toEqual(describeTree(diff));
  });

  it("turns whiteouts into 0/0 character devices and opaque markers into the overlay xattr", () => {
    const gone = lstatSync(join(diff, "etc/gone"));
    expect(isWhiteout(gone)).toBe(true);
    expect(gone.mode & 0o7777).toBe(0);
    expect(isWhiteout(lstatSync(join(diff, "run/char-whiteout")))).toBe(true);
    expect(isOpaqueDir(join(diff, "opaque-dir"))).toBe(true);
    expect(isOpaqueDir(join(diff, "usr"))).toBe(false);
    expect(() => lstatSync(join(diff, "etc/.wh.gone"))).toThrow(/ENOENT/);
    expect(() => lstatSync(join(diff, "opaque-dir/.wh..wh..opq"))).toThrow(/ENOENT/);
  });

  it("keeps modes, owners, nanosecond mtimes, xattrs, links and long or raw names", () => {
    expect(statSync(diff).mode & 0o7777).toBe(0o755); // the "./" entry does not touch the diff dir
    expect(lstatSync(join(diff, "bin/su")).mode & 0o7777).toBe(0o4755);
    expect(lstatSync(join(diff, "tmp")).mode & 0o7777).toBe(0o1777);
    const conf = lstatSync(join(diff, "etc/conf"), { bigint: true });
    expect([conf.uid, conf.gid, conf.mode & 0o7777n, conf.mtimeNs]).toEqual([1000n, 1000n, 0o640n, 1_700_000_000_123_456_789n]);
    expect(fileSyscalls.lgetxattr(join(diff, "etc/conf"), "user.note")?.toString()).toBe("hello xattr");
    expect(lstatSync(join(diff, "bin/su-link")).ino).toBe(lstatSync(join(diff, "bin/su")).ino);
    expect(readFileSync(join(diff, "usr/lib/through-symlink"), "utf8")).toBe("resolved inside the layer\n");
    expect(readFileSync(join(diff, LONG_GNU_NAME), "utf8")).toBe("gnu long name\n");
    expect(readFileSync(join(diff, LONG_PAX_NAME), "utf8")).toBe("pax long name\n");
    expect(readFileSync(join(diff, ESCAPED_NAME), "utf8")).toBe("escaped\n");
    expect(readFileSync(Buffer.from(`${diff}/${NON_UTF8_NAME.toString("latin1")}`, "latin1")).toString()).toBe("not utf-8\n");
    expect(lstatSync(join(diff, "usr/big")).size).toBe(BIG_FILE_SIZE);
    expect(lstatSync(join(diff, "run/fifo")).isFIFO()).toBe(true);
    expect(lstatSync(join(diff, "usr/old-regular")).isFile()).toBe(true);
  });

  it("records non-UTF-8 names as name_raw and escapes names as Go does", () => {
    const lines = gunzipSync(applied.tarSplit).toString("utf8");
    expect(lines).toContain(`"name_raw":"${NON_UTF8_NAME.toString("base64")}"`);
    expect(lines).toContain('"name":"usr/we\\u003c\\u0026\\u003e\\"ird\\tname.txt"');
    expect(lines).toContain(`"name":"usr/lib/long-link"`);
    expect(lines.endsWith(`{"type":2,"payload":"","position":${lines.trim().split("\n").length - 1}}\n`)).toBe(true);
    expect(LONG_LINK_TARGET.length).toBeGreaterThan(100);
  });

  it("reports moby's directory size", async () => {
    expect(applied.size).toBe(await directorySize(diff));
  });

  it("matches what the real dockerd makes of the same tar (docker import)", () => {
    expectSameAsDockerd(tar, applied, diff);
  });
});

// A real-world tree (this host's /etc, archived by GNU tar with xattrs): same checks against dockerd.
describe("a GNU tar of /etc", () => {
  it("gives the same diffID, tar-split, size and tree as dockerd", async () => {
    const work = mkdtempSync(join(tmpdir(), "layer-tar-etc-"));
    try {
      const tar = execFileSync("tar", ["--xattrs", "--xattrs-include=*", "--numeric-owner", "-cf", "-", "-C", "/", "etc"], { maxBuffer: 1 << 30 });
      const diff = join(work, "diff");
      mkdirSync(diff);
      expectSameAsDockerd(tar, await applyLayerTar(chunked(tar), diff), diff);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

/** Imports the tar into the real dockerd and compares its layerdb record and overlay2 diff dir with ours. */
function expectSameAsDockerd(tar: Buffer, applied: AppliedLayer, diff: string): void {
  const tag = `slipway-layer-tar-test:${process.pid}`;
  docker("image", "rm", "-f", tag);
  const imported = execDockerImport(tar, tag);
  try {
    const [diffId] = JSON.parse(docker("image", "inspect", imported, "--format", "{{json .RootFS.Layers}}")) as string[];
    expect(applied.diffId).toBe(diffId);
    const layerdb = join(dockerRoot(), "image/overlay2/layerdb/sha256", digestHex(diffId!));
    expect(comparableTarSplit(applied.tarSplit)).toEqual(comparableTarSplit(readFileSync(join(layerdb, "tar-split.json.gz"))));
    expect(String(applied.size)).toBe(readFileSync(join(layerdb, "size"), "utf8"));
    const dockerDiff = join(dockerRoot(), "overlay2", readFileSync(join(layerdb, "cache-id"), "utf8"), "diff");
    const tree = describeTree(diff);
    expect(tree.length).toBeGreaterThan(40);
    expect(tree).toEqual(describeTree(dockerDiff));
  } finally {
    docker("image", "rm", "-f", tag);
  }
}

/**
 * A tar-split's lines, with the segments after the last file joined into one. How dockerd cuts the data after
 * the end-of-archive marker into segments follows how its input's reads happened to be sized (for `docker
 * import`, the HTTP body's reads), so it is not a property of the tar; the bytes themselves are compared.
 */
function comparableTarSplit(gzipped: Buffer): unknown[] {
  const lines = gunzipSync(gzipped)
    .toString("utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type: number; payload?: string | null });
  const lastFile = lines.map((line) => line.type).lastIndexOf(1);
  const trailing = lines.slice(lastFile + 1).map((line) => Buffer.from(line.payload ?? "", "base64"));
  return [...lines.slice(0, lastFile + 1), Buffer.concat(trailing).toString("base64")];
}

function execDockerImport(tar: Buffer, tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), "layer-tar-import-"));
  try {
    const file = join(dir, "layer.tar");
    writeFileSync(file, tar);
    return docker("import", file, tag);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
