import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layersRequest, makeLayerTar, registerBytes, startStore, type StoreUnderTest } from "./helpers.js";

const TAR = makeLayerTar(Array.from({ length: 40 }, (_, i) => ({ path: `dir/file-${i}`, type: "file" as const, content: "x".repeat(i * 100) })));

describe("concurrent registration of one tar", () => {
  let store: StoreUnderTest;
  beforeAll(async () => (store = await startStore()));
  afterAll(() => store.stop());

  it("50 anonymous registrations make one layer with 50 references, and every caller gets it", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => registerBytes(store.client, TAR)));
    const chainIds = new Set(results.map((r) => r.layer!.chainId));
    const cacheIds = new Set(results.map((r) => r.layer!.cacheId));
    expect([chainIds.size, cacheIds.size]).toEqual([1, 1]);
    expect(results.filter((r) => !r.existed)).toHaveLength(1);
    const [chainId] = chainIds;
    expect((await store.client.getLayer({ chainId: chainId! })).layer!.referenceCount).toBe(50);
    expect(readdirSync(join(store.dataRoot, "overlay2")).sort()).toEqual([...cacheIds, "l"].sort());
    expect(readdirSync(join(store.dataRoot, "overlay2/l"))).toHaveLength(1);
    expect(readdirSync(join(store.dataRoot, "image/overlay2/layerdb/tmp"))).toEqual([]);
  });

  it("50 registrations by one named holder hold it once", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => registerBytes(store.client, TAR, { holder: "image:one" })));
    const chainId = results[0]!.layer!.chainId;
    expect(results.every((r) => r.layer!.chainId === chainId && r.existed)).toBe(true);
    expect((await store.client.getLayer({ chainId })).layer!.referenceCount).toBe(51);
    for (let i = 0; i < 50; i++) await store.client.releaseLayer({ chainId, holder: "" });
    expect(await store.client.releaseLayer({ chainId, holder: "image:one" })).toEqual({ deletedChainIds: [chainId] });
    expect(readdirSync(join(store.dataRoot, "overlay2"))).toEqual(["l"]);
  });

  it("20 concurrent creates for one container make one RW layer and its volume; the others get ALREADY_EXISTS and make none", async () => {
    const parent = (await registerBytes(store.client, TAR, { holder: "image:rw" })).layer!.chainId;
    const containerId = "f".repeat(64);
    const volumeOf = (i: number) => i.toString(16).padStart(64, "a");
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.client.createContainerLayers(layersRequest(containerId, parent, "", [{ name: volumeOf(i), destination: "/dir", copyData: true }])),
      ),
    );
    const made = results.flatMap((r) => (r.status === "fulfilled" ? r.value.volumes.map((v) => v.name) : []));
    expect(made).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ kind: "already_exists" });
    expect(readdirSync(join(store.dataRoot, "volumes"))).toEqual(made);
    const others = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(64, "d"));
    await Promise.all(
      others.map((id) => store.client.createContainerLayers(layersRequest(id, parent, "", [{ name: "shared-vol", keep: true }, { name: id }]))),
    );
    expect((await store.client.listRwLayers({})).rwLayers).toHaveLength(21);
    expect((await store.client.getLayer({ chainId: parent })).layer!.referenceCount).toBe(22);
    expect(readdirSync(join(store.dataRoot, "overlay2")).filter((d) => d !== "l")).toHaveLength(1 + 2 * 21);
    expect(readdirSync(join(store.dataRoot, "image/overlay2/layerdb/tmp"))).toEqual([]);
    expect(readdirSync(join(store.dataRoot, "volumes")).sort()).toEqual([...made, ...others, "shared-vol"].sort());
  });
});
