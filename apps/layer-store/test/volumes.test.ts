import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerChain, startStore, treeListing, type StoreUnderTest } from "./helpers.js";

describe("volumes", () => {
  let store: StoreUnderTest;
  let chain: string[];
  beforeAll(async () => {
    store = await startStore();
    chain = await registerChain(store.client, [
      [
        { path: "data", type: "dir", mode: 0o750, uid: 33, gid: 34 },
        { path: "data/keep", type: "file", content: "lower", mode: 0o600, uid: 5, gid: 6 },
        { path: "data/gone", type: "file", content: "whited out" },
        { path: "data/sub", type: "dir" },
        { path: "data/sub/old", type: "file" },
        { path: "data/link", type: "symlink", target: "keep" },
      ],
      [
        { path: "data", type: "dir", mode: 0o750, uid: 33, gid: 34 },
        { path: "data/.wh.gone", type: "file" },
        { path: "data/sub", type: "dir" },
        { path: "data/sub/.wh..wh..opq", type: "file" },
        { path: "data/sub/new", type: "file", content: "upper" },
        { path: "data/keep", type: "file", content: "upper wins", mode: 0o640, uid: 5, gid: 6 },
      ],
    ]);
  });
  afterAll(() => store.stop());

  it("copies the image's merged content at the path into volumes/<64 hex>/_data", async () => {
    const { volume } = await store.client.createVolume({ parentChainId: chain[1]!, path: "/data", name: "" });
    expect(volume!.name).toMatch(/^[a-f0-9]{64}$/);
    expect(volume!.mountpoint).toBe(join(store.dataRoot, "volumes", volume!.name, "_data"));
    expect(statSync(join(store.dataRoot, "volumes", volume!.name)).mode & 0o7777).toBe(0o701);
    expect(treeListing(volume!.mountpoint)).toEqual([
      "drwxr-x--- 33:34 - . -> ",
      "-rw-r----- 5:6 10 keep -> ",
      "lrwxrwxrwx 0:0 4 link -> keep",
      "drwxr-xr-x 0:0 - sub -> ",
      "-rw-r--r-- 0:0 5 sub/new -> ",
    ]);
  });

  it("makes an empty 0755 _data for a path the image lacks, lists and removes volumes", async () => {
    const { volume } = await store.client.createVolume({ parentChainId: chain[1]!, path: "/nothing", name: "named-vol" });
    expect(treeListing(volume!.mountpoint)).toEqual(["drwxr-xr-x 0:0 - . -> "]);
    const { volumes } = await store.client.listVolumes({ names: [] });
    expect(volumes.map((v) => v.name)).toContain("named-vol");
    const named = await store.client.listVolumes({ names: ["named-vol", "no-such-vol", "../escape"] });
    expect(named.volumes.map((v) => v.name)).toEqual(["named-vol"]);
    await expect(store.client.createVolume({ parentChainId: "", path: "", name: "named-vol" })).rejects.toMatchObject({ kind: "already_exists" });
    await store.client.removeVolume({ name: "named-vol" });
    await expect(store.client.removeVolume({ name: "named-vol" })).rejects.toMatchObject({ kind: "not_found" });
    expect(readdirSync(join(store.dataRoot, "volumes"))).toHaveLength(1);
  });

  it("marks a volume kept, durably and only inside its own directory, and says so in the list", async () => {
    await store.client.createVolume({ parentChainId: "", path: "", name: "kept-vol" });
    expect((await store.client.listVolumes({ names: [] })).volumes.find((v) => v.name === "kept-vol")).toMatchObject({ kept: false });
    await store.client.keepVolume({ name: "kept-vol" });
    await store.client.keepVolume({ name: "kept-vol" });
    expect((await store.client.listVolumes({ names: [] })).volumes.find((v) => v.name === "kept-vol")).toMatchObject({ kept: true });
    expect(readdirSync(join(store.dataRoot, "volumes", "kept-vol")).sort()).toEqual([".slipway-kept", "_data"]);
    await expect(store.client.keepVolume({ name: "no-such-vol" })).rejects.toMatchObject({ kind: "not_found" });
    await store.client.removeVolume({ name: "kept-vol" });
    expect(readdirSync(join(store.dataRoot, "volumes"))).not.toContain("kept-vol");
  });
});
