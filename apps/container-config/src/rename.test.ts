import { createLogger } from "@slipway/grpc-kit";
import { describe, expect, it } from "vitest";
import { ContainerConfigService } from "./container-config.js";
import type { ContainerStorage, StoredFiles } from "./storage.js";

const ID = "c".repeat(64);
const record = (name: string) =>
  JSON.stringify({
    ID,
    Created: "2026-01-01T00:00:00Z",
    Config: { Image: "golden:1", Labels: null },
    NetworkSettings: { IsAnonymousEndpoint: true },
    Name: name,
  });

/**
 * containers/ in memory, holding one container "/old". `replaceConfigV2` fails as `failure` says: before the
 * new file is in place, or after (the flush that follows the rename failing).
 */
function storageWith(failure: "before" | "after"): ContainerStorage & { files: StoredFiles } {
  const files: StoredFiles = { configV2: record("/old"), hostConfig: '{"NetworkMode":"default"}' };
  const storage = {
    files,
    init: async () => undefined,
    sweepLeftovers: async () => [],
    listIds: async () => [ID],
    readMany: async () => [{ ...files }],
    read: () => ({ ...files }),
    replaceConfigV2: async (_id: string, configV2: string) => {
      if (failure === "after") files.configV2 = configV2;
      throw new Error("syncfs: input/output error");
    },
  };
  return storage as unknown as ContainerStorage & { files: StoredFiles };
}

async function serviceOn(storage: ContainerStorage): Promise<ContainerConfigService> {
  const host = {} as ConstructorParameters<typeof ContainerConfigService>[1];
  const service = new ContainerConfigService(storage, host, () => false, createLogger("container-config", "silent"));
  await service.recover();
  return service;
}

describe("a rename whose record cannot be rewritten", () => {
  it("keeps the old name, and frees the new one, when the old file is still in place", async () => {
    const service = await serviceOn(storageWith("before"));
    await expect(service.rename("old", "new")).rejects.toThrow("syncfs: input/output error");
    expect(service.get("old").names).toEqual(["/old"]);
    expect(() => service.get("new")).toThrow("No such container: new");
  });

  it("takes the new name when the new file is in place though its flush failed: the names follow the record", async () => {
    const service = await serviceOn(storageWith("after"));
    await expect(service.rename("old", "new")).rejects.toThrow("syncfs: input/output error");
    expect(service.get("new").names).toEqual(["/new"]);
    expect(() => service.get("old")).toThrow("No such container: old");
    expect(service.list({ name: ["^/new$"] }, true, 0, { stale: new Set() }).map((row) => row.id)).toEqual([ID]);
  });
});
