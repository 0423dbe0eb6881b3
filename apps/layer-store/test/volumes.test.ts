import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readBoltBucket } from "@slipway/docker-spec";
import { readFileCapabilities } from "@slipway/layer-tar";
import { TarWriter } from "@slipway/layer-tar/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreLayout } from "../src/storage/layout.js";
import { layersRequest, registerBytes, registerChain, startStore, treeListing, volumeRequest, type StoreUnderTest } from "./helpers.js";

/** The merged /data of the chain below, as copied into a volume. */
const DATA_LISTING = [
  "drwxr-x--- 33:34 - . -> ",
  "-rw-r----- 5:6 10 keep -> ",
  "lrwxrwxrwx 0:0 4 link -> keep",
  "drwxr-xr-x 0:0 - sub -> ",
  "-rw-r--r-- 0:0 5 sub/new -> ",
];

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
    const { volume } = await store.client.createVolume(volumeRequest({ parentChainId: chain[1]!, path: "/data", name: "", driver: "", keep: false }));
    expect(volume!.name).toMatch(/^[a-f0-9]{64}$/);
    expect(volume!.mountpoint).toBe(join(store.dataRoot, "volumes", volume!.name, "_data"));
    expect(statSync(join(store.dataRoot, "volumes", volume!.name)).mode & 0o7777).toBe(0o701);
    expect(treeListing(volume!.mountpoint)).toEqual(DATA_LISTING);
  });

  it("copies FIFOs and file capabilities (security.capability) as dockerd's tar copy does", async () => {
    // vfs_cap_data revision 2, effective, permitted = CAP_NET_RAW: what `setcap cap_net_raw+ep` stores.
    const capability = Buffer.from("0100000200200000000000000000000000000000", "hex");
    const layer = new TarWriter()
      .dir("special", { mode: 0o750 })
      .device("special/pipe", "fifo", 0, 0, { mode: 0o640, uid: 7, gid: 8, mtime: 1_600_000_000 })
      .pax({ "SCHILY.xattr.security.capability": capability })
      .file("special/ping", "binary", { mode: 0o4755, uid: 0, gid: 0 })
      .bytes();
    const { layer: registered } = await registerBytes(store.client, Buffer.concat([layer, Buffer.alloc(1024)]), {
      parentChainId: "",
      holder: "image:special",
    });
    const { volume } = await store.client.createVolume(
      volumeRequest({ parentChainId: registered!.chainId, path: "/special", name: "", driver: "", keep: false }),
    );
    expect(treeListing(volume!.mountpoint)).toEqual(["drwxr-x--- 0:0 - . -> ", "-rwsr-xr-x 0:0 6 ping -> ", "prw-r----- 7:8 0 pipe -> "]);
    expect(lstatSync(join(volume!.mountpoint, "pipe")).mtimeMs).toBe(1_600_000_000_000);
    expect(readFileCapabilities(join(volume!.mountpoint, "ping"))).toEqual(capability);
    await store.client.removeVolume({ name: volume!.name, measureSize: false });
  });

  it("makes an empty 0755 _data for a path the image lacks, lists and removes volumes", async () => {
    const { volume } = await store.client.createVolume(
      volumeRequest({ parentChainId: chain[1]!, path: "/nothing", name: "named-vol", driver: "", keep: false }),
    );
    expect(treeListing(volume!.mountpoint)).toEqual(["drwxr-xr-x 0:0 - . -> "]);
    const { volumes } = await store.client.listVolumes({ names: [] });
    expect(volumes.map((v) => v.name)).toContain("named-vol");
    const named = await store.client.listVolumes({ names: ["named-vol", "no-such-vol", "../escape"] });
    expect(named.volumes.map((v) => v.name)).toEqual(["named-vol"]);
    await store.client.removeVolume({ name: "named-vol", measureSize: false });
    await expect(store.client.removeVolume({ name: "named-vol", measureSize: false })).rejects.toMatchObject({ kind: "not_found" });
    expect(readdirSync(join(store.dataRoot, "volumes")).filter((name) => name !== "metadata.db")).toHaveLength(1);
  });

  it("finds a named volume again, seeds it from the image only while it is empty, and keeps it when asked at creation", async () => {
    const create = (path: string, parentChainId: string, keep: boolean) =>
      store.client.createVolume(volumeRequest({ parentChainId, path, name: "shared-vol", driver: "local", keep })).then((r) => r.volume!);
    const empty = await create("", "", true);
    expect(empty).toMatchObject({ name: "shared-vol", kept: true });
    expect(treeListing(empty.mountpoint)).toEqual(["drwxr-xr-x 0:0 - . -> "]);
    expect(await create("/data", chain[1]!, false)).toEqual(empty);
    expect(treeListing(empty.mountpoint)).toEqual(DATA_LISTING);
    writeFileSync(join(empty.mountpoint, "mine"), "user data", { mode: 0o644 });
    expect(await create("/data", chain[0]!, false)).toEqual(empty);
    expect(treeListing(empty.mountpoint)).toEqual([...DATA_LISTING.slice(0, 3), "-rw-r--r-- 0:0 9 mine -> ", ...DATA_LISTING.slice(3)]);
    expect(readdirSync(join(store.dataRoot, "volumes")).filter((n) => n.startsWith(".slipway"))).toEqual([]);
    await store.client.removeVolume({ name: "shared-vol", measureSize: false });
  });

  it("refuses another driver and a name the local driver refuses, in dockerd's words, creating nothing", async () => {
    const before = readdirSync(join(store.dataRoot, "volumes")).sort();
    const create = (name: string, driver = "") =>
      store.client.createVolume(volumeRequest({ parentChainId: chain[1]!, path: "/data", name, driver, keep: false }));
    await expect(create("vol", "foo")).rejects.toMatchObject({
      kind: "not_found",
      message: expect.stringContaining('create vol: error looking up volume plugin foo: plugin "foo" not found'),
    });
    await expect(create("b")).rejects.toMatchObject({
      kind: "invalid_argument",
      message: expect.stringContaining("create b: volume name is too short, names should be at least two alphanumeric characters"),
    });
    await expect(create("bad$")).rejects.toMatchObject({
      kind: "invalid_argument",
      message: expect.stringContaining(
        'create bad$: "bad$" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
      ),
    });
    await expect(create("../up")).rejects.toMatchObject({ kind: "invalid_argument" });
    expect(readdirSync(join(store.dataRoot, "volumes")).sort()).toEqual(before);
  });

  it("makes a volume for a create provisional, marks it kept durably and only inside its own directory, and says so in the list", async () => {
    await store.client.createVolume(volumeRequest({ parentChainId: "", path: "", name: "kept-vol", driver: "", keep: false }));
    expect((await store.client.listVolumes({ names: [] })).volumes.find((v) => v.name === "kept-vol")).toMatchObject({ kept: false });
    expect(readdirSync(join(store.dataRoot, "volumes", "kept-vol")).sort()).toEqual([".slipway-provisional", "_data"]);
    expect(await store.client.keepVolumes({ names: ["kept-vol"] })).toEqual({ notFound: [] });
    expect(await store.client.keepVolumes({ names: ["kept-vol"] })).toEqual({ notFound: [] });
    expect((await store.client.listVolumes({ names: [] })).volumes.find((v) => v.name === "kept-vol")).toMatchObject({ kept: true });
    expect(readdirSync(join(store.dataRoot, "volumes", "kept-vol"))).toEqual(["_data"]);
    await store.client.removeVolume({ name: "kept-vol", measureSize: false });
    expect(readdirSync(join(store.dataRoot, "volumes"))).not.toContain("kept-vol");
  });

  it("keeps every named volume in one call and answers the names of none, in order, without failing", async () => {
    const names = ["keep-a", "keep-b", "keep-c"];
    for (const name of names) await store.client.createVolume(volumeRequest({ parentChainId: "", path: "", name, driver: "", keep: false }));
    const { notFound } = await store.client.keepVolumes({
      names: ["keep-c", "no-such-vol", "keep-a", "../escape", "keep-b", "keep-a", "no-such-vol"],
    });
    expect(notFound).toEqual(["no-such-vol", "../escape"]);
    const { volumes } = await store.client.listVolumes({ names });
    expect(volumes.map((v) => [v.name, v.kept])).toEqual(names.map((name) => [name, true]));
    for (const name of names) expect(readdirSync(join(store.dataRoot, "volumes", name))).toEqual(["_data"]);
    expect(await store.client.keepVolumes({ names: [] })).toEqual({ notFound: [] });
    for (const name of names) await store.client.removeVolume({ name, measureSize: false });
  });
});

describe("volume labels and driver options", () => {
  let store: StoreUnderTest;
  beforeAll(async () => (store = await startStore()));
  afterAll(() => store.stop());
  const create = (name: string, labels: Record<string, string>, driverOpts: Record<string, string>, keep = true) =>
    store.client.createVolume({ parentChainId: "", path: "", name, driver: "", keep, labels, driverOpts });
  const metadata = () => readBoltBucket(readFileSync(join(store.dataRoot, "volumes", "metadata.db")), "volumes")!;

  it("records them as dockerd does: opts.json beside _data, metadata.db's entry, both answered; kept across a restart", async () => {
    const options = { type: "tmpfs", device: "tmpfs", o: "size=100m" };
    const { volume } = await create("tmp-vol", { b: "2", a: "1" }, options);
    expect(volume).toMatchObject({ labels: { a: "1", b: "2" }, options });
    const dir = join(store.dataRoot, "volumes", "tmp-vol");
    expect(readdirSync(dir).sort()).toEqual(["_data", "opts.json"]);
    expect(statSync(join(dir, "opts.json")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "opts.json"), "utf8")).toBe(
      '{"MountType":"tmpfs","MountOpts":"size=100m","MountDevice":"tmpfs","Quota":{"Size":0}}',
    );
    await create("plain-vol", {}, {});
    expect(existsSync(join(store.dataRoot, "volumes", "plain-vol", "opts.json"))).toBe(false);
    expect(Object.fromEntries([...metadata()].map(([key, value]) => [key, value.toString()]))).toEqual({
      "plain-vol": '{"Name":"plain-vol","Driver":"local","Labels":null,"Options":null}',
      "tmp-vol": '{"Name":"tmp-vol","Driver":"local","Labels":{"a":"1","b":"2"},"Options":{"device":"tmpfs","o":"size=100m","type":"tmpfs"}}',
    });
    // A volume that exists is answered as it is, whatever the create asks.
    expect((await create("tmp-vol", { c: "3" }, {})).volume).toMatchObject({ labels: { a: "1", b: "2" }, options });
    await store.stop();
    store = await startStore(store.dataRoot);
    expect((await store.client.listVolumes({ names: ["tmp-vol"] })).volumes[0]).toMatchObject({ labels: { a: "1", b: "2" }, options });
    await store.client.removeVolume({ name: "tmp-vol", measureSize: false });
    await store.client.removeVolume({ name: "plain-vol", measureSize: false });
    expect(metadata().size).toBe(0);
  });

  it("records a create's volume only when it has labels or options, and removes it with its entry", async () => {
    await create("anon-like", {}, {}, false).then(() => store.client.removeVolume({ name: "anon-like", measureSize: false }));
    const request = (name: string, labels: Record<string, string>) => ({ name, destination: "/data", labels, driverOpts: {} });
    const id = (digit: string) => digit.repeat(64);
    await store.client.createContainerLayers(layersRequest(id("a"), "", "", [request("quiet-vol", {}), request("labelled-vol", { x: "y" })]));
    expect([...metadata().keys()]).toEqual(["labelled-vol"]);
    await store.client.releaseContainerLayers({ containerId: id("a"), removeVolumes: ["quiet-vol", "labelled-vol"], keepVolumes: [] });
    expect(metadata().size).toBe(0);
  });

  it("refuses what dockerd's local driver refuses, in its words, creating nothing", async () => {
    const before = readdirSync(join(store.dataRoot, "volumes")).sort();
    const refusals: [Record<string, string>, string, string][] = [
      [{ bogus: "1" }, "invalid_argument", 'create bad-vol: invalid option: "bogus"'],
      [{ o: "bind" }, "invalid_argument", 'create bad-vol: missing required option: "device"'],
      [{ device: "/x", o: "bind" }, "invalid_argument", 'create bad-vol: missing required option: "type"'],
      [{ type: "none" }, "invalid_argument", 'create bad-vol: missing required option: "device"'],
      [{ size: "1G" }, "invalid_argument", "create bad-vol: quota size requested but no quota support"],
      [{ size: "lots" }, "internal", "create bad-vol: invalid size: 'lots'"],
    ];
    for (const [driverOpts, kind, message] of refusals) await expect(create("bad-vol", {}, driverOpts)).rejects.toMatchObject({ kind, message });
    expect(readdirSync(join(store.dataRoot, "volumes")).sort()).toEqual(before);
  });

  it("measures a volume's files as dockerd's df and prune do: each inode once, directories and empty files not at all", async () => {
    const { volume } = await create("measured-vol", {}, {});
    writeFileSync(join(volume!.mountpoint, "a"), "12345");
    linkSync(join(volume!.mountpoint, "a"), join(volume!.mountpoint, "a-link"));
    mkdirSync(join(volume!.mountpoint, "sub"));
    writeFileSync(join(volume!.mountpoint, "sub", "b"), "123");
    writeFileSync(join(volume!.mountpoint, "empty"), "");
    expect(await store.client.getVolumeSizes({ names: ["measured-vol", "no-such-vol"] })).toEqual({
      sizes: [
        { name: "measured-vol", size: 8 },
        { name: "no-such-vol", size: -1 },
      ],
    });
    expect(await store.client.removeVolume({ name: "measured-vol", measureSize: true })).toEqual({ size: 8 });
  });
});

describe("where an adopting dockerd finds volumes (SLIPWAY_DOCKERD_DATA_ROOT)", () => {
  it("names mountpoints under the data root as dockerd sees it, the own data root by default", () => {
    expect(new StoreLayout("/var/lib/slipway").volumeMountpoint("v")).toBe("/var/lib/slipway/volumes/v/_data");
    expect(new StoreLayout("/var/lib/slipway", "/srv/docker").volumeMountpoint("v")).toBe("/srv/docker/volumes/v/_data");
  });
});
