import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileSyscalls } from "@slipway/durable-fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, createRWLayer, registerChain, startStore, tempDir, type StoreUnderTest } from "./helpers.js";

const CONTAINER = "c".repeat(64);
const IMAGE = [
  [
    { path: "bin", type: "dir" },
    { path: "bin/tool", type: "file", content: "tool" },
    { path: "data", type: "dir", mode: 0o750 },
    { path: "data/a", type: "file", content: "a" },
  ],
  [
    { path: "data", type: "dir", mode: 0o750 },
    { path: "data/b", type: "file", content: "bb" },
  ],
] as const;

/** The names of a tar's entries, in order. */
function tarNames(tar: Buffer): string[] {
  const file = join(tempDir("export-"), "rootfs.tar");
  writeFileSync(file, tar);
  return execFileSync("tar", ["-tf", file], { encoding: "utf8" }).split("\n").filter(Boolean);
}

describe("a container's root filesystem, read without mounting", () => {
  let store: StoreUnderTest;
  let chain: string[];
  let upper: string;
  beforeAll(async () => {
    store = await startStore();
    chain = await registerChain(store.client, IMAGE);
    const { mountId } = await createRWLayer(store.client, CONTAINER, chain[1]!);
    upper = join(store.dataRoot, "overlay2", mountId, "diff");
  });
  afterAll(() => store.stop());

  it("GetMounts names the diff/ directories below the mount layer, the init layer's first", async () => {
    const { lowerDiffDirs } = await store.client.getMounts({ containerId: CONTAINER });
    const { mountId } = (await store.client.getRwLayer({ containerId: CONTAINER })).rwLayer!;
    const cacheIds = await Promise.all(chain.map(async (chainId) => (await store.client.getLayer({ chainId })).layer!.cacheId));
    const diff = (id: string) => join(store.dataRoot, "overlay2", id, "diff");
    expect(lowerDiffDirs).toEqual([diff(`${mountId}-init`), diff(cacheIds[1]!), diff(cacheIds[0]!)]);
  });

  it("a fresh container has no changes and a mount layer of 0 bytes", async () => {
    expect((await store.client.getContainerChanges({ containerId: CONTAINER })).changes).toEqual([]);
    const { sizes } = await store.client.getRwLayerSizes({ containerIds: [CONTAINER, "d".repeat(64)] });
    const layers = await Promise.all(chain.map(async (chainId) => (await store.client.getLayer({ chainId })).layer!.size));
    expect(sizes).toEqual([{ containerId: CONTAINER, sizeRw: 0, sizeRootFs: layers[0]! + layers[1]! }]);
  });

  describe("with a whiteout and an opaque directory written into the mount layer", () => {
    beforeAll(() => {
      mkdirSync(join(upper, "bin"));
      fileSyscalls.mknod(Buffer.from(join(upper, "bin/tool")), 0o020000, 0, 0);
      mkdirSync(join(upper, "data"));
      chmodSync(join(upper, "data"), 0o750);
      fileSyscalls.lsetxattr(Buffer.from(join(upper, "data")), Buffer.from("trusted.overlay.opaque"), Buffer.from("y"));
      writeFileSync(join(upper, "data/c"), "ccc");
    });

    it("reports the changes as dockerd's ChangesDirs does: hidden entries deleted, their directories modified", async () => {
      const { changes } = await store.client.getContainerChanges({ containerId: CONTAINER });
      expect(changes.map(({ kind, path }) => `${"CAD"[kind]} ${path}`)).toEqual([
        "C /bin",
        "D /bin/tool",
        "C /data",
        "D /data/a",
        "D /data/b",
        "A /data/c",
      ]);
    });

    it("exports the merged view: nothing the whiteout or the opaque directory hides", async () => {
      const names = tarNames(await collect(store.client.exportContainerLayer({ containerId: CONTAINER })));
      expect(names).toContain("data/c");
      expect(names.filter((name) => /^(bin\/tool|data\/[ab])$/.test(name))).toEqual([]);
      expect(names).toEqual([...names].sort());
    });

    it("counts the mount layer's bytes in both sizes", async () => {
      const { sizes } = await store.client.getRwLayerSizes({ containerIds: [CONTAINER] });
      const layers = await Promise.all(chain.map(async (chainId) => (await store.client.getLayer({ chainId })).layer!.size));
      expect(sizes).toEqual([{ containerId: CONTAINER, sizeRw: 3, sizeRootFs: layers[0]! + layers[1]! + 3 }]);
    });
  });

  it("answers NOT_FOUND for a container without an RW layer", async () => {
    const containerId = "e".repeat(64);
    await expect(store.client.getContainerChanges({ containerId })).rejects.toMatchObject({ kind: "not_found" });
    await expect(collect(store.client.exportContainerLayer({ containerId }))).rejects.toMatchObject({ kind: "not_found" });
    await expect(store.client.getMounts({ containerId })).rejects.toMatchObject({ kind: "not_found" });
  });
});
