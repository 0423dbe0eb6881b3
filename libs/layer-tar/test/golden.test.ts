import { execFileSync } from "node:child_process";
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { chainIds, digestHex } from "@slipway/docker-spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyLayerTar, exportLayerTar, type AppliedLayer } from "../src/index.js";
import { collect, describeTree, docker, dockerRoot, goldenArchive, sha256 } from "./support.js";

// golden:1 (tools/golden/context) as the local dockerd registered it: every layer
// applied here must give the same diffID, size and tar-split, and export back byte for byte.
describe("golden:1 layers against the real dockerd", () => {
  let work: string;
  let layers: string[];
  let diffIds: string[];
  let layerdb: string[];
  const applied: AppliedLayer[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "layer-tar-golden-"));
    execFileSync("tar", ["-xf", goldenArchive(work), "-C", work]);
    const manifest = JSON.parse(readFileSync(join(work, "manifest.json"), "utf8"))[0] as { Config: string; Layers: string[] };
    layers = manifest.Layers.map((layer) => join(work, layer));
    diffIds = (JSON.parse(readFileSync(join(work, manifest.Config), "utf8")) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    expect(JSON.parse(docker("image", "inspect", "golden:1", "--format", "{{json .RootFS.Layers}}"))).toEqual(diffIds);
    const root = dockerRoot();
    layerdb = chainIds(diffIds).map((chain) => join(root, "image/overlay2/layerdb/sha256", digestHex(chain)));
    for (const [i, layer] of layers.entries()) {
      const diffDir = join(work, `diff-${i}`);
      mkdirSync(diffDir);
      applied.push(await applyLayerTar(createReadStream(layer), diffDir));
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("computes dockerd's diffIDs", () => {
    expect(applied.map((layer) => layer.diffId)).toEqual(diffIds);
  });

  it("computes dockerd's layer sizes", () => {
    expect(applied.map((layer) => layer.size)).toEqual(layerdb.map((dir) => Number(readFileSync(join(dir, "size"), "utf8"))));
  });

  it("writes the same tar-split as dockerd, line for line up to the end-of-archive marker", () => {
    for (const [i, layer] of applied.entries()) {
      const ours = tarSplitEntries(layer.tarSplit);
      const theirs = tarSplitEntries(readFileSync(join(layerdb[i]!, "tar-split.json.gz")));
      expect(mergeTrailingSegments(ours)).toEqual(mergeTrailingSegments(theirs));
      // Not vacuous: every header and file of the layer is in the comparison.
      expect(ours.filter((entry) => entry.type === 1).length).toBeGreaterThan(0);
    }
  });

  it("extracts the same files as dockerd's overlay2 diff dirs", () => {
    const root = dockerRoot();
    for (const [i, dir] of layerdb.entries()) {
      const cacheId = readFileSync(join(dir, "cache-id"), "utf8");
      expect(describeTree(join(work, `diff-${i}`))).toEqual(describeTree(join(root, "overlay2", cacheId, "diff")));
    }
  });

  it("exports each layer byte for byte (sha256 == diffID)", async () => {
    for (const [i, layer] of applied.entries()) {
      const exported = await collect(exportLayerTar(join(work, `diff-${i}`), layer.tarSplit));
      expect(sha256(exported)).toBe(layer.diffId);
      expect(exported.equals(readFileSync(layers[i]!))).toBe(true);
    }
  });
});

interface TarSplitEntry {
  type: number;
  name?: string;
  size?: number;
  payload?: string | null;
  position: number;
}

function tarSplitEntries(gzipped: Buffer): TarSplitEntry[] {
  return gunzipSync(gzipped)
    .toString("utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as TarSplitEntry);
}

/**
 * The bytes after the last file's entry in one segment. tar-split stores them one segment per read,
 * so where they are cut depends on how dockerd's pipe delivered them (its 32 KiB buffered writes
 * while building the image), not on the archive; the bytes themselves must still be equal.
 */
function mergeTrailingSegments(entries: TarSplitEntry[]): TarSplitEntry[] {
  let lastFile = entries.length - 1; // findLastIndex is ES2023; the projects compile against ES2022's lib
  while (lastFile >= 0 && entries[lastFile].type !== 1) lastFile--;
  const trailing = entries.slice(lastFile + 1).map((entry) => Buffer.from(entry.payload ?? "", "base64"));
  const payload = Buffer.concat(trailing).toString("base64");
  return [...entries.slice(0, lastFile + 1), { type: 2, payload, position: lastFile + 1 }];
}
