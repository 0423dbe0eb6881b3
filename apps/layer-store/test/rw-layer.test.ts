import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRWLayer, layersRequest, makeLayerTar, registerBytes, registerChain, startStore, treeListing, type StoreUnderTest } from "./helpers.js";

const id = (c: string) => c.repeat(64);

/** An image whose etc/ and srv/ carry unusual metadata, with a proc dir, and files where init entries go. */
const IMAGE = [
  [
    { path: "etc", type: "dir", mode: 0o750, uid: 1000, gid: 1001 },
    { path: "etc/hosts", type: "file", content: "127.0.0.1 image\n" },
    { path: "etc/mtab", type: "symlink", target: "/proc/self/mounts" },
    { path: "proc", type: "dir", mode: 0o555 },
    { path: "srv", type: "dir", mode: 0o711, uid: 7, gid: 8 },
    { path: "file", type: "file", content: "x" },
    { path: "app", type: "symlink", target: "../srv" },
  ],
  [
    { path: "etc", type: "dir", mode: 0o751, uid: 1000, gid: 1001 },
    { path: "etc/extra", type: "file" },
  ],
] as const;

describe("container RW layers", () => {
  let store: StoreUnderTest;
  let chain: string[];
  beforeAll(async () => {
    store = await startStore();
    chain = await registerChain(store.client, IMAGE);
  });
  afterAll(() => store.stop());
  const overlay = (...parts: string[]) => join(store.dataRoot, "overlay2", ...parts);

  it("copies up parent dirs with the topmost layer's mode and owner, leaves image dirs alone, recreates files", async () => {
    const rwLayer = await createRWLayer(store.client, id("a"), chain[1]!);
    const diff = overlay(rwLayer.initId, "diff");
    const etc = lstatSync(join(diff, "etc"));
    expect([etc.mode & 0o7777, etc.uid, etc.gid]).toEqual([0o751, 1000, 1001]);
    expect(existsSync(join(diff, "proc"))).toBe(false);
    expect(readdirSync(join(diff, "etc")).sort()).toEqual(["hostname", "hosts", "mtab", "resolv.conf"]);
    expect(lstatSync(join(diff, "etc/hosts")).size).toBe(0);
    expect(lstatSync(join(diff, "etc/hosts")).mode & 0o7777).toBe(0o755);
    expect(readlinkSync(join(diff, "etc/mtab"))).toBe("/proc/mounts");
    const dev = lstatSync(join(diff, "dev"));
    expect([dev.mode & 0o7777, dev.uid, dev.gid]).toEqual([0o755, 0, 0]);
  });

  it("creates a missing WorkingDir in the mount layer, copying up the image's parents", async () => {
    const rwLayer = await createRWLayer(store.client, id("b"), chain[1]!, "/srv/new/sub");
    const diff = overlay(rwLayer.mountId, "diff");
    expect(treeListing(diff)).toEqual([
      "drwxr-xr-x 0:0 - . -> ",
      "drwx--x--x 7:8 - srv -> ",
      "drwxr-xr-x 0:0 - srv/new -> ",
      "drwxr-xr-x 0:0 - srv/new/sub -> ",
    ]);
  });

  it("gives the next container of the image the same init layer and WorkingDir (remembered per image, replayed)", async () => {
    const first = await createRWLayer(store.client, id("f"), chain[1]!, "/srv/x/y");
    const second = await createRWLayer(store.client, id("9"), chain[1]!, "/srv/x/y");
    for (const layer of ["initId", "mountId"] as const) {
      expect(treeListing(overlay(second[layer], "diff"))).toEqual(treeListing(overlay(first[layer], "diff")));
    }
    expect(treeListing(overlay(second.mountId, "diff"))).toContain("drwx--x--x 7:8 - srv -> ");
    await Promise.all([id("f"), id("9")].map((containerId) => store.client.releaseRwLayer({ containerId })));
  });

  it("follows image symlinks in the WorkingDir within the rootfs, as dockerd does", async () => {
    const rwLayer = await createRWLayer(store.client, id("e"), chain[1]!, "/app/work");
    expect(treeListing(overlay(rwLayer.mountId, "diff"))).toEqual([
      "drwxr-xr-x 0:0 - . -> ",
      "drwx--x--x 7:8 - srv -> ",
      "drwxr-xr-x 0:0 - srv/work -> ",
    ]);
    await store.client.releaseRwLayer({ containerId: id("e") });
  });

  it("refuses a WorkingDir through a file and leaves nothing behind", async () => {
    const before = treeListing(store.dataRoot);
    await expect(store.client.createContainerLayers(layersRequest(id("c"), chain[1]!, "/file/sub"))).rejects.toMatchObject({
      kind: "invalid_argument",
      message: "Cannot mkdir: /file/sub is not a directory",
    });
    expect(treeListing(store.dataRoot)).toEqual(before);
  });

  it("refuses a WorkingDir through a file of the init layer, every time", async () => {
    for (const c of ["7", "8"]) {
      await expect(store.client.createContainerLayers(layersRequest(id(c), chain[1]!, "/etc/hostname/sub"))).rejects.toMatchObject({
        kind: "invalid_argument",
        message: "Cannot mkdir: /etc/hostname/sub is not a directory",
      });
    }
  });

  it("answers ALREADY_EXISTS for a second RW layer of the same container", async () => {
    await expect(store.client.createContainerLayers(layersRequest(id("a"), chain[1]!))).rejects.toMatchObject({
      kind: "already_exists",
    });
  });

  it("returns the overlay mount a runtime would use, with absolute l/ lowerdirs", async () => {
    const { rwLayer } = await store.client.getRwLayer({ containerId: id("a") });
    const { rootFs } = await store.client.getMounts({ containerId: id("a") });
    expect(rootFs!.lowerDirs).toHaveLength(3);
    expect(readlinkSync(rootFs!.lowerDirs[0]!)).toBe(`../${rwLayer!.initId}/diff`);
    for (const lower of rootFs!.lowerDirs) expect(lower.startsWith(overlay("l") + "/")).toBe(true);
    expect(rootFs!.upperDir).toBe(overlay(rwLayer!.mountId, "diff"));
    expect(rootFs!.workDir).toBe(overlay(rwLayer!.mountId, "work"));
    expect(rootFs!.options).toBe(`lowerdir=${rootFs!.lowerDirs.join(":")},upperdir=${rootFs!.upperDir},workdir=${rootFs!.workDir}`);
  });

  it("counts references and cascades deletes when the last holder goes", async () => {
    const { rwLayers } = await store.client.listRwLayers({});
    expect(rwLayers.map((r) => r.containerId).sort()).toEqual([id("a"), id("b")]);
    const top = async () => (await store.client.getLayer({ chainId: chain[1]! })).layer!;
    expect((await top()).referenceCount).toBe(3);
    expect((await store.client.getLayer({ chainId: chain[0]! })).layer!.referenceCount).toBe(2);
    expect(await store.client.releaseLayer({ chainId: chain[1]!, holder: "image:test" })).toEqual({ deletedChainIds: [] });
    expect(await store.client.releaseLayer({ chainId: chain[1]!, holder: "image:test" })).toEqual({ deletedChainIds: [] });
    await expect(store.client.releaseLayer({ chainId: chain[1]!, holder: "" })).rejects.toMatchObject({
      kind: "failed_precondition",
      message: expect.stringContaining(`container ${id("a")}`),
    });
    await store.client.releaseLayer({ chainId: chain[0]!, holder: "image:test" });
    expect(await store.client.releaseRwLayer({ containerId: id("a") })).toEqual({ deletedChainIds: [] });
    expect(await store.client.releaseRwLayer({ containerId: id("b") })).toEqual({ deletedChainIds: [chain[1], chain[0]] });
    expect(readdirSync(overlay()).sort()).toEqual(["l"]);
    expect(readdirSync(overlay("l"))).toEqual([]);
    expect(readdirSync(join(store.dataRoot, "image/overlay2/layerdb/sha256"))).toEqual([]);
    expect(readdirSync(join(store.dataRoot, "image/overlay2/layerdb/mounts"))).toEqual([]);
    expect(readdirSync(join(store.dataRoot, "image/overlay2/layerdb/tmp"))).toEqual([]);
    await expect(store.client.getRwLayer({ containerId: id("a") })).rejects.toMatchObject({ kind: "not_found" });
  });

  it("creates an image-less container's layers without a parent file", async () => {
    const rwLayer = await createRWLayer(store.client, id("d"), "");
    expect(readdirSync(overlay(rwLayer.initId)).sort()).toEqual(["committed", "diff", "link"]);
    const initLink = readFileSync(overlay(rwLayer.initId, "link"), "utf8");
    expect(readFileSync(overlay(rwLayer.mountId, "lower"), "utf8")).toBe(`l/${initLink}`);
    expect(readdirSync(join(store.dataRoot, "image/overlay2/layerdb/mounts", id("d"))).sort()).toEqual(["init-id", "mount-id"]);
    await store.client.releaseRwLayer({ containerId: id("d") });
  });

  it("refuses a chain deeper than 125 layers with max depth exceeded", async () => {
    const tar = makeLayerTar([{ path: "f", type: "file" }]);
    const deep: string[] = [];
    for (let i = 0; i < 125; i++) {
      const { layer } = await registerBytes(store.client, tar, { parentChainId: deep.at(-1) ?? "", holder: "image:deep" });
      deep.push(layer!.chainId);
    }
    expect((await store.client.getLayer({ chainId: deep.at(-1)! })).layer!.depth).toBe(125);
    const before = treeListing(store.dataRoot);
    await expect(registerBytes(store.client, makeLayerTar([{ path: "x", type: "file" }]), { parentChainId: deep.at(-1)! })).rejects.toMatchObject({
      kind: "failed_precondition",
      message: "max depth exceeded",
    });
    expect(treeListing(store.dataRoot)).toEqual(before);
  }, 60_000);
});
