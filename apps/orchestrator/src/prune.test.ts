import { createLogger } from "@slipway/grpc-kit";
import { failedPrecondition } from "@slipway/errors";
import { describe, expect, it } from "vitest";
import { pruneContainers } from "./prune.js";
import type { Stores } from "./stores.js";
import type { VolumeService } from "./volumes.js";

/** Stores that hold containers a, b and c (b cannot be removed), recording what each removal asked of them. */
function storesWith() {
  const released: { containerId: string; removeVolumes: string[]; keepVolumes: string[] }[] = [];
  const deleted: string[] = [];
  const configV2 = (id: string) => Buffer.from(JSON.stringify({ ID: id, MountPoints: { "/data": { Type: "volume", Name: `vol-${id}` } } }));
  const containers = {
    listContainersToPrune: async () => ({ ids: ["a", "b", "c"] }),
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

describe("pruneContainers", () => {
  it("removes each selected container as rm without -v does, keeping its volumes, skips one that fails, and adds up their RW layers", async () => {
    const { stores, released, deleted } = storesWith();
    const report = await pruneContainers(stores, {} as VolumeService, createLogger("orchestrator", "silent"), {}, {});
    expect(report).toEqual({ containersDeleted: ["a", "c"], spaceReclaimed: "a".charCodeAt(0) + "c".charCodeAt(0) });
    expect(deleted).toEqual(["a", "c"]);
    expect(released).toEqual([
      { containerId: "a", removeVolumes: [], keepVolumes: ["vol-a"] },
      { containerId: "c", removeVolumes: [], keepVolumes: ["vol-c"] },
    ]);
  });
});
