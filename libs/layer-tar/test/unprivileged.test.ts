import { execFileSync } from "node:child_process";
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isOpaqueDir, isWhiteout } from "../src/index.js";
import { TarWriter } from "../src/testing/index.js";

const NOBODY = 65534;
const DIST = resolve(import.meta.dirname, "../dist/index.js");

// Runs the built library in a child process as uid/gid 65534 (the test itself runs as root in CI).
describe("applyLayerTar without root", () => {
  const work = mkdtempSync(join(tmpdir(), "layer-tar-unprivileged-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("says in one log line what cannot be reproduced, and extracts the rest", () => {
    expect(process.getuid?.()).toBe(0);
    const tar = new TarWriter()
      .dir("etc/", { uid: 1000, gid: 1000 })
      .file("etc/owned", "x", { uid: 1000, gid: 1000, mode: 0o640 })
      .file("etc/.wh.gone", "")
      .dir("opaque/")
      .file("opaque/.wh..wh..opq", "")
      .end();
    writeFileSync(join(work, "layer.tar"), tar);
    const diff = join(work, "diff");
    mkdirSync(diff);
    for (const path of [work, diff]) chownSync(path, NOBODY, NOBODY);
    const script = `
      import { createReadStream } from "node:fs";
      import { applyLayerTar } from ${JSON.stringify(DIST)};
      const lines = [];
      const layer = await applyLayerTar(createReadStream(${JSON.stringify(join(work, "layer.tar"))}), ${JSON.stringify(diff)}, { log: (line) => lines.push(line) });
      console.log(JSON.stringify({ lines, diffId: layer.diffId }));`;
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], { uid: NOBODY, gid: NOBODY, encoding: "utf8" });
    const { lines } = JSON.parse(output) as { lines: string[] };
    expect(lines[0]).toMatch(/not running as root: file owners \(uid\/gid\) and trusted\.\* xattrs \(opaque directories\)/);
    // Linux >= 5.8 lets anyone create 0/0 whiteout devices; older kernels get a second line.
    const whiteout = lstatSync(join(diff, "etc/gone"), { throwIfNoEntry: false });
    if (whiteout) expect(isWhiteout(whiteout)).toBe(true);
    expect(lines).toHaveLength(whiteout ? 1 : 2);
    const owned = lstatSync(join(diff, "etc/owned"));
    expect([owned.uid, owned.mode & 0o777]).toEqual([NOBODY, 0o640]);
    expect(existsSync(join(diff, "etc/.wh.gone"))).toBe(false);
    expect(isOpaqueDir(join(diff, "opaque"))).toBe(false);
  });
});
