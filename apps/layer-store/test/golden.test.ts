import { execFileSync } from "node:child_process";
import { createReadStream, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { sha256Digest } from "@slipway/docker-spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerLayerdbFile, GOLDEN_REFERENCE, goldenOverlayListing, loadGoldenImage, type GoldenImage } from "./golden-image.js";
import { collect, createRWLayer, registerRequests, startStore, type StoreUnderTest } from "./helpers.js";

const CONTAINER_ID = "c".repeat(64);

/** `find -printf` as the reference was captured, sorted; ids and times do not appear. */
function findListing(dir: string): string[] {
  const out = execFileSync("find", [".", "-printf", "%M %u:%g %s %p -> %l\n"], { cwd: dir, encoding: "utf8" });
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trimEnd())
    .sort();
}

describe("golden:1 on a fresh data root", () => {
  let golden: GoldenImage;
  let store: StoreUnderTest;
  beforeAll(async () => {
    golden = loadGoldenImage();
    store = await startStore();
    for (const [i, tar] of golden.layerTars.entries()) {
      await store.client.registerLayer(
        registerRequests({ parentChainId: golden.chainIds[i - 1] ?? "", holder: "image:golden" }, createReadStream(tar)),
      );
    }
  }, 60_000);
  afterAll(() => store.stop());

  it("registers every layer with the diffID, chainID and size the local dockerd recorded", async () => {
    const { layers } = await store.client.listLayers({});
    for (const [i, chainId] of golden.chainIds.entries()) {
      const layer = layers.find((l) => l.chainId === chainId);
      expect(layer, `layer ${i}`).toMatchObject({ diffId: golden.diffIds[i], size: golden.sizes[i], depth: i + 1 });
      expect(dockerLayerdbFile(chainId, "diff").toString()).toBe(golden.diffIds[i]);
    }
  });

  it("writes layerdb/sha256/<chain> with dockerd's files, modes and bytes", () => {
    for (const [i, chainId] of golden.chainIds.entries()) {
      const dir = join(store.dataRoot, "image/overlay2/layerdb", chainId.replace(":", "/"));
      expect(statSync(dir).mode & 0o7777).toBe(0o700);
      const expected = i === 0 ? ["cache-id", "diff", "size", "tar-split.json.gz"] : ["cache-id", "diff", "parent", "size", "tar-split.json.gz"];
      expect(readdirSync(dir).sort()).toEqual(expected);
      for (const file of expected) expect(statSync(join(dir, file)).mode & 0o7777, file).toBe(0o644);
      for (const file of ["diff", "size", "parent"].filter((f) => expected.includes(f))) {
        expect(readFileSync(join(dir, file)), file).toEqual(dockerLayerdbFile(chainId, file));
      }
      expect(readFileSync(join(dir, "cache-id"), "utf8")).toMatch(/^[a-f0-9]{64}$/);
    }
  });

  it("lays out overlay2/<cache-id> as dockerd does: link, lower, work, committed, l/ link", () => {
    for (const [i, chainId] of golden.chainIds.entries()) {
      const cacheId = readFileSync(join(store.dataRoot, "image/overlay2/layerdb", chainId.replace(":", "/"), "cache-id"), "utf8");
      const dir = join(store.dataRoot, "overlay2", cacheId);
      const names = readdirSync(dir).sort();
      const hasChild = i < golden.chainIds.length - 1;
      const expected = [...(hasChild ? ["committed"] : []), "diff", "link", ...(i > 0 ? ["lower", "work"] : [])];
      expect(names).toEqual(expected);
      expect(statSync(dir).mode & 0o7777).toBe(0o710);
      const link = readFileSync(join(dir, "link"), "utf8");
      expect(link).toMatch(/^[A-Z2-7]{26}$/);
      expect(execFileSync("readlink", [join(store.dataRoot, "overlay2/l", link)], { encoding: "utf8" })).toBe(`../${cacheId}/diff\n`);
    }
    expect(statSync(join(store.dataRoot, "overlay2")).mode & 0o7777).toBe(0o710);
    expect(statSync(join(store.dataRoot, "overlay2/l")).mode & 0o7777).toBe(0o700);
  });

  it("exports every layer byte for byte as the tar it was registered from", async () => {
    for (const [i, chainId] of golden.chainIds.entries()) {
      const exported = await collect(store.client.exportLayer({ chainId }));
      expect(sha256Digest(exported)).toBe(golden.diffIds[i]);
      expect(exported.equals(readFileSync(golden.layerTars[i]!))).toBe(true);
    }
  });

  it("builds the init and mount layers entry for entry as demo/overlay2_dirs.txt shows", async () => {
    const top = golden.chainIds.at(-1)!;
    const rwLayer = await createRWLayer(store.client, CONTAINER_ID, top, golden.workingDir);
    expect(rwLayer).toMatchObject({ containerId: CONTAINER_ID, initId: `${rwLayer.mountId}-init`, parentChainId: top });
    const overlay = join(store.dataRoot, "overlay2");
    expect(findListing(join(overlay, rwLayer.initId))).toEqual(goldenOverlayListing("-init").sort());
    expect(findListing(join(overlay, rwLayer.mountId))).toEqual(goldenOverlayListing("").sort());
    const topCacheId = (await store.client.getLayer({ chainId: top })).layer!.cacheId;
    expect(statSync(join(overlay, topCacheId, "committed")).mode & 0o7777).toBe(0o600);
  });

  it("writes layerdb/mounts/<id> in the byte format of demo/layerdb_mounts", async () => {
    const { rwLayer } = await store.client.getRwLayer({ containerId: CONTAINER_ID });
    const dir = join(store.dataRoot, "image/overlay2/layerdb/mounts", CONTAINER_ID);
    expect(statSync(dir).mode & 0o7777).toBe(0o755);
    expect(readdirSync(dir).sort()).toEqual(["init-id", "mount-id", "parent"]);
    const reference = join(GOLDEN_REFERENCE, "demo/layerdb_mounts");
    for (const file of ["init-id", "mount-id", "parent"]) {
      expect(statSync(join(dir, file)).mode & 0o7777, file).toBe(0o644);
      const mine = readFileSync(join(dir, file), "utf8");
      const theirs = readFileSync(join(reference, file), "utf8");
      expect(mine.replace(/[a-f0-9]{64}/g, "<id>"), file).toBe(theirs.replace(/[a-f0-9]{64}/g, "<id>"));
    }
    expect(readFileSync(join(dir, "mount-id"), "utf8")).toBe(rwLayer!.mountId);
    expect(readFileSync(join(dir, "parent"), "utf8")).toBe(golden.chainIds.at(-1));
  });

  it("builds the same init and mount trees as the local dockerd's docker create golden:1", async () => {
    const id = execFileSync("docker", ["create", "golden:1"], { encoding: "utf8" }).trim();
    try {
      const mountId = readFileSync(`/var/lib/docker/image/overlay2/layerdb/mounts/${id}/mount-id`, "utf8");
      const { rwLayer } = await store.client.getRwLayer({ containerId: CONTAINER_ID });
      const overlay = join(store.dataRoot, "overlay2");
      expect(findListing(join(overlay, rwLayer!.initId))).toEqual(findListing(`/var/lib/docker/overlay2/${mountId}-init`));
      expect(findListing(join(overlay, rwLayer!.mountId))).toEqual(findListing(`/var/lib/docker/overlay2/${mountId}`));
    } finally {
      execFileSync("docker", ["rm", "-v", id], { stdio: "ignore" });
    }
  });
});
