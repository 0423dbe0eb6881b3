import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layersRequest, registerChain, startStore, treeListing, type StoreUnderTest } from "./helpers.js";

const container = (c: string) => c.repeat(64);
/** The caller's 64-hex name for an anonymous volume. */
const anonymous = (c: string) => `${"0".repeat(63)}${c}`;

const IMAGE = [
  [
    { path: "data", type: "dir", mode: 0o750, uid: 33, gid: 34 },
    { path: "data/seed", type: "file", content: "seed" },
    { path: "file", type: "file", content: "x" },
  ],
] as const;
const SEEDED = ["drwxr-x--- 33:34 - . -> ", "-rw-r--r-- 0:0 4 seed -> "];
const EMPTY = ["drwxr-xr-x 0:0 - . -> "];

/** A store of its own with IMAGE registered, and the chainID of IMAGE's layer. */
async function storeWithImage(): Promise<{ store: StoreUnderTest; parent: string }> {
  const store = await startStore();
  const [parent] = (await registerChain(store.client, IMAGE)) as [string];
  return { store, parent };
}

describe("CreateContainerLayers", () => {
  let store: StoreUnderTest;
  let parent: string;
  beforeAll(async () => ({ store, parent } = await storeWithImage()));
  afterAll(() => store.stop());
  const volumeNames = () => readdirSync(join(store.dataRoot, "volumes")).sort();
  /** The RW layers' state: overlay2 dirs, l/ links, layerdb mounts and write-sets, the parent's references. */
  const layersState = async () => ({
    overlay: readdirSync(join(store.dataRoot, "overlay2")).sort(),
    links: readdirSync(join(store.dataRoot, "overlay2/l")).sort(),
    mounts: readdirSync(join(store.dataRoot, "image/overlay2/layerdb/mounts")).sort(),
    tmp: readdirSync(join(store.dataRoot, "image/overlay2/layerdb/tmp")),
    parent: (await store.client.getLayer({ chainId: parent })).layer,
    rwLayers: (await store.client.listRwLayers({})).rwLayers.length,
  });

  it("makes the RW layer and every volume, answered in request order: seeded while empty, anonymous ones provisional", async () => {
    const request = layersRequest(container("1"), parent, "/srv", [
      { name: "zz-named", destination: "/data", copyData: true, keep: true },
      { name: anonymous("a"), destination: "/data", copyData: true },
      { name: "aa-named", destination: "/not-in-image", copyData: true, keep: true },
      { name: anonymous("b"), destination: "/data" },
    ]);
    const { volumes } = await store.client.createContainerLayers(request);
    expect(volumes.map((v) => [v.name, v.kept, v.mountpoint])).toEqual(
      request.volumes.map(({ name, keep }) => [name, keep, join(store.dataRoot, "volumes", name, "_data")]),
    );
    expect(volumes.map((v) => treeListing(v.mountpoint))).toEqual([SEEDED, SEEDED, EMPTY, EMPTY]);
    expect((await store.client.getRwLayer({ containerId: container("1") })).rwLayer).toMatchObject({ parentChainId: parent });
    expect(readdirSync(join(store.dataRoot, "volumes", anonymous("a"))).sort()).toEqual([".slipway-provisional", "_data"]);
  });

  it("finds a named volume that exists without recreating, reseeding or marking it", async () => {
    const { volume } = await store.client.createVolume({
      parentChainId: "",
      path: "",
      name: "existing",
      driver: "",
      keep: true,
      labels: {},
      driverOpts: {},
    });
    writeFileSync(join(volume!.mountpoint, "mine"), "user data", { mode: 0o644 });
    const before = treeListing(join(store.dataRoot, "volumes", "existing"));
    const { volumes } = await store.client.createContainerLayers(
      layersRequest(container("2"), parent, "", [{ name: "existing", destination: "/data", copyData: true, keep: true }]),
    );
    expect(volumes).toEqual([volume]);
    expect(treeListing(join(store.dataRoot, "volumes", "existing"))).toEqual(before);
  });

  it("undoes what it made when a volume fails: RW layer removed, anonymous volumes removed, named and existing ones left", async () => {
    mkdirSync(join(store.dataRoot, "volumes", "broken-vol")); // a volume without _data: seeding it fails
    const [volumesBefore, layersBefore] = [volumeNames(), await layersState()];
    const request = layersRequest(container("3"), parent, "/srv", [
      { name: anonymous("c"), destination: "/data", copyData: true },
      { name: "made-named", destination: "/data", copyData: true, keep: true },
      { name: "broken-vol", destination: "/data", copyData: true, keep: true },
      { name: anonymous("d"), destination: "/elsewhere" },
    ]);
    await expect(store.client.createContainerLayers(request)).rejects.toMatchObject({
      kind: "internal",
      message: expect.stringContaining("no such file or directory"),
    });
    expect(await layersState()).toEqual(layersBefore);
    await expect(store.client.getRwLayer({ containerId: container("3") })).rejects.toMatchObject({ kind: "not_found" });
    expect(volumeNames()).toEqual([...volumesBefore, "made-named"].sort());
    expect(readdirSync(join(store.dataRoot, "volumes", "broken-vol"))).toEqual([]);
    expect((await store.client.listVolumes({ names: ["made-named"] })).volumes).toMatchObject([{ kept: true }]);
  });

  it("undoes the volumes it made when the RW layer fails (a WorkingDir through a file)", async () => {
    const [volumesBefore, layersBefore] = [volumeNames(), await layersState()];
    const request = layersRequest(container("4"), parent, "/file/sub", [
      { name: anonymous("e"), destination: "/data", copyData: true },
      { name: "named-on-failure", keep: true },
    ]);
    await expect(store.client.createContainerLayers(request)).rejects.toMatchObject({
      kind: "invalid_argument",
      message: "Cannot mkdir: /file/sub is not a directory",
    });
    expect(await layersState()).toEqual(layersBefore);
    expect(volumeNames()).toEqual([...volumesBefore, "named-on-failure"].sort());
  });

  it("refuses a volume in CreateVolume's words, leaving nothing behind", async () => {
    const [volumesBefore, layersBefore] = [volumeNames(), await layersState()];
    const withVolume = (volume: { name: string; driver?: string }) =>
      store.client.createContainerLayers(
        layersRequest(container("5"), parent, "", [{ name: anonymous("f"), destination: "/data", copyData: true }, volume]),
      );
    await expect(withVolume({ name: "vol", driver: "foo" })).rejects.toMatchObject({
      kind: "not_found",
      message: expect.stringContaining('create vol: error looking up volume plugin foo: plugin "foo" not found'),
    });
    await expect(withVolume({ name: "b" })).rejects.toMatchObject({
      kind: "invalid_argument",
      message: expect.stringContaining("create b: volume name is too short, names should be at least two alphanumeric characters"),
    });
    expect(await layersState()).toEqual(layersBefore);
    expect(volumeNames()).toEqual(volumesBefore);
  });

  it("refuses --storage-opt as dockerd's overlay2 driver does off xfs with pquota, before making anything", async () => {
    const [volumesBefore, layersBefore] = [volumeNames(), await layersState()];
    const withStorageOpt = (storageOpt: Record<string, string>) =>
      store.client.createContainerLayers({ ...layersRequest(container("9"), parent, "", [{ name: anonymous("9") }]), storageOpt });
    const pquota = "--storage-opt is supported only for overlay over xfs with 'pquota' mount option";
    await expect(withStorageOpt({ size: "1G" })).rejects.toMatchObject({ kind: "internal", message: pquota });
    await expect(withStorageOpt({ bogus: "1", size: "1G" })).rejects.toMatchObject({ kind: "internal", message: pquota });
    await expect(withStorageOpt({ Bogus: "1" })).rejects.toMatchObject({ kind: "internal", message: "Unknown option bogus" });
    expect(await layersState()).toEqual(layersBefore);
    expect(volumeNames()).toEqual(volumesBefore);
  });

  it("makes no volume for a container that has its RW layer (ALREADY_EXISTS, as a retry gets) or an unknown parent", async () => {
    await store.client.createContainerLayers(layersRequest(container("6"), parent, "", [{ name: anonymous("6") }]));
    const volumesBefore = volumeNames();
    await expect(store.client.createContainerLayers(layersRequest(container("6"), parent, "", [{ name: anonymous("7") }]))).rejects.toMatchObject({
      kind: "already_exists",
      message: `mount already exists with name ${container("6")}`,
    });
    const unknown = `sha256:${"9".repeat(64)}`;
    await expect(store.client.createContainerLayers(layersRequest(container("8"), unknown, "", [{ name: anonymous("8") }]))).rejects.toMatchObject({
      kind: "not_found",
      message: `layer ${unknown} does not exist`,
    });
    expect(volumeNames()).toEqual(volumesBefore);
  });
});

describe("ReleaseContainerLayers", () => {
  let store: StoreUnderTest;
  let parent: string;
  beforeAll(async () => ({ store, parent } = await storeWithImage()));
  afterAll(() => store.stop());
  const volumeDir = (name: string) => readdirSync(join(store.dataRoot, "volumes", name)).sort();

  it("releases the RW layer, removes the volumes to go and keeps the others, in one call", async () => {
    await store.client.createContainerLayers(
      layersRequest(container("a"), parent, "", [{ name: anonymous("1") }, { name: anonymous("2") }, { name: "named", keep: true }]),
    );
    const released = await store.client.releaseContainerLayers({
      containerId: container("a"),
      removeVolumes: [anonymous("1")],
      keepVolumes: [anonymous("2"), "never-made"],
    });
    expect(released).toEqual({ rwLayerReleased: true, deletedChainIds: [], volumesNotFound: ["never-made"] });
    expect(readdirSync(join(store.dataRoot, "volumes")).sort()).toEqual([anonymous("2"), "named"].sort());
    expect(volumeDir(anonymous("2"))).toEqual(["_data"]);
    await expect(store.client.getRwLayer({ containerId: container("a") })).rejects.toMatchObject({ kind: "not_found" });
  });

  it("runs again after a removal that failed half way: what is gone is reported, not refused", async () => {
    await store.client.createContainerLayers(layersRequest(container("b"), parent, "", [{ name: anonymous("3") }]));
    await store.client.releaseRwLayer({ containerId: container("b") });
    const released = await store.client.releaseContainerLayers({
      containerId: container("b"),
      removeVolumes: [anonymous("3"), anonymous("4")],
      keepVolumes: [],
    });
    expect(released).toEqual({ rwLayerReleased: false, deletedChainIds: [], volumesNotFound: [anonymous("4")] });
    expect(readdirSync(join(store.dataRoot, "volumes"))).not.toContain(anonymous("3"));
  });
});
