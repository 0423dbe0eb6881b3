import type { containerconfig } from "@slipway/proto";
import { describe, expect, it } from "vitest";
import { DiskUsage } from "./disk-usage.js";
import type { Stores } from "./stores.js";

const volume = (name: string, options: Record<string, string> = {}) => ({
  name,
  driver: "local",
  options,
  labels: {},
  mountpoint: `/v/${name}/_data`,
});
const mount = (type: string, name: string) => ({ type, name });

/** Two images sharing a base layer, a third alone, containers of the first, and volumes (one with mount options). */
function storesWith(listImagesGate: Promise<void> = Promise.resolve()) {
  const asked: string[][] = [];
  const images = {
    listImages: async () => {
      await listImagesGate;
      return {
        images: [
          { id: "sha256:app", size: 1200, containers: -1, sharedSize: -1, layers: [{ chainId: "base" }, { chainId: "app" }] },
          { id: "sha256:tools", size: 1004, containers: -1, sharedSize: -1, layers: [{ chainId: "base" }, { chainId: "tools" }] },
          { id: "sha256:other", size: 7, containers: -1, sharedSize: -1, layers: [{ chainId: "other" }] },
        ],
      };
    },
  };
  const layers = {
    listLayers: async () => ({
      layers: [
        { chainId: "base", size: 1000 },
        { chainId: "app", size: 200 },
        { chainId: "tools", size: 4 },
        { chainId: "other", size: 7 },
        { chainId: "unused", size: 99 },
      ],
    }),
    listVolumes: async () => ({ volumes: [volume("zeta"), volume("tmp", { type: "tmpfs" }), volume("alpha")] }),
    getVolumeSizes: async ({ names }: { names: string[] }) => (asked.push(names), { sizes: names.map((name) => ({ name, size: name.length })) }),
    getRwLayerSizes: async ({ containerIds }: { containerIds: string[] }) => ({
      sizes: containerIds.map((containerId) => ({ containerId, sizeRw: 5, sizeRootFs: 1205 })),
    }),
  };
  const containers = {
    listContainers: async () => ({
      containers: [
        { id: "c1", imageId: "sha256:app", mounts: [mount("volume", "alpha"), mount("bind", "")] },
        { id: "c2", imageId: "sha256:app", mounts: [mount("volume", "alpha"), mount("volume", "zeta")] },
      ],
    }),
    async *listContainersJson() {
      yield { chunk: Buffer.from('[{"Id":"c1","Ports":[]},') };
      yield { chunk: Buffer.from('{"Id":"c2","Ports":[]}]') };
    },
  };
  return { stores: { images, layers, containers } as unknown as Stores, asked };
}

/** Lists with the images the containers were created from (ListedImages is tested on its own). */
const AS_LISTED = { queryFor: async (query: containerconfig.ListContainersRequest) => query };

describe("DiskUsage", () => {
  it("reports shared sizes and containers per image, sized containers, local volumes' sizes and references, and the layers images use", async () => {
    const { stores, asked } = storesWith();
    const usage = await new DiskUsage(stores, AS_LISTED).report({});
    expect(usage.layersSize).toBe(1211);
    expect(usage.images.map(({ id, sharedSize, containers }) => ({ id, sharedSize, containers }))).toEqual([
      { id: "sha256:app", sharedSize: 1000, containers: 2 },
      { id: "sha256:tools", sharedSize: 1000, containers: 0 },
      { id: "sha256:other", sharedSize: 0, containers: 0 },
    ]);
    expect(usage.containersJson.toString()).toBe(
      '[{"Id":"c1","Ports":[],"SizeRw":5,"SizeRootFs":1205},{"Id":"c2","Ports":[],"SizeRw":5,"SizeRootFs":1205}]',
    );
    expect(asked).toEqual([["alpha", "zeta"]]);
    expect(usage.volumes.map(({ volume, size, refCount }) => ({ name: volume!.name, size, refCount }))).toEqual([
      { name: "alpha", size: 5, refCount: 2 },
      { name: "zeta", size: 4, refCount: 1 },
    ]);
  });

  it("runs one report at a time, refusing another meanwhile in dockerd's words", async () => {
    let release!: () => void;
    const { stores } = storesWith(new Promise((resolve) => (release = resolve)));
    const diskUsage = new DiskUsage(stores, AS_LISTED);
    const first = diskUsage.report({});
    await expect(diskUsage.report({})).rejects.toMatchObject({ kind: "internal", message: "a disk usage operation is already running" });
    release();
    await first;
    await expect(diskUsage.report({})).resolves.toMatchObject({ layersSize: 1211 });
  });
});
