import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkHealth, createClient, createLogger, startService } from "@slipway/grpc-kit";
import { layerstore } from "@slipway/proto";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import {
  createRWLayer,
  invariantViolations,
  makeLayerTar,
  registerBytes,
  registerChain,
  startStore,
  tempDataRoot,
  tempSocket,
  treeListing,
} from "./helpers.js";

const JUNK_ID = "e".repeat(64);
const CONTAINER = "1".repeat(63) + "a";

describe("startup recovery", () => {
  it("loads layers and mounts, removes what nothing names, recreates links, reports broken records", async () => {
    const first = await startStore();
    const root = first.dataRoot;
    const chain = await registerChain(first.client, [[{ path: "a", type: "file" }], [{ path: "b", type: "dir" }]]);
    const rwLayer = await createRWLayer(first.client, CONTAINER, chain[1]!);
    const counts = await Promise.all(chain.map(async (chainId) => (await first.client.getLayer({ chainId })).layer!.referenceCount));
    await first.stop();
    const clean = treeListing(root);

    const layerdb = join(root, "image/overlay2/layerdb");
    const overlay = join(root, "overlay2");
    const planted = [
      join(layerdb, "tmp/write-set-123"),
      join(layerdb, `sha256/${JUNK_ID}-${"0".repeat(64)}-removing`),
      join(overlay, JUNK_ID),
      join(overlay, `${JUNK_ID}-init`),
      join(root, "volumes/.slipway-building-v1"),
    ];
    for (const dir of planted) mkdirSync(join(dir, "diff"), { recursive: true });
    symlinkSync(`../${JUNK_ID}/diff`, join(overlay, "l/AAAAAAAAAAAAAAAAAAAAAAAAAA"));
    writeFileSync(join(layerdb, "holders", JUNK_ID), "{}");
    writeFileSync(join(root, "volumes/.tmp-metadata.db0a1b2c3d4e"), "half");
    const initLink = readFileSync(join(overlay, rwLayer.initId, "link"), "utf8");
    rmSync(join(overlay, "l", initLink));
    mkdirSync(join(layerdb, "sha256", "f".repeat(64)));
    writeFileSync(join(layerdb, "sha256", "f".repeat(64), "diff"), "garbage");
    mkdirSync(join(layerdb, "mounts", "2".repeat(63) + "b"));
    writeFileSync(join(layerdb, "mounts", "2".repeat(63) + "b", "mount-id"), "not-an-id");

    const second = await startStore(root);
    try {
      const status = await second.client.getStoreStatus({});
      expect(status).toMatchObject({ ready: true, layers: 2, rwLayers: 1, recreatedLinks: 1 });
      expect(status.brokenRecords).toHaveLength(2);
      expect(status.brokenRecords.join("\n")).toContain(join(layerdb, "sha256", "f".repeat(64)));
      expect(status.brokenRecords.join("\n")).toContain(join(layerdb, "mounts", "2".repeat(63) + "b", "mount-id"));
      expect(status.removedPaths).toEqual(
        expect.arrayContaining([
          ...planted,
          join(overlay, "l/AAAAAAAAAAAAAAAAAAAAAAAAAA"),
          join(layerdb, "holders", JUNK_ID),
          join(root, "volumes/.tmp-metadata.db0a1b2c3d4e"),
        ]),
      );
      rmSync(join(layerdb, "sha256", "f".repeat(64)), { recursive: true });
      rmSync(join(layerdb, "mounts", "2".repeat(63) + "b"), { recursive: true });
      expect(treeListing(root)).toEqual(clean);
      expect(invariantViolations(root)).toEqual([]);
      for (const [i, chainId] of chain.entries()) {
        expect((await second.client.getLayer({ chainId })).layer!.referenceCount).toBe(counts[i]);
      }
      expect((await second.client.getRwLayer({ containerId: CONTAINER })).rwLayer).toEqual(rwLayer);
    } finally {
      await second.stop();
    }
  });

  it("registering a chain again repairs its broken layerdb record", async () => {
    const tar = makeLayerTar([{ path: "repaired", type: "file" }]);
    const first = await startStore();
    const { layer } = await registerBytes(first.client, tar, { holder: "image:x" });
    await first.stop();
    const record = join(first.dataRoot, "image/overlay2/layerdb", layer!.chainId.replace(":", "/"));
    rmSync(join(record, "diff"));
    const second = await startStore(first.dataRoot);
    try {
      expect((await second.client.getStoreStatus({})).brokenRecords).toEqual([`${join(record, "diff")}: ENOENT`]);
      const again = await registerBytes(second.client, tar, { holder: "image:x" });
      expect(again).toMatchObject({ existed: false, layer: { chainId: layer!.chainId, diffId: layer!.diffId } });
      expect(readFileSync(join(record, "diff"), "utf8")).toBe(layer!.diffId);
    } finally {
      await second.stop();
    }
    const third = await startStore(first.dataRoot);
    try {
      expect(await third.client.getStoreStatus({})).toMatchObject({ layers: 1, brokenRecords: [] });
      expect(invariantViolations(first.dataRoot)).toEqual([]);
    } finally {
      await third.stop();
    }
  });

  it("answers UNAVAILABLE until recovery is done", async () => {
    const app = createApp({ dataRoot: tempDataRoot() }, createLogger("layer-store", "silent"));
    const server = await startService({ name: "layer-store", bind: tempSocket(), logger: createLogger("t", "silent"), services: app.services });
    const client = createClient(layerstore.LayerStoreServiceService, server.address, { name: "layer-store" });
    try {
      expect(await checkHealth(server.address, "slipway.layerstore.v1.LayerStoreService")).toBe("NOT_SERVING");
      await expect(client.listLayers({})).rejects.toMatchObject({ kind: "unavailable" });
      expect(await client.getStoreStatus({})).toMatchObject({ ready: false });
      await app.recover!();
      server.setServing();
      expect(await checkHealth(server.address, "slipway.layerstore.v1.LayerStoreService")).toBe("SERVING");
      expect(await client.listLayers({})).toEqual({ layers: [] });
    } finally {
      client.close();
      await server.shutdown();
    }
  });
});
