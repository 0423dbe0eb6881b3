import { createLogger } from "@slipway/grpc-kit";
import { failedPrecondition } from "@slipway/errors";
import { describe, expect, it } from "vitest";
import { ContainerPruner } from "./prune.js";
import type { Stores } from "./stores.js";
import type { VolumeService } from "./volumes.js";

/** Stores that hold containers a, b and c (b cannot be removed), recording what each removal asked of them. */
function storesWith(listed: () => Promise<{ ids: string[] }> = async () => ({ ids: ["a", "b", "c"] })) {
  const released: { containerId: string; removeVolumes: string[]; keepVolumes: string[] }[] = [];
  const deleted: string[] = [];
  const configV2 = (id: string) => Buffer.from(JSON.stringify({ ID: id, MountPoints: { "/data": { Type: "volume", Name: `vol-${id}` } } }));
  const containers = {
    listContainersToPrune: listed,
    getContainer: async ({ idOrName }: { idOrName: string }) => {
      if (idOrName === "b") throw failedPrecondition("container b is being written or removed; retry");
      return { container: { id: idOrName, configV2Json: configV2(idOrName) }, volumesInUse: [] };
    },
    deleteContainer: async ({ idOrName }: { idOrName: string }) => (deleted.push(idOrName), {}),
  };
  const layers = {
    getRwLayerSizes: async ({ containerIds }: { containerIds: string[] }) => ({
      sizes: containerIds.map((containerId) => ({ containerId, sizeRw: containerId.charCodeAt(0), sizeRootFs: 0 })),
    }),
    releaseContainerLayers: async (request: (typeof released)[number]) => (released.push(request), { rwLayerReleased: true }),
  };
  return { stores: { containers, layers } as unknown as Stores, released, deleted };
}

const pruner = (stores: Stores) => new ContainerPruner(stores, {} as VolumeService, createLogger("orchestrator", "silent"));

describe("ContainerPruner", () => {
  it("removes each selected container as rm without -v does, keeping its volumes, skips one that fails, and adds up their RW layers", async () => {
    const { stores, released, deleted } = storesWith();
    const report = await pruner(stores).prune({}, {});
    expect(report).toEqual({ containersDeleted: ["a", "c"], spaceReclaimed: "a".charCodeAt(0) + "c".charCodeAt(0) });
    expect(deleted).toEqual(["a", "c"]);
    expect(released).toEqual([
      { containerId: "a", removeVolumes: [], keepVolumes: ["vol-a"] },
      { containerId: "c", removeVolumes: [], keepVolumes: ["vol-c"] },
    ]);
  });

  it("refuses a second prune while one runs, before its filters are checked, as dockerd does", async () => {
    let release!: () => void;
    const selecting = new Promise<void>((resolve) => (release = resolve));
    const { stores, deleted } = storesWith(async () => (await selecting, { ids: ["a"] }));
    const containers = pruner(stores);
    const first = containers.prune({}, {});
    await expect(containers.prune({ nosuch: { values: ["x"] } }, {})).rejects.toMatchObject({
      kind: "failed_precondition",
      message: "a prune operation is already running",
    });
    release();
    expect(await first).toEqual({ containersDeleted: ["a"], spaceReclaimed: "a".charCodeAt(0) });
    expect(await containers.prune({}, {})).toMatchObject({ containersDeleted: ["a"] });
    expect(deleted).toEqual(["a", "a"]);
  });

  it("refuses a network prune while a container prune runs, then checks its filters in dockerd's words", async () => {
    let release!: () => void;
    const selecting = new Promise<void>((resolve) => (release = resolve));
    const containers = pruner(storesWith(async () => (await selecting, { ids: [] })).stores);
    const running = containers.prune({}, {});
    await expect(containers.pruneNetworks({})).rejects.toMatchObject({ message: "a prune operation is already running" });
    release();
    await running;
    await expect(containers.pruneNetworks({})).resolves.toBeUndefined();
    await expect(containers.pruneNetworks({ bogus: ["x"] })).rejects.toMatchObject({ kind: "invalid_argument", message: "Invalid filter 'bogus'" });
    await expect(containers.pruneNetworks({ until: ["1", "2"] })).rejects.toMatchObject({
      kind: "internal",
      message: "more than one until filter specified",
    });
  });
});
